"""The laws of the reconcile step, over random plans and random edits on both sides."""

from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff
from hypothesis import given, settings

from reconciliation.decisions import Action, ConflictPolicy, LinkInput, SideState, WriteKind
from reconciliation.field_diff import ABSENT, changed_paths
from reconciliation.plan import Plan
from reconciliation.plan_fields import plan_to_fields
from reconciliation.reconcile import reconcile
from reconciliation.side import Side
from tests.reconciliation.link_strategies import any_links, diverged_links, policies, sides, synced_links
from tests.reconciliation.strategies import plan_names, plans
from tests.reconciliation.world import apply_writes, link, next_input, synced, visible

LAWS = settings(max_examples=200, deadline=None)


def _value(plan: Plan | None, path: str) -> Any:
    assert plan is not None
    return plan_to_fields(plan).get(path, ABSENT)


@LAWS
@given(synced_links())
def test_after_the_writes_both_sides_hold_equal_content_unless_held(link_input: LinkInput) -> None:
    outcome = reconcile(link_input)
    world = apply_writes(link_input, outcome)
    if outcome.action is Action.HELD:
        assert outcome.writes == ()
        assert any(conflict.winner is None for conflict in outcome.conflicts)
        return
    assert visible(world[Side.PERFECTQUOTE]) == visible(world[Side.BENEFITPOINT])
    assert outcome.next_baselines[Side.PERFECTQUOTE] == world[Side.PERFECTQUOTE]
    assert outcome.next_baselines[Side.BENEFITPOINT] == world[Side.BENEFITPOINT]


@LAWS
@given(synced_links() | any_links())
def test_reconciling_again_decides_nothing(link_input: LinkInput) -> None:
    outcome = reconcile(link_input)
    again = reconcile(next_input(link_input, outcome))
    if outcome.action in (Action.HELD, Action.ORPHANED):
        assert again == outcome
        return
    assert again.action is Action.NOTHING
    assert again.writes == () and again.conflicts == ()


@LAWS
@given(synced_links())
def test_every_conflict_keeps_both_values_and_nothing_is_dropped(link_input: LinkInput) -> None:
    outcome = reconcile(link_input)
    world = apply_writes(link_input, outcome)
    pq_state, bp_state = link_input.sides[Side.PERFECTQUOTE], link_input.sides[Side.BENEFITPOINT]
    base, pq, bp = (plan_to_fields(plan) for plan in (pq_state.baseline, pq_state.current, bp_state.current))
    found = {conflict.path: conflict for conflict in outcome.conflicts}
    for path in {*base, *pq, *bp}:
        was, ours, theirs = base.get(path, ABSENT), pq.get(path, ABSENT), bp.get(path, ABSENT)
        movers = [value for value in (ours, theirs) if value != was]
        moved_apart = len(movers) == 2 and _none(ours) != _none(theirs)
        assert (path in found) == moved_apart, path
        if outcome.action is Action.HELD:
            continue
        if moved_apart:
            conflict = found[path]
            assert conflict.values == {Side.PERFECTQUOTE: _none(ours), Side.BENEFITPOINT: _none(theirs)}
            assert conflict.winner is link_input.settlements.get(path, link_input.source_of_truth)
            kept = _value(world[conflict.winner], path)
            assert _none(kept) != conflict.losing_value
            assert conflict.losing_value == _none(theirs if conflict.winner is Side.PERFECTQUOTE else ours)
        elif len(movers) == 1:
            assert _value(world[Side.PERFECTQUOTE], path) == movers[0]
            assert _value(world[Side.BENEFITPOINT], path) == movers[0]
        elif movers:
            assert _none(_value(world[Side.PERFECTQUOTE], path)) == _none(ours)
            assert _none(_value(world[Side.BENEFITPOINT], path)) == _none(ours)


def _none(value: Any) -> Any:
    return None if value is ABSENT else value


@LAWS
@given(plans(), plans(), sides, policies)
def test_the_source_of_truth_wins_the_first_sync_of_a_merge(
    pq_plan: Plan, bp_plan: Plan, source: Side, policy: ConflictPolicy
) -> None:
    link_input = link(
        source_of_truth=source,
        pq=SideState(known=True, current=pq_plan),
        bp=SideState(known=True, current=bp_plan),
        policy=policy,
    )
    outcome = reconcile(link_input)
    world = apply_writes(link_input, outcome)
    truth = link_input.sides[source].current
    assert world[Side.PERFECTQUOTE] == truth and world[Side.BENEFITPOINT] == truth
    assert all(write.side is source.other for write in outcome.writes)
    assert len(outcome.writes) == (0 if pq_plan == bp_plan else 1)


@LAWS
@given(any_links())
def test_no_decision_deletes_anything(link_input: LinkInput) -> None:
    assert {action.value for action in Action} == {"nothing", "write", "orphaned", "held"}
    assert {kind.value for kind in WriteKind} == {"create", "update"}
    outcome = reconcile(link_input)
    world = apply_writes(link_input, outcome)
    for side in Side:
        if link_input.sides[side].current is not None:
            assert world[side] is not None
    if outcome.action is Action.ORPHANED:
        assert outcome.writes == ()
        assert outcome.next_baselines[Side.PERFECTQUOTE] == link_input.sides[Side.PERFECTQUOTE].baseline
        assert outcome.next_baselines[Side.BENEFITPOINT] == link_input.sides[Side.BENEFITPOINT].baseline


@LAWS
@given(plans(), sides, sides, policies, plan_names)
def test_a_rename_is_a_field_change_of_the_same_link(
    base: Plan, renamed_on: Side, source: Side, policy: ConflictPolicy, name: str
) -> None:
    renamed = base.with_changes(name=name + " renamed")
    pq_now, bp_now = (renamed if side is renamed_on else base for side in Side)
    outcome = reconcile(
        link(source_of_truth=source, pq=synced(base, pq_now), bp=synced(base, bp_now), policy=policy)
    )
    assert outcome.action is Action.WRITE
    (write,) = outcome.writes
    assert write.kind is WriteKind.UPDATE and write.side is renamed_on.other
    assert [(c.path, c.before, c.after) for c in write.changes] == [("name", base.name, renamed.name)]


@LAWS
@given(diverged_links())
def test_with_diverged_baselines_every_change_still_reaches_both_sides_once(link_input: LinkInput) -> None:
    outcome = reconcile(link_input)
    again = reconcile(next_input(link_input, outcome))
    if outcome.action is Action.HELD:
        assert again == outcome
        return
    assert again.action is Action.NOTHING and again.writes == ()
    world = apply_writes(link_input, outcome)
    for side in Side:
        state = link_input.sides[side]
        before, now = plan_to_fields(state.baseline), plan_to_fields(state.current)
        for path in {*before, *now}:
            if before.get(path, ABSENT) != now.get(path, ABSENT):
                pq_value, bp_value = (_none(_value(world[held], path)) for held in Side)
                assert pq_value == bp_value, path


@given(plans(), plans())
def test_the_field_diff_finds_the_paths_a_deep_diff_finds(before: Plan, after: Plan) -> None:
    """`!=` over the canonical flat views is the whole diff: deepdiff, the generic tool, agrees."""
    flat_before, flat_after = plan_to_fields(before), plan_to_fields(after)
    deep = DeepDiff(dict(flat_before), dict(flat_after), view="tree", threshold_to_diff_deeper=0)
    found = {str(level.path(output_format="list")[0]) for levels in deep.values() for level in levels}
    assert changed_paths(flat_before, flat_after) == sorted(found)
