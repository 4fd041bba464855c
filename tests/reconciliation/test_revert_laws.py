"""The laws of the revert decisions, over random synced links, random runs and random later edits."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciliation.decisions import Action, LinkInput, Reconciliation
from reconciliation.plan import Plan
from reconciliation.plan_fields import field_to_json, plan_to_fields
from reconciliation.reconcile import reconcile
from reconciliation.records import Change
from reconciliation.revert import (
    TO_WRITE,
    FieldRevert,
    Verdict,
    created_sides,
    decide_side,
    field_steps,
    next_baseline,
    reverted,
)
from reconciliation.side import Side
from reconciliation.states import Direction
from tests.reconciliation.link_strategies import synced_links
from tests.reconciliation.strategies import edits
from tests.reconciliation.world import apply_writes, link, synced, visible

LAWS = settings(max_examples=150, deadline=None)
LINK = "lnk_1"


def change_log(outcome: Reconciliation) -> list[Change]:
    """The change-log rows a run that made `outcome`'s writes stores (values as stored JSON)."""
    ids = count(1)
    return [
        Change(id=next(ids), run_id=1, link_id=LINK, direction=Direction.into(write.side), path=c.path,
               before=field_to_json(c.path, c.before), after=field_to_json(c.path, c.after),
               recorded_at=datetime.now(UTC))
        for write in outcome.writes for c in write.changes
    ]


def revert_everything(outcome: Reconciliation, held: dict[Side, Plan | None],
                      baselines: dict[Side, Plan | None]) -> tuple[dict[Side, Plan | None],
                                                                 dict[Side, Plan | None],
                                                                 dict[Side, list[FieldRevert]]]:
    """Each side written back as the revert decides, and its baseline as the revert stores it."""
    steps = field_steps(change_log(outcome))
    held, baselines = dict(held), dict(baselines)
    decided: dict[Side, list[FieldRevert]] = {}
    for side in Side:
        mine = [step for step in steps if step.side is side]
        plan = held[side]
        decided[side] = decide_side(mine, current=plan, baseline=baselines[side])
        if plan is not None:
            held[side] = reverted(plan, decided[side], TO_WRITE)
        baselines[side] = next_baseline(baselines[side], decided[side])
    return held, baselines, decided


def ran(link_input: LinkInput) -> tuple[Reconciliation, dict[Side, Plan | None], dict[Side, Plan | None]]:
    outcome = reconcile(link_input)
    return outcome, apply_writes(link_input, outcome), {side: outcome.next_baselines[side] for side in Side}


@LAWS
@given(synced_links())
def test_a_revert_after_a_run_with_no_later_edits_restores_both_systems_exactly(
        link_input: LinkInput) -> None:
    outcome, held, baselines = ran(link_input)

    restored, _, decided = revert_everything(outcome, held, baselines)

    for side in Side:
        assert visible(restored[side]) == visible(link_input.sides[side].current)
        assert all(d.verdict is Verdict.WRITE for d in decided[side])


@LAWS
@given(synced_links())
def test_the_next_sync_after_a_revert_writes_nothing(link_input: LinkInput) -> None:
    outcome, held, baselines = ran(link_input)
    if outcome.action is Action.HELD:
        return
    restored, rebased, _ = revert_everything(outcome, held, baselines)

    following = reconcile(link(source_of_truth=link_input.source_of_truth, policy=link_input.policy,
                               pq=synced(rebased[Side.PERFECTQUOTE], restored[Side.PERFECTQUOTE]),  # type: ignore[arg-type]
                               bp=synced(rebased[Side.BENEFITPOINT], restored[Side.BENEFITPOINT])))  # type: ignore[arg-type]

    assert following.writes == ()


@LAWS
@given(synced_links())
def test_a_revert_run_again_writes_nothing_twice(link_input: LinkInput) -> None:
    outcome, held, baselines = ran(link_input)
    restored, rebased, _ = revert_everything(outcome, held, baselines)

    _, _, again = revert_everything(outcome, restored, rebased)

    assert all(d.verdict is Verdict.DONE for side in Side for d in again[side])


@LAWS
@given(synced_links())
def test_a_crash_between_write_and_record_is_recorded_not_written_again(link_input: LinkInput) -> None:
    outcome, held, baselines = ran(link_input)
    restored, _, _ = revert_everything(outcome, held, baselines)

    # The writes landed; the baselines were never stored.
    _, _, again = revert_everything(outcome, restored, baselines)

    for side in Side:
        expected = Verdict.DONE if baselines[side] is None else Verdict.RECORD
        assert all(d.verdict is expected for d in again[side])


@LAWS
@given(synced_links(), st.data())
def test_a_field_edited_since_the_run_is_left_as_edited(link_input: LinkInput, data: st.DataObject) -> None:
    outcome, held, baselines = ran(link_input)
    if not outcome.writes:
        return
    side = outcome.writes[0].side
    plan = held[side]
    assert plan is not None
    held[side] = edited = data.draw(edits(plan))

    restored, _, decided = revert_everything(outcome, held, baselines)

    for decision in decided[side]:
        path, step = decision.step.path, decision.step
        now = field_to_json(path, _field(edited, path))
        if now not in (step.before, step.after):
            assert decision.verdict is Verdict.CHANGED and decision.current == now
            assert field_to_json(path, _field(restored[side], path)) == now


def test_a_create_is_known_by_its_name_written_from_nothing() -> None:
    stamp = datetime.now(UTC)
    made = Change(id=1, run_id=1, link_id=LINK, direction=Direction.PQ_TO_BP, path="name", before=None,
                  after="Gold", recorded_at=stamp)
    renamed = Change(id=2, run_id=1, link_id="lnk_2", direction=Direction.BP_TO_PQ, path="name", before="Old",
                     after="New", recorded_at=stamp)

    assert created_sides([made, renamed]) == {(LINK, Side.BENEFITPOINT)}


def test_a_field_the_system_did_not_take_is_not_written_back() -> None:
    stamp = datetime.now(UTC)
    missed = Change(id=1, run_id=1, link_id=LINK, direction=Direction.PQ_TO_BP, path="rates", before=None,
                    after={"structure": "composite"}, recorded_at=stamp, applied=False)
    [step] = field_steps([missed])

    [decision] = decide_side([step], current=None, baseline=None)

    assert decision.verdict is Verdict.NOT_TAKEN


def _field(plan: Plan | None, path: str) -> object:
    assert plan is not None
    return plan_to_fields(plan).get(path)
