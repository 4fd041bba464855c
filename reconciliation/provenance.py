"""Where each value of a synced field came from: its chain, built from the change log and the conflicts.

A change-log row carrying a value into one side says that value was edited in the other side (or put
back by a revert), that plansync saw it there when the run that carried it read the plan (the run's
start: the systems' versions of that moment are not kept), and when it arrived. A conflict adds the
value that lost (or waits for a person), and marks the value carried in its place as the one that won.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reconciliation.records import Change, Conflict, Run
from reconciliation.revert import side_written
from reconciliation.side import Side

REVERT_TRIGGER = "revert"


@dataclass(frozen=True, slots=True, kw_only=True)
class ValueStep:
    """One value a field held. `origin`: `edit` (made in `edited_in`), `revert` (put back by plansync),
    or `first_seen` (what a side held when plansync first wrote the field). `conflict`: `won`, `lost`,
    `held` (waits for a person) or None."""

    field: str
    value: Any
    origin: str
    edited_in: Side | None
    seen_at: datetime
    run_id: int | None = None
    carried_to: Side | None = None
    carried_at: datetime | None = None
    applied: bool = True
    conflict: str | None = None
    conflict_id: int | None = None


def field_chains(changes: Iterable[Change], conflicts: Iterable[Conflict],
                 runs: Mapping[int, Run]) -> dict[str, list[ValueStep]]:
    """Per field path, its values oldest first."""
    chains: dict[str, list[tuple[tuple[datetime, int, int], ValueStep]]] = {}
    by_field: dict[str, list[Change]] = {}
    for change in sorted(changes, key=lambda c: c.id):
        by_field.setdefault(change.path, []).append(change)
    won: dict[int, Conflict] = {}
    for conflict in sorted(conflicts, key=lambda c: c.id):
        chain = chains.setdefault(conflict.path, [])
        seen = _seen(runs, conflict.run_id, conflict.recorded_at)
        winner = conflict.winner or conflict.settled_side
        carrying = _carrying(by_field.get(conflict.path, []), conflict, winner)
        if carrying is not None:
            won[carrying.id] = conflict
        for side in Side:
            if winner is None or side is not winner:
                step = ValueStep(field=conflict.path, value=conflict.values[side], origin="edit",
                                 edited_in=side, seen_at=seen, run_id=conflict.run_id,
                                 conflict="held" if winner is None else "lost", conflict_id=conflict.id)
                chain.append(((seen, conflict.run_id, -1), step))
    for path, found in by_field.items():
        chain = chains.setdefault(path, [])
        first = found[0]
        if first.before is not None:
            seen = _seen(runs, first.run_id, first.recorded_at)
            chain.append(((seen, first.run_id, -2), ValueStep(
                field=path, value=first.before, origin="first_seen", edited_in=side_written(first.direction),
                seen_at=seen)))
        for change in found:
            chain.append(((_seen(runs, change.run_id, change.recorded_at), change.run_id, change.id),
                          _carried(change, runs, won.get(change.id))))
    return {path: [step for _key, step in sorted(steps, key=lambda item: item[0])]
            for path, steps in sorted(chains.items())}


def _seen(runs: Mapping[int, Run], run_id: int, fallback: datetime) -> datetime:
    run = runs.get(run_id)
    return fallback if run is None else run.started_at


def _carrying(changes: list[Change], conflict: Conflict, winner: Side | None) -> Change | None:
    """The change that wrote the winning value over the losing side, at or after the conflict's run."""
    if winner is None:
        return None
    return next((c for c in changes if c.run_id >= conflict.run_id
                 and side_written(c.direction) is winner.other and c.after == conflict.values[winner]), None)


def _carried(change: Change, runs: Mapping[int, Run], conflict: Conflict | None) -> ValueStep:
    target = side_written(change.direction)
    run = runs.get(change.run_id)
    reverted = run is not None and run.trigger == REVERT_TRIGGER
    return ValueStep(
        field=change.path, value=change.after, origin="revert" if reverted else "edit",
        edited_in=None if reverted else target.other, seen_at=_seen(runs, change.run_id, change.recorded_at),
        run_id=change.run_id, carried_to=target, carried_at=change.recorded_at, applied=change.applied,
        conflict=None if conflict is None else "won", conflict_id=None if conflict is None else conflict.id,
    )
