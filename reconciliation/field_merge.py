"""The three-way field merge of one link: each side's changes since its own baseline, carried across."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from reconciliation.decisions import ConflictFound, ConflictPolicy
from reconciliation.field_diff import ABSENT, FlatPlan, public_value
from reconciliation.side import Side


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldMerge:
    """What each side should hold (flat fields) and the conflicts met on the way."""

    targets: Mapping[Side, dict[str, Any]]
    conflicts: tuple[ConflictFound, ...]

    @property
    def held(self) -> bool:
        return any(conflict.winner is None for conflict in self.conflicts)


def merge_fields(
    *,
    baselines: Mapping[Side, FlatPlan],
    currents: Mapping[Side, FlatPlan],
    changed: Mapping[Side, Collection[str]],
    source_of_truth: Side,
    policy: ConflictPolicy,
    settlements: Mapping[str, Side],
) -> FieldMerge:
    """Fields neither side changed stay as each side has them; a changed field goes to both sides.

    Both sides changed a field to the same value: nothing to do (a benefit set to None on one side
    and removed on the other counts as the same value, as decisions show both as None).

    Both sides changed a field to different values: a settlement for that path decides, else the
    policy (the source of truth wins, or no winner and the link is held).
    """
    targets = {side: dict(currents[side]) for side in Side}
    conflicts: list[ConflictFound] = []
    for path in sorted({*changed[Side.PERFECTQUOTE], *changed[Side.BENEFITPOINT]}):
        values = {side: currents[side].get(path, ABSENT) for side in Side}
        movers = [side for side in Side if path in changed[side]]
        if len(movers) == 1:
            winner: Side | None = movers[0]
        elif public_value(values[Side.PERFECTQUOTE]) == public_value(values[Side.BENEFITPOINT]):
            continue
        else:
            winner = _winner(path, source_of_truth=source_of_truth, policy=policy, settlements=settlements)
            conflicts.append(
                ConflictFound(
                    path=path,
                    baseline=public_value(baselines[source_of_truth].get(path, ABSENT)),
                    values={side: public_value(values[side]) for side in Side},
                    winner=winner,
                )
            )
        if winner is not None:
            for target in targets.values():
                _put(target, path, values[winner])
    return FieldMerge(targets=targets, conflicts=tuple(conflicts))


def _winner(
    path: str, *, source_of_truth: Side, policy: ConflictPolicy, settlements: Mapping[str, Side]
) -> Side | None:
    if path in settlements:
        return Side(settlements[path])
    return source_of_truth if policy is ConflictPolicy.SOURCE_OF_TRUTH_WINS else None


def _put(flat: dict[str, Any], path: str, value: Any) -> None:
    if value is ABSENT:
        flat.pop(path, None)
    else:
        flat[path] = value
