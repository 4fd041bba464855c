"""The revert of a run, decided field by field from its change log and what each side holds now."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reconciliation.plan import Plan, PlanValueError
from reconciliation.plan_fields import (
    BENEFIT_PREFIX,
    RATES_FIELD,
    field_to_json,
    plan_from_fields,
    plan_to_fields,
    rates_from_json,
)
from reconciliation.records import Change
from reconciliation.side import Side
from reconciliation.states import Direction

# A create logs every field from nothing; an update never moves `name` from nothing (it is required).
CREATE_MARKER = "name"
SideKey = tuple[str, Side]


class Verdict(StrEnum):
    """`write`: the field still holds the run's value, write the one before back.
    `record`: it holds the value before already, but the link's baseline does not know (a revert that
    stopped after its write, or a person who put it back by hand): recorded without a write.
    `done`: reverted and recorded.
    `changed`: edited since, left alone. `not_taken`: the system never took the run's value.
    `gone`: the plan is gone from its system."""

    WRITE = "write"
    RECORD = "record"
    DONE = "done"
    CHANGED = "changed"
    NOT_TAKEN = "not_taken"
    GONE = "gone"


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldStep:
    """What a run did to one field of one side of a link: the value it found and the value it left."""

    link_id: str
    side: Side
    path: str
    before: Any
    after: Any
    applied: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldRevert:
    """The decision for one field; `current` is what the side holds now (stored JSON)."""

    step: FieldStep
    verdict: Verdict
    current: Any = None


def side_written(direction: Direction) -> Side:
    return Side.BENEFITPOINT if direction is Direction.PQ_TO_BP else Side.PERFECTQUOTE


def field_steps(changes: Iterable[Change]) -> list[FieldStep]:
    """One step per link, side and field: the first value the run found, the last one it wrote."""
    steps: dict[tuple[str, Side, str], FieldStep] = {}
    for change in sorted(changes, key=lambda c: c.id):
        side = side_written(change.direction)
        key = (change.link_id, side, change.path)
        first = steps.get(key)
        steps[key] = FieldStep(
            link_id=change.link_id, side=side, path=change.path,
            before=change.before if first is None else first.before, after=change.after,
            applied=change.applied and (first is None or first.applied),
        )
    return list(steps.values())


def created_sides(changes: Iterable[Change]) -> set[SideKey]:
    """The (link, side) pairs whose plan the run created: plansync never deletes them."""
    return {
        (change.link_id, side_written(change.direction))
        for change in changes
        if change.path == CREATE_MARKER and change.before is None
    }


def with_value(plan: Plan, path: str, value: Any) -> Plan:
    """`plan` with one field set from its stored JSON; the plan normalizes it as it does any value."""
    flat = plan_to_fields(plan)
    if path == RATES_FIELD:
        flat[path] = rates_from_json(value)
    elif path.startswith(BENEFIT_PREFIX) and value is None:
        flat.pop(path, None)
    else:
        flat[path] = value
    return plan_from_fields(flat)


def field_json(plan: Plan, path: str) -> Any:
    """One field of `plan` as the change log stores it (an absent benefit reads as None)."""
    return field_to_json(path, plan_to_fields(plan).get(path))


def _holds(plan: Plan, path: str, value: Any) -> bool:
    try:
        return field_json(plan, path) == field_json(with_value(plan, path, value), path)
    except PlanValueError:
        return False


def decide(step: FieldStep, *, current: Plan | None, baseline: Plan | None) -> FieldRevert:
    """What to do with one field the run wrote, given what its side holds now and its baseline."""
    if not step.applied:
        return FieldRevert(step=step, verdict=Verdict.NOT_TAKEN)
    if current is None:
        return FieldRevert(step=step, verdict=Verdict.GONE)
    now = field_json(current, step.path)
    if _holds(current, step.path, step.before):
        # With no baseline there is nothing to record, and a rerun must not log the field again.
        known = baseline is None or _holds(baseline, step.path, step.before)
        return FieldRevert(step=step, verdict=Verdict.DONE if known else Verdict.RECORD, current=now)
    if _holds(current, step.path, step.after):
        return FieldRevert(step=step, verdict=Verdict.WRITE, current=now)
    return FieldRevert(step=step, verdict=Verdict.CHANGED, current=now)


def decide_side(steps: Sequence[FieldStep], *, current: Plan | None,
                baseline: Plan | None) -> list[FieldRevert]:
    return [decide(step, current=current, baseline=baseline) for step in steps]


def reverted(plan: Plan, decisions: Iterable[FieldRevert], verdicts: frozenset[Verdict]) -> Plan:
    """`plan` with the value before the run put back in every field whose verdict is in `verdicts`."""
    for decision in decisions:
        if decision.verdict in verdicts:
            plan = with_value(plan, decision.step.path, decision.step.before)
    return plan


TO_WRITE = frozenset({Verdict.WRITE})
TO_RECORD = frozenset({Verdict.WRITE, Verdict.RECORD})


def next_baseline(baseline: Plan | None, decisions: Iterable[FieldRevert]) -> Plan | None:
    """The side's baseline once its reverted fields are recorded: those fields at their value before
    the run, every other field as it was, so the next sync sees neither side changed on them and
    carries nothing back, while an edit made since (a `changed` field) still syncs as usual."""
    return None if baseline is None else reverted(baseline, decisions, TO_RECORD)


def needs_work(decisions: Mapping[SideKey, Sequence[FieldRevert]]) -> bool:
    return any(d.verdict in TO_RECORD for found in decisions.values() for d in found)
