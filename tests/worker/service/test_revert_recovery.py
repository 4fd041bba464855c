"""A revert stopped half-way is finished by running it again, writing nothing twice; a fenced revert."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.ports import PlanSystem, RemotePlan
from reconciliation.plan import Plan
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from reconciliation.storage import repository as repo
from tests.worker.service.test_fencing import Issued, OvertakenDuringWrite, changes_of, run_row
from tests.worker.service.world import GROUP, World
from worker.runtime.jobs import plan_systems
from worker.service.revert import revert_run

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


class DiesAfterFirstWrite:
    """The process dies right after its first write landed, before anything of it was recorded."""

    def __init__(self, inner: PlanSystem) -> None:
        self.inner, self.side, self.writes = inner, inner.side, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def update_plan(self, current: RemotePlan, plan: Plan, *, link_id: str) -> RemotePlan:
        written = self.inner.update_plan(current, plan, link_id=link_id)
        self.writes += 1
        raise SystemExit("killed")  # what a killed worker leaves: the write landed, nothing recorded
        return written


def two_plan_run(world: World, synced: dict[str, str]) -> tuple[str, dict[str, str]]:
    """A run that wrote two BenefitPoint plans; their names before it, by BenefitPoint plan id."""
    names = {}
    for role, name in (("ppo", "PPO renamed"), ("hdhp", "HDHP renamed")):
        link = world.link(synced[role])
        bp_id = link.plan_ids[BP] or ""
        plan = world.plan(BP, bp_id).plan
        assert plan is not None
        names[bp_id] = plan.name
        world.edit_pq(link.plan_ids[PQ] or "", name=name)
    run = world.sync()
    assert run.counts.updated == 2 and run.run_id is not None
    return run.run_id, names


def test_a_revert_killed_after_a_write_is_finished_by_a_rerun_that_writes_nothing_twice(
        world: World, synced: dict[str, str]) -> None:
    run_id, names = two_plan_run(world, synced)
    systems = plan_systems(world.context)
    dying = DiesAfterFirstWrite(systems[BP])
    with pytest.raises(SystemExit):
        revert_run(sessions=world.context.sessions, systems={**systems, BP: dying}, run_id=int(run_id))
    calls = world.write_calls()["updateProduct"]

    rerun = revert_run(sessions=world.context.sessions, systems=systems, run_id=int(run_id))

    assert rerun.outcome is RunOutcome.SUCCEEDED and dying.writes == 1
    assert world.write_calls()["updateProduct"] == calls + 1  # only the plan the first attempt never reached
    assert sorted(f.verdict for f in rerun.fields) == ["record", "write"]
    assert {bp_id: world.plan(BP, bp_id).plan.name for bp_id in names} == names  # type: ignore[union-attr]
    # The rerun's change log holds both fields, so reverting it puts both renames back.
    assert len(changes_of(world, str(rerun.run_id))) == 2
    assert world.sync().writes == []
    again = revert_run(sessions=world.context.sessions, systems=systems, run_id=int(run_id))
    assert {f.verdict for f in again.fields} == {"done"} and again.counts.updated == 0


def test_a_revert_overtaken_by_a_newer_run_writes_nothing_more_and_ends_superseded(
        world: World, synced: dict[str, str]) -> None:
    run_id, _names = two_plan_run(world, synced)
    systems = plan_systems(world.context)
    with world.context.sessions() as session:
        floor = repo.fence_token(session, GROUP)
    overtaking = OvertakenDuringWrite(systems[BP], world, token=floor + 2)

    report = revert_run(sessions=world.context.sessions, systems={**systems, BP: overtaking},
                        run_id=int(run_id), fence=Issued(floor + 1))

    assert report.outcome is RunOutcome.SUPERSEDED and overtaking.writes == 1
    assert dict(world.write_calls()) == overtaking.calls_then
    assert run_row(world, str(report.run_id)).fence_token == floor + 1


def test_a_revert_whose_lease_is_older_than_the_groups_fence_starts_nothing(
        world: World, synced: dict[str, str]) -> None:
    run_id, _names = two_plan_run(world, synced)
    calls = world.write_calls()

    report = revert_run(sessions=world.context.sessions, systems=plan_systems(world.context),
                        run_id=int(run_id), fence=Issued(None))

    assert report.outcome is RunOutcome.SUPERSEDED and world.write_calls() == calls
