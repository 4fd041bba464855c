"""A write that landed keeps its records when what follows it fails; only a superseded run drops them."""

from __future__ import annotations

import dataclasses

import pytest
from structlog.testing import capture_logs

from connectors.ports import PlanSystem, RemotePlan
from reconciliation.plan import Plan
from reconciliation.records import Change
from reconciliation.side import Side
from reconciliation.states import Direction, LinkState, RunOutcome
from reconciliation.storage import repository as repo
from tests.worker.service.test_fencing import Issued, OvertakenDuringWrite, Wrapped
from tests.worker.service.world import GROUP, World
from worker.runtime.jobs import plan_systems
from worker.service import pending_work
from worker.service.group_sync import sync_group
from worker.service.run_report import RunReport

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


class GarbledAnswer(Wrapped):
    """The update lands, and the system's answer to it cannot be read."""

    def update_plan(self, current: RemotePlan, plan: Plan, *, link_id: str) -> RemotePlan:
        written = self.inner.update_plan(current, plan, link_id=link_id)
        return dataclasses.replace(written, plan=None, problem="the answer's benefits cannot be read")


def _edited(world: World) -> str:
    """The standard choices synced once, then the PPO renamed in PerfectQuote: the next run's one write
    is its update in BenefitPoint, the link's last write."""
    links = world.choose_standard()
    assert world.sync().outcome is RunOutcome.SUCCEEDED
    world.edit_pq(world.link(links["ppo"]).plan_ids[PQ], name="Gold PPO 4000")
    return links["ppo"]


def _sync(world: World, systems: dict[Side, PlanSystem], **options: object) -> RunReport:
    return sync_group(sessions=world.context.sessions, systems=systems, group_id=GROUP, trigger="manual",
                      **options)  # type: ignore[arg-type]


def _only(world: World, link_id: str) -> list[tuple[Side, str]]:
    """A run of the renamed plan alone: its link is the run's last, whose records the run's end commits."""
    return [(PQ, world.link(link_id).plan_ids[PQ] or "")]


def _changes(world: World, report: RunReport) -> list[Change]:
    with world.context.sessions() as session:
        return repo.changes_for_run(session, int(report.run_id or 0))


def test_a_link_that_fails_after_its_write_landed_keeps_the_write_s_change_log(world: World) -> None:
    ppo = _edited(world)
    systems = plan_systems(world.context)
    report = _sync(world, {**systems, BP: GarbledAnswer(systems[BP])})
    assert report.outcome is RunOutcome.PARTIAL and "cannot be read" in report.link_errors[ppo]
    assert world.plan(BP, world.link(ppo).plan_ids[BP]).plan.name == "Gold PPO 4000"
    assert [(c.link_id, c.direction, c.path, c.after) for c in _changes(world, report)] == [
        (ppo, Direction.PQ_TO_BP, "name", "Gold PPO 4000")]
    assert world.link(ppo).state is LinkState.ERROR


def test_a_run_whose_end_fails_after_a_write_landed_records_the_write_with_its_failed_end(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    ppo = _edited(world)

    def lost_connection(*_args: object, **_kwargs: object) -> None:
        raise ConnectionError("server closed the connection unexpectedly")

    monkeypatch.setattr(pending_work, "settle", lost_connection)
    with pytest.raises(ConnectionError):
        _sync(world, plan_systems(world.context), plan_refs=_only(world, ppo))
    with world.context.sessions() as session:
        (run, *_) = repo.recent_runs(session, group_id=GROUP)
        changes = repo.changes_for_run(session, run.id)
        stored = repo.plan_snapshots(session, BP, [world.link(ppo).plan_ids[BP]])
    assert run.outcome is RunOutcome.FAILED and "server closed" in (run.error or "")
    assert [(c.link_id, c.path, c.after) for c in changes] == [(ppo, "name", "Gold PPO 4000")]
    # The version BenefitPoint answered is stored too: the feed's report of the write is not news.
    assert stored[world.link(ppo).plan_ids[BP]].native["product"]["name"] == "Gold PPO 4000"
    # Its baselines were not: the next run finds the write already made and advances them.
    assert world.link(ppo).baselines[BP].name != "Gold PPO 4000"
    monkeypatch.undo()
    again = world.sync()
    assert again.outcome is RunOutcome.SUCCEEDED and again.counts.updated == 0
    assert world.link(ppo).baselines[BP].name == "Gold PPO 4000"


@pytest.mark.parametrize("whole_group", [False, True], ids=["at-the-run-s-end", "at-the-link-s-commit"])
def test_a_run_superseded_before_it_committed_a_write_records_nothing_and_logs_the_write(
        world: World, whole_group: bool) -> None:
    ppo = _edited(world)
    systems = plan_systems(world.context)
    overtaking = OvertakenDuringWrite(systems[BP], world, token=50)
    with capture_logs() as logs:
        report = _sync(world, {**systems, BP: overtaking}, fence=Issued(40),
                       plan_refs=None if whole_group else _only(world, ppo))
    assert report.outcome is RunOutcome.SUPERSEDED and overtaking.writes == 1
    assert _changes(world, report) == []
    [unrecorded] = [entry for entry in logs if entry["event"] == "sync.write.unrecorded"]
    assert (unrecorded["link_id"], unrecorded["side"], unrecorded["fields"]) == (ppo, BP.value, ["name"])
