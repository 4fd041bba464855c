"""Reverting a run against the sandboxes: fields put back, edits since left alone, creates unlinked."""

from __future__ import annotations

import pytest

from reconciliation.side import Side
from reconciliation.states import RunOutcome
from reconciliation.storage.agency_scope import sessions_for
from tests.worker.service.world import World
from worker.runtime.jobs import plan_systems
from worker.service import overview
from worker.service.revert import RevertRefused, revert_run
from worker.service.revert_report import RevertReport

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


def revert(world: World, run_id: int | str | None, *, dry_run: bool = False) -> RevertReport:
    assert run_id is not None
    return revert_run(sessions=world.context.sessions, systems=plan_systems(world.context),
                      run_id=int(run_id), dry_run=dry_run)


def name_of(world: World, side: Side, plan_id: str | None) -> str:
    assert plan_id is not None
    plan = world.plan(side, plan_id).plan
    assert plan is not None
    return plan.name


def test_a_revert_puts_an_update_back_and_the_next_sync_keeps_it(
        world: World, synced: dict[str, str]) -> None:
    link = world.link(synced["ppo"])
    original = name_of(world, BP, link.plan_ids[BP])
    world.edit_pq(link.plan_ids[PQ], name="Gold PPO 3500")
    run = world.sync()

    report = revert(world, run.run_id)

    assert report.outcome is RunOutcome.SUCCEEDED and report.counts.updated == 1
    assert name_of(world, BP, link.plan_ids[BP]) == original
    assert name_of(world, PQ, link.plan_ids[PQ]) == "Gold PPO 3500"
    calls = world.write_calls()
    assert world.sync().writes == [] and world.write_calls() == calls
    logged = [(c["run_id"], c["direction"], c["field"], c["before"], c["after"])
              for c in overview.changes(sessions=world.context.sessions, group_id="grp_001")]
    assert (report.run_id, "pq->bp", "name", "Gold PPO 3500", original) in logged


def test_a_revert_of_a_revert_writes_the_run_again(world: World, synced: dict[str, str]) -> None:
    link = world.link(synced["ppo"])
    world.edit_pq(link.plan_ids[PQ], group_number="G-2027")
    first = revert(world, world.sync().run_id)

    again = revert(world, first.run_id)

    assert again.outcome is RunOutcome.SUCCEEDED and again.counts.updated == 1
    plan = world.plan(BP, link.plan_ids[BP] or "").plan
    assert plan is not None and plan.group_number == "G-2027"
    assert world.sync().writes == []


def test_a_field_edited_since_is_left_alone_and_reported_the_rest_reverted(
        world: World, synced: dict[str, str]) -> None:
    link = world.link(synced["ppo"])
    was = world.plan(BP, link.plan_ids[BP] or "").plan
    world.edit_pq(link.plan_ids[PQ], name="Gold PPO 3500", group_number="G-1")
    run = world.sync()
    world.edit_bp(link.plan_ids[BP], name="Renamed in BenefitPoint")

    report = revert(world, run.run_id)

    [changed] = [f for f in report.fields if f.verdict == "changed"]
    assert (changed.field, changed.after) == ("name", "Gold PPO 3500")
    assert changed.current == "Renamed in BenefitPoint"
    plan = world.plan(BP, link.plan_ids[BP] or "").plan
    assert was is not None and plan is not None
    assert (plan.name, plan.group_number) == ("Renamed in BenefitPoint", was.group_number)
    assert report.counts.conflicts == 1


def test_reverting_a_first_sync_unlinks_the_plans_it_created_and_deletes_nothing(world: World) -> None:
    links = world.choose_standard()
    products, plans = world.product_count(), world.plan_count()
    created = {links["hdhp"]: world.link(links["hdhp"]).plan_ids[BP]}
    first = world.sync()
    created[links["hdhp"]] = world.link(links["hdhp"]).plan_ids[BP]

    report = revert(world, first.run_id)

    assert world.product_count() == products + 1 and world.plan_count() == plans + 1
    listed = {entry["link_id"]: entry["plan_id"] for entry in report.unlinked}
    assert listed[links["hdhp"]] == created[links["hdhp"]] and links["vision"] in listed
    assert world.link(links["hdhp"]).state == "unlinked"
    assert world.link(links["ppo"]).state == "linked"


def test_a_dry_run_writes_nothing(world: World, synced: dict[str, str]) -> None:
    link = world.link(synced["dental"])
    world.edit_bp(link.plan_ids[BP], name="Dental 2027")
    run = world.sync()
    before, calls = world.snapshot(), world.write_calls()

    report = revert(world, run.run_id, dry_run=True)

    assert [f.verdict for f in report.fields] == ["write"] and report.run_id is None
    assert world.snapshot() == before and world.write_calls() == calls


def test_a_run_that_wrote_nothing_or_does_not_exist_is_refused(world: World, synced: dict[str, str]) -> None:
    quiet = world.sync()
    with pytest.raises(RevertRefused, match=f"run {quiet.run_id} wrote nothing"):
        revert(world, quiet.run_id)
    with pytest.raises(RevertRefused, match="run 9999 is not a run of agency"):
        revert(world, 9999)


def test_a_run_of_another_agency_is_not_found_and_nothing_is_written(
        world: World, synced: dict[str, str]) -> None:
    link = world.link(synced["ppo"])
    world.edit_pq(link.plan_ids[PQ] or "", name="Only this agency's")
    run = world.sync()
    calls = world.write_calls()
    other = sessions_for(world.context.sessions, 77)

    with pytest.raises(RevertRefused, match=f"run {run.run_id} is not a run of agency 77"):
        revert_run(sessions=other, systems=plan_systems(world.context), run_id=int(run.run_id or 0))

    assert world.write_calls() == calls
