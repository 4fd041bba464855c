"""A crash between a create and its record, and a plan edited between read and write, heal on the rerun."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from connectors.ports import PlanSystem, RemotePlan
from reconciliation.link_entry import LinkEntry
from reconciliation.plan import Plan
from reconciliation.side import Side
from reconciliation.states import LinkState, RunOutcome
from reconciliation.storage import repository as repo
from tests.worker.service.world import World
from worker.runtime.jobs import plan_systems
from worker.service import overview
from worker.service.group_sync import sync_group
from worker.service.run_report import RunReport

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


class Crash(Exception):
    """The worker process dying: nothing after the call that raised it runs."""


class Wrapped:
    """A real connector with one operation intercepted; everything else goes straight through."""

    def __init__(self, inner: PlanSystem) -> None:
        self.inner = inner
        self.side = inner.side

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class CrashAfterCreate(Wrapped):
    def create_plan(self, group_id: str, plan: Plan, *, link_id: str) -> RemotePlan:
        self.inner.create_plan(group_id, plan, link_id=link_id)
        raise Crash("killed after the create call succeeded, before its result was recorded")


class EditedBeforeWrite(Wrapped):
    """A person saves the plan in the system's screens just before plansync's first write of it."""

    def __init__(self, inner: PlanSystem, edit: Callable[[str], object]) -> None:
        super().__init__(inner)
        self.edit: Callable[[str], object] | None = edit

    def update_plan(self, current: RemotePlan, plan: Plan, *, link_id: str) -> RemotePlan:
        if self.edit is not None:
            self.edit(current.id)
            self.edit = None
        return self.inner.update_plan(current, plan, link_id=link_id)


def run_with(world: World, side: Side, wrapper: PlanSystem) -> RunReport:
    systems: Mapping[Side, PlanSystem] = {**plan_systems(world.context), side: wrapper}
    return sync_group(sessions=world.context.sessions, systems=systems, group_id="grp_001",
                      trigger="manual")


@pytest.mark.parametrize("created_in", [BP, PQ], ids=["created-in-benefitpoint", "created-in-perfectquote"])
def test_a_crash_after_a_create_never_creates_twice(world: World, created_in: Side) -> None:
    world.connect()
    ids = world.seeded()
    source_id = ids["pq_hdhp"] if created_in is BP else ids["bp_vision"]
    [link_id] = world.choose(LinkEntry.copy(created_in.other, source_id))
    connector = plan_systems(world.context)[created_in]
    before = (world.plan_count(), world.product_count())

    with pytest.raises(Crash):
        run_with(world, created_in, CrashAfterCreate(connector))

    after_crash = (world.plan_count(), world.product_count())
    assert sum(after_crash) == sum(before) + 1  # the create did happen in the other system
    assert world.link(link_id).plan_ids[created_in] is None  # the result never reached the database
    report = world.sync()

    assert report.outcome is RunOutcome.SUCCEEDED and report.counts.created == 0
    assert (world.plan_count(), world.product_count()) == after_crash
    link = world.link(link_id)
    created = world.plan(created_in, link.plan_ids[created_in] or "")
    assert created.link_id == link_id and link.state == "linked"
    assert created.plan == world.plan(created_in.other, source_id).plan
    calls = world.write_calls()
    assert world.sync().writes == [] and world.write_calls() == calls


@pytest.mark.parametrize("edited", [PQ, BP], ids=["edited-in-perfectquote", "edited-in-benefitpoint"])
def test_a_plan_edited_between_read_and_write_is_read_and_reconciled_again(
        world: World, synced: dict[str, str], edited: Side) -> None:
    link = world.link(synced["ppo"])
    plan_ids = {side: link.plan_ids[side] or "" for side in Side}
    # The other side renames the plan; the sync's write of the name meets a fresh edit of the group number.
    if edited is PQ:
        world.edit_bp(plan_ids[BP], name="Renamed by a person")
        wrapper = EditedBeforeWrite(world.context.perfectquote,
                                    lambda plan_id: world.edit_pq(plan_id, group_number="GN-EDITED"))
    else:
        world.edit_pq(plan_ids[PQ], name="Renamed by a person")
        wrapper = EditedBeforeWrite(world.context.benefitpoint,
                                    lambda plan_id: world.edit_bp(plan_id, policyNumber="GN-EDITED"))
    puts_before = world.pq.calls["PUT /plans/{plan_id}"]

    report = run_with(world, edited, wrapper)

    assert report.outcome is RunOutcome.SUCCEEDED and report.counts.errors == 0
    for side in Side:
        plan = world.plan(side, plan_ids[side]).plan
        assert plan is not None and (plan.name, plan.group_number) == ("Renamed by a person", "GN-EDITED")
    if edited is PQ:
        # One refused with 412 (the stale version), one accepted after reading again.
        assert world.pq.calls["PUT /plans/{plan_id}"] - puts_before == 2
    assert world.sync().writes == []


def test_a_create_cut_short_after_the_product_is_completed_not_repeated(world: World) -> None:
    world.connect()
    ids = world.seeded()
    [link_id] = world.choose(LinkEntry.copy(PQ, ids["pq_hdhp"]))
    with pytest.raises(Crash):
        run_with(world, BP, CrashAfterCreate(world.context.benefitpoint))
    product_id = max(world.bp.products)
    # As if the crash came right after createProduct: the benefit summary and the rates never arrived.
    with world.bp.lock:
        for kind in ("Benefit_Summary", "Rate"):
            for key in [key for key, row in world.bp.tables[kind].items() if row["productID"] == product_id]:
                del world.bp.tables[kind][key]
    products = world.product_count()

    report = world.sync()

    assert report.counts.created == 0 and report.counts.updated == 1 and world.product_count() == products
    assert world.link(link_id).plan_ids[BP] == str(product_id)
    assert world.plan(BP, str(product_id)).plan == world.plan(PQ, ids["pq_hdhp"]).plan


class TouchedDuringWrite(Wrapped):
    """Another session changes the link while plansync's write of it is in flight."""

    def __init__(self, inner: PlanSystem, touch: Callable[[str], object]) -> None:
        super().__init__(inner)
        self.touch: Callable[[str], object] | None = touch

    def update_plan(self, current: RemotePlan, plan: Plan, *, link_id: str) -> RemotePlan:
        written = self.inner.update_plan(current, plan, link_id=link_id)
        if self.touch is not None:
            self.touch(link_id)
            self.touch = None
        return written


def test_a_link_changed_elsewhere_mid_sync_keeps_its_baselines_and_heals_next_run(
        world: World, synced: dict[str, str]) -> None:
    link = world.link(synced["ppo"])
    world.edit_pq(link.plan_ids[PQ], name="Gold PPO 5000")

    def touch(link_id: str) -> None:
        with world.context.sessions.begin() as session:
            repo.set_link_state(session, repo.get_link(session, link_id), LinkState.LINKED, error="touched")

    report = run_with(world, BP, TouchedDuringWrite(world.context.benefitpoint, touch))

    assert report.outcome is RunOutcome.PARTIAL and list(report.link_errors) == [link.id]
    assert f"plan link {link.id} was changed elsewhere since it was read" in report.link_errors[link.id]
    failed = world.link(link.id)
    # The write was confirmed and its change log kept; the baselines were not advanced: as before, not half.
    assert failed.state == "error" and failed.baselines == link.baselines
    assert world.plan(BP, link.plan_ids[BP] or "").plan.name == "Gold PPO 5000"
    logged = overview.changes(sessions=world.context.sessions, group_id="grp_001")
    this_run = [(c["link_id"], c["direction"], c["field"], c["after"]) for c in logged
                if str(c["run_id"]) == report.run_id]
    assert this_run == [(link.id, "pq->bp", "name", "Gold PPO 5000")]

    healed = world.sync()

    assert healed.outcome is RunOutcome.SUCCEEDED and healed.writes == []
    assert (world.link(link.id).state, world.link(link.id).last_error) == ("linked", None)
    assert world.link(link.id).baselines[BP].name == "Gold PPO 5000"
