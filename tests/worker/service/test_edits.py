"""Edits made in either system flow to the other; different fields merge; the same field is a conflict."""

from __future__ import annotations

from decimal import Decimal

from reconciliation.decisions import ConflictPolicy
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from tests.worker.service.world import World
from worker.service import overview

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


def test_an_edit_in_perfectquote_flows_to_benefitpoint(world: World, synced: dict[str, str]) -> None:
    link = world.link(synced["ppo"])
    world.edit_pq(link.plan_ids[PQ], name="Gold PPO 3500",
                  benefits={"deductible": {"individual": "3500"}})

    report = world.sync()

    assert (report.outcome, report.counts.updated) == (RunOutcome.SUCCEEDED, 1)
    bp = world.plan(BP, link.plan_ids[BP]).plan
    assert bp is not None and bp.name == "Gold PPO 3500"
    assert bp.benefits["deductible.individual"] == Decimal("3500.00")
    logged = [(c["direction"], c["field"], c["after"]) for c in world_changes(world)]
    assert ("pq->bp", "name", "Gold PPO 3500") in logged
    assert world.sync().writes == []  # what BenefitPoint holds now reads back as the same content


def test_an_edit_in_benefitpoint_flows_to_perfectquote(world: World, synced: dict[str, str]) -> None:
    link = world.link(synced["vision"])
    world.edit_bp(link.plan_ids[BP], name="Vision Plus 2027", policyNumber="V-778",
                  attributes={"3001": "15"})  # 3001: vision "exam"

    report = world.sync()

    assert (report.outcome, report.counts.updated) == (RunOutcome.SUCCEEDED, 1)
    pq = world.plan(PQ, link.plan_ids[PQ]).plan
    assert pq is not None and (pq.name, pq.group_number) == ("Vision Plus 2027", "V-778")
    assert pq.benefits["exam"] == Decimal("15.00")
    assert world.sync().writes == []


def test_both_sides_editing_different_fields_merge(world: World, synced: dict[str, str]) -> None:
    link = world.link(synced["ppo"])
    world.edit_pq(link.plan_ids[PQ], benefits={"deductible": {"individual": "2750"}})
    world.edit_bp(link.plan_ids[BP], policyNumber="7700123-01")

    report = world.sync()

    assert report.counts.conflicts == 0 and report.counts.updated == 2
    for side in Side:
        plan = world.plan(side, link.plan_ids[side]).plan
        assert plan is not None and plan.group_number == "7700123-01"
        assert plan.benefits["deductible.individual"] == Decimal("2750.00")


def test_both_sides_making_the_same_edit_is_no_conflict_and_no_write(
        world: World, synced: dict[str, str]) -> None:
    link = world.link(synced["dental"])
    world.edit_pq(link.plan_ids[PQ], group_number="D-2027")
    world.edit_bp(link.plan_ids[BP], policyNumber="D-2027")
    calls = world.write_calls()

    report = world.sync()

    assert report.counts.conflicts == 0 and report.writes == [] and world.write_calls() == calls
    baseline = world.link(link.id).baselines[PQ]
    assert baseline is not None and baseline.group_number == "D-2027"


def test_the_same_field_edited_on_both_sides_is_a_conflict_the_source_of_truth_wins(
        world: World, synced: dict[str, str]) -> None:
    link = world.link(synced["ppo"])  # PerfectQuote is this merge's source of truth
    world.edit_pq(link.plan_ids[PQ], name="Gold PPO (PerfectQuote)")
    world.edit_bp(link.plan_ids[BP], name="Open Access PPO (BenefitPoint)")

    report = world.sync()

    assert report.counts.conflicts == 1
    [conflict] = world.conflicts()
    assert (conflict.path, conflict.winner) == ("name", "perfectquote")
    assert conflict.values[PQ] == "Gold PPO (PerfectQuote)"
    assert conflict.values[BP] == "Open Access PPO (BenefitPoint)"
    bp = world.plan(BP, link.plan_ids[BP]).plan
    assert bp is not None and bp.name == "Gold PPO (PerfectQuote)"
    # The losing value is kept in the change log as the value written over.
    written = [(c["direction"], c["before"], c["after"]) for c in world_changes(world)
               if c["field"] == "name" and str(c["run_id"]) == report.run_id]
    assert written == [("pq->bp", "Open Access PPO (BenefitPoint)", "Gold PPO (PerfectQuote)")]


def test_hold_for_review_holds_the_link_until_settled(any_world: World) -> None:
    world = any_world
    link_ids = world.choose_standard()
    world.sync()
    world.set_policy(ConflictPolicy.HOLD_FOR_REVIEW)
    link = world.link(link_ids["ppo"])
    # The name conflicts; the group number, changed on one side only, waits with it.
    world.edit_pq(link.plan_ids[PQ], name="Held PQ name", group_number="HELD-1")
    world.edit_bp(link.plan_ids[BP], name="Held BP name")
    calls = world.write_calls()

    report = world.sync()

    assert report.counts.conflicts == 1 and world.write_calls() == calls
    assert world.link(link.id).state == "held"
    sessions = world.context.sessions
    [open_conflict] = overview.conflicts(sessions=sessions, group_id="grp_001")
    assert (open_conflict["winner"], open_conflict["status"]) == (None, "open")
    values = (open_conflict["perfectquote"], open_conflict["benefitpoint"])
    assert values == ("Held PQ name", "Held BP name")
    overview.settle(sessions=sessions, conflict_id=open_conflict["conflict_id"], side=BP)

    report = world.sync()

    assert report.outcome is RunOutcome.SUCCEEDED and report.counts.updated == 2
    for side in Side:
        plan = world.plan(side, link.plan_ids[side]).plan
        assert plan is not None and (plan.name, plan.group_number) == ("Held BP name", "HELD-1")
    assert (world.link(link.id).state, world.link(link.id).last_error) == ("linked", None)
    assert [c.status for c in world.conflicts()] == ["applied"]
    assert world.sync().writes == []


def world_changes(world: World) -> list[dict[str, object]]:
    return overview.changes(sessions=world.context.sessions, group_id="grp_001")
