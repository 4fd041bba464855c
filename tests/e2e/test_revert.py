"""`plansync revert` and `plansync history` against the sandboxes over HTTP, under the group's lease."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from connectors.ports import PlanSystem, RemotePlan
from reconciliation.plan import Plan
from reconciliation.plan_fields import plan_to_fields
from reconciliation.side import Side
from reconciliation.storage import repository as repo
from tests.e2e.conftest import Served, World
from tests.e2e.world import LinkedGroup, connect_and_link, edit_benefit, plans_by_kind, runs
from worker.cli.app import app
from worker.runtime import jobs
from worker.runtime.jobs import plan_systems
from worker.service import run_ending
from worker.service.revert import revert_run

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


def invoke(cli: CliRunner, *args: str, code: int = 0) -> Any:
    result = cli.invoke(app, [*args, "--json"])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def contents(world: World, group: LinkedGroup) -> dict[Side, dict[str, Any]]:
    """Every plan of the group in both systems, field by field, by plan id."""
    return {side: {p.id: plan_to_fields(p.plan) for p in plan_systems(world.context)[side].list_plans(
        group.group_id if side is PQ else group.account_id) if p.plan is not None} for side in Side}


def sync(group: LinkedGroup) -> dict[str, Any]:
    return jobs.sync_and_summarize(group_id=group.group_id, trigger="manual")


def plan_of(world: World, side: Side, group: LinkedGroup, kind: str) -> RemotePlan:
    system = plan_systems(world.context)[side]
    return plans_by_kind(system, group.group_id if side is PQ else group.account_id)[kind]


def rename(world: World, side: Side, group: LinkedGroup, kind: str, name: str) -> None:
    current = plan_of(world, side, group, kind)
    assert current.plan is not None
    plan_systems(world.context)[side].update_plan(current, current.plan.with_changes(name=name),
                                                  link_id=group.link_ids[kind])


def test_revert_of_an_update_and_of_that_revert_under_the_lease(world: World, served: Served,
                                                                cli: CliRunner) -> None:
    group = connect_and_link(world.context, 11)
    sync(group)
    before = contents(world, group)
    rename(world, PQ, group, "ppo", "Gold PPO renamed")
    run = sync(group)
    edited = contents(world, group)

    reverted = invoke(cli, "revert", str(run["run_id"]))

    assert reverted["outcome"] == "succeeded" and [f["verdict"] for f in reverted["fields"]] == ["write"]
    assert contents(world, group)[BP] == before[BP] and contents(world, group)[PQ] == edited[PQ]
    assert sync(group)["counts"]["updated"] == 0
    again = invoke(cli, "revert", str(reverted["run_id"]))
    assert again["outcome"] == "succeeded" and contents(world, group) == edited
    assert [trigger for _group, trigger, _outcome in runs(world.context.sessions)][-3:] == [
        "revert", "manual", "revert"]
    # Each revert took the group's lease and released it.
    assert served.actors.runs.lease(group.group_id, ttl_ms=1_000).acquire()


def test_revert_of_a_merges_first_overwrite_restores_the_plan_it_overwrote(world: World, served: Served,
                                                                           cli: CliRunner) -> None:
    group = connect_and_link(world.context, 12)
    before = contents(world, group)
    first = sync(group)
    assert first["counts"]["updated"] >= 1

    reverted = invoke(cli, "revert", str(first["run_id"]), code=3)

    # BenefitPoint keeps a rate once it has one: "no rates" is reported as not taken, the rest goes back.
    assert reverted["outcome"] == "succeeded" and reverted["unlinked"] == []
    kept = [(f["field"], f["after"] is not None) for f in reverted["fields"] if f["verdict"] == "not_taken"]
    assert kept == [("rates", True)]
    now = contents(world, group)
    ppo = plan_of(world, BP, group, "ppo").id
    assert before[BP][ppo]["rates"] is None
    now[BP][ppo]["rates"] = None
    assert now == before
    assert sync(group)["counts"]["updated"] == 0


def test_a_revert_reports_the_fields_edited_since_and_reverts_the_rest(world: World, served: Served,
                                                                       cli: CliRunner) -> None:
    group = connect_and_link(world.context, 10)
    sync(group)
    ppo = plan_of(world, BP, group, "ppo")
    assert ppo.plan is not None
    was = ppo.plan
    pq_ppo = plan_of(world, PQ, group, "ppo")
    edit_benefit(plan_systems(world.context)[PQ], pq_ppo.id, link_id=group.link_ids["ppo"],
                 path="deductible.individual", value=Decimal("4321"))
    rename(world, PQ, group, "ppo", "Renamed in PerfectQuote")
    run = sync(group)
    rename(world, BP, group, "ppo", "Renamed in BenefitPoint since")

    preview = invoke(cli, "revert", str(run["run_id"]), "--dry-run")
    reverted = invoke(cli, "revert", str(run["run_id"]))

    verdicts = {f["field"]: (f["verdict"], f["current"]) for f in reverted["fields"]}
    assert verdicts == {"name": ("changed", "Renamed in BenefitPoint since"),
                        "benefits.deductible.individual": ("write", "4321.00")}
    assert {f["field"]: f["verdict"] for f in preview["fields"]} == {k: v[0] for k, v in verdicts.items()}
    now = plan_of(world, BP, group, "ppo").plan
    assert now is not None and now.name == "Renamed in BenefitPoint since"
    assert now.benefits.get("deductible.individual") == was.benefits.get("deductible.individual")


class KilledAfterFirstWrite:
    """A revert's process killed right after its first write landed: nothing of it recorded."""

    def __init__(self, inner: PlanSystem) -> None:
        self.inner, self.side = inner, inner.side

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def update_plan(self, current: RemotePlan, plan: Plan, *, link_id: str) -> RemotePlan:
        self.inner.update_plan(current, plan, link_id=link_id)
        raise SystemExit("killed")


def test_a_revert_killed_half_way_is_finished_by_the_rerun_writing_nothing_twice(
        world: World, served: Served, cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    group = connect_and_link(world.context, 9, copies=("hdhp",))
    sync(group)
    before = contents(world, group)
    rename(world, PQ, group, "ppo", "PPO renamed")
    rename(world, PQ, group, "hdhp", "HDHP renamed")
    run = sync(group)
    store = world.sandboxes.benefitpoint_app.state.store
    systems = plan_systems(world.context)
    # A killed process records nothing, not even its run's end: the row stays `running`.
    monkeypatch.setattr(run_ending, "end_abnormally", lambda *args, **kwargs: None)
    with pytest.raises(SystemExit):
        killed = {**systems, BP: KilledAfterFirstWrite(systems[BP])}
        revert_run(sessions=world.context.sessions, systems=killed, run_id=int(run["run_id"]))
    monkeypatch.undo()
    updates = store.calls["updateProduct"]

    rerun = invoke(cli, "revert", str(run["run_id"]))

    assert sorted(f["verdict"] for f in rerun["fields"]) == ["record", "write"]
    assert store.calls["updateProduct"] == updates + 1
    assert contents(world, group)[BP] == before[BP]
    assert [outcome for _g, trigger, outcome in runs(world.context.sessions) if trigger == "revert"] == [
        "superseded", "succeeded"]
    assert sync(group)["counts"]["updated"] == 0


def test_provenance_of_a_field_edited_on_each_side_in_turn_with_a_conflict_between(
        world: World, served: Served, cli: CliRunner) -> None:
    group = connect_and_link(world.context, 8)  # PerfectQuote is the PPO's source of truth
    sync(group)
    rename(world, PQ, group, "ppo", "First in PerfectQuote")
    sync(group)
    rename(world, BP, group, "ppo", "Then in BenefitPoint")
    sync(group)
    rename(world, PQ, group, "ppo", "PerfectQuote wins")
    rename(world, BP, group, "ppo", "BenefitPoint loses")
    conflicted = sync(group)

    plan = f"pq:{plan_of(world, PQ, group, 'ppo').id}"
    found = invoke(cli, "history", group.group_id, plan, "--field", "name")

    steps = [(s["value"], s["edited_in"], s["carried_to"], s["conflict"]) for s in found["fields"]["name"]]
    assert steps[-4:] == [("First in PerfectQuote", "perfectquote", "benefitpoint", None),
                          ("Then in BenefitPoint", "benefitpoint", "perfectquote", None),
                          ("BenefitPoint loses", "benefitpoint", None, "lost"),
                          ("PerfectQuote wins", "perfectquote", "benefitpoint", "won")]
    assert found["fields"]["name"][-1]["run_id"] == int(conflicted["run_id"])
    assert all(s["seen_at"] for s in found["fields"]["name"])


BENEFITS = st.sampled_from(["deductible.individual", "deductible.family", "out_of_pocket_max.individual",
                            "copays.primary_care"])
LAW_GROUP = LinkedGroup(group_id="grp_007", account_id="48207", link_ids={})


def linked_once(world: World) -> dict[str, str]:
    """Hypothesis runs every example on the same world: the group is connected and synced by the first."""
    with world.context.sessions() as session:
        if repo.find_group(session, LAW_GROUP.group_id) is None:
            session.close()
            return dict(connect_and_link(world.context, 7).link_ids, synced=str(sync(LAW_GROUP)["run_id"]))
        return {"ppo": next(link.id for link in repo.links_for_group(session, LAW_GROUP.group_id)
                            if link.choice.value == "merge" and link.source_of_truth == PQ)}


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from([PQ, BP]), BENEFITS,
                                st.integers(min_value=1, max_value=9_000)), min_size=1, max_size=4))
def test_revert_after_a_run_with_no_later_edits_restores_both_systems_exactly(
        world: World, edits: list[tuple[Side, str, int]]) -> None:
    link_id = linked_once(world)["ppo"]
    for side, path, amount in edits:
        remote = plan_of(world, side, LAW_GROUP, "ppo")
        edit_benefit(plan_systems(world.context)[side], remote.id, link_id=link_id, path=path,
                     value=Decimal(amount))
    edited = contents(world, LAW_GROUP)
    run = sync(LAW_GROUP)
    if run["counts"]["updated"] == 0:
        return  # the edits put back what both sides held: the run wrote nothing to revert

    revert_run(sessions=world.context.sessions, systems=plan_systems(world.context),
               run_id=int(run["run_id"]))

    assert contents(world, LAW_GROUP) == edited
    assert sync(LAW_GROUP)["counts"]["updated"] == 0
