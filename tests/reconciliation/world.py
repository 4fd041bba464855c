"""Test helpers: build a link's input, and apply an outcome's writes to the two sides."""

from __future__ import annotations

from collections.abc import Mapping

from reconciliation.decisions import Choice, ConflictPolicy, LinkInput, Reconciliation, SideState, WriteKind
from reconciliation.plan import Plan
from reconciliation.plan_fields import BENEFIT_PREFIX, FieldValue, plan_to_fields
from reconciliation.side import Side


def link(
    *,
    choice: Choice = Choice.MERGE,
    source_of_truth: Side = Side.PERFECTQUOTE,
    pq: SideState,
    bp: SideState,
    policy: ConflictPolicy = ConflictPolicy.SOURCE_OF_TRUTH_WINS,
    settlements: Mapping[str, Side] | None = None,
) -> LinkInput:
    return LinkInput(
        choice=choice,
        source_of_truth=source_of_truth,
        sides={Side.PERFECTQUOTE: pq, Side.BENEFITPOINT: bp},
        policy=policy,
        settlements=dict(settlements or {}),
    )


def synced(baseline: Plan, current: Plan | None) -> SideState:
    return SideState(known=True, baseline=baseline, current=current)


def apply_writes(link_input: LinkInput, outcome: Reconciliation) -> dict[Side, Plan | None]:
    """What each side holds once every write is confirmed; a CREATE only where no plan was linked."""
    world = {side: link_input.sides[side].current for side in Side}
    for write in outcome.writes:
        assert write.plan is not None
        assert (write.kind is WriteKind.CREATE) == (not link_input.sides[write.side].known)
        world[write.side] = write.plan
    return world


def next_input(link_input: LinkInput, outcome: Reconciliation) -> LinkInput:
    """The same link one sync later: the stored next baselines, and the contents the writes left."""
    world = apply_writes(link_input, outcome)
    baselines = outcome.next_baselines
    states = {
        side: SideState(
            known=link_input.sides[side].known or world[side] is not None,
            baseline=baselines[side],
            current=world[side],
        )
        for side in Side
    }
    return link(
        choice=link_input.choice,
        source_of_truth=link_input.source_of_truth,
        pq=states[Side.PERFECTQUOTE],
        bp=states[Side.BENEFITPOINT],
        policy=link_input.policy,
        settlements=link_input.settlements,
    )


def visible(plan: Plan | None) -> dict[str, FieldValue]:
    """A plan's fields as people see them: a benefit set to None reads the same as no benefit."""
    assert plan is not None
    return {
        path: value
        for path, value in plan_to_fields(plan).items()
        if not (path.startswith(BENEFIT_PREFIX) and value is None)
    }
