"""Fenced runs: a run a newer one superseded writes nothing more, and no run row is left `running`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import fakeredis
import pytest
from sqlalchemy import select

from connectors.ports import PlanSystem, RemotePlan
from reconciliation.plan import Plan
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from reconciliation.storage import repository as repo
from reconciliation.storage.tables import ChangeRow, RunRow
from tests.worker.service.world import GROUP, World
from worker.runtime.coalesce import GroupRuns
from worker.runtime.jobs import plan_systems
from worker.service.group_sync import sync_group
from worker.service.run_report import RunReport

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


class Issued:
    """A fence source that hands out fixed tokens (None: the lease was lost before the run began)."""

    def __init__(self, token: int | None) -> None:
        self.token = token
        self.floors: list[int] = []

    def take(self, *, floor: int) -> int | None:
        self.floors.append(floor)
        return self.token


class Wrapped:
    def __init__(self, inner: PlanSystem) -> None:
        self.inner = inner
        self.side = inner.side

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class OvertakenDuringWrite(Wrapped):
    """While this run's first write is out, a newer run of the group registers its token."""

    def __init__(self, inner: PlanSystem, world: World, token: int) -> None:
        super().__init__(inner)
        self.world, self.token, self.writes = world, token, 0
        self.calls_then: dict[str, int] = {}

    def _overtake(self) -> None:
        self.writes += 1
        if self.writes == 1:
            self.calls_then = dict(self.world.write_calls())
            with self.world.context.sessions() as newer:
                assert repo.register_fence(newer, GROUP, self.token)
                newer.commit()

    def update_plan(self, current: RemotePlan, plan: Plan, *, link_id: str) -> RemotePlan:
        written = self.inner.update_plan(current, plan, link_id=link_id)
        self._overtake()
        return written

    def create_plan(self, group_id: str, plan: Plan, *, link_id: str) -> RemotePlan:
        written = self.inner.create_plan(group_id, plan, link_id=link_id)
        self._overtake()
        return written


class Exploding(Wrapped):
    def __init__(self, inner: PlanSystem, error: BaseException) -> None:
        super().__init__(inner)
        self.error = error

    def list_plans(self, group_id: str) -> list[RemotePlan]:
        raise self.error


def sync(world: World, *, fence: Any = None, systems: Mapping[Side, PlanSystem] | None = None) -> RunReport:
    return sync_group(sessions=world.context.sessions, systems=systems or plan_systems(world.context),
                      group_id=GROUP, trigger="manual", fence=fence)


def run_row(world: World, run_id: str | None) -> RunRow:
    assert run_id is not None
    with world.context.sessions() as session:
        row = session.get(RunRow, int(run_id))
        assert row is not None
        return row


def changes_of(world: World, run_id: str | None) -> list[ChangeRow]:
    with world.context.sessions() as session:
        return list(session.scalars(select(ChangeRow).where(ChangeRow.run_id == int(run_id or 0))))


def test_every_run_registers_a_token_and_a_direct_run_takes_the_next_one(world: World) -> None:
    world.choose_standard()
    first = sync(world)
    second = sync(world, fence=Issued(10))
    third = sync(world)
    assert [run_row(world, r.run_id).fence_token for r in (first, second, third)] == [1, 10, 11]
    assert all(r.outcome is RunOutcome.SUCCEEDED for r in (first, second, third))


def test_a_run_overtaken_during_a_write_writes_nothing_more_and_ends_superseded(world: World) -> None:
    world.choose_standard()
    overtaking = OvertakenDuringWrite(plan_systems(world.context)[BP], world, token=2)
    report = sync(world, fence=Issued(1), systems={**plan_systems(world.context), BP: overtaking})
    assert report.outcome is RunOutcome.SUPERSEDED
    assert "superseded" in (report.error or "")
    row = run_row(world, report.run_id)
    assert row.outcome == RunOutcome.SUPERSEDED.value and row.finished_at is not None
    # The write that was out landed; nothing after it was written, in either system or the database.
    assert overtaking.writes == 1 and dict(world.write_calls()) == overtaking.calls_then
    assert changes_of(world, report.run_id) == []


def test_a_run_whose_token_is_not_newer_starts_nothing(world: World) -> None:
    world.choose_standard()
    with world.context.sessions() as session:
        assert repo.register_fence(session, GROUP, 5)
        session.commit()
    before = world.snapshot()["counts"]["change_log"], world.write_calls()
    issued = Issued(3)
    report = sync(world, fence=issued)
    # Proposed with the group's read first (floor 0: a lease's token needs no call), then above the stored 5.
    assert issued.floors == [0, 5]
    assert report.outcome is RunOutcome.SUPERSEDED
    assert run_row(world, report.run_id).outcome == RunOutcome.SUPERSEDED.value
    assert (world.snapshot()["counts"]["change_log"], world.write_calls()) == before
    lost = sync(world, fence=Issued(None))
    assert lost.outcome is RunOutcome.SUPERSEDED


def test_a_wiped_redis_counter_still_issues_a_newer_token(world: World, redis_namespace: str) -> None:
    world.choose_standard()
    client = fakeredis.FakeRedis()
    runs = GroupRuns(client, namespace=redis_namespace)
    tokens = []
    for _ in range(2):
        lease = runs.lease(GROUP, ttl_ms=10_000)
        assert lease.acquire()
        report = sync(world, fence=runs.fence(GROUP, lease))
        assert report.outcome is RunOutcome.SUCCEEDED
        tokens.append(run_row(world, report.run_id).fence_token)
        lease.release()
        client.flushall()
    assert tokens == [1, 2]


@pytest.mark.parametrize(("error", "outcome"), [
    (RecursionError("maximum recursion depth exceeded"), RunOutcome.FAILED),
    (KeyboardInterrupt(), RunOutcome.INTERRUPTED),
    (SystemExit(3), RunOutcome.FAILED),
], ids=["recursion", "ctrl-c", "exit"])
def test_whatever_stops_a_run_its_row_is_never_left_running(world: World, error: BaseException,
                                                            outcome: RunOutcome) -> None:
    world.choose_standard()
    systems = {**plan_systems(world.context), PQ: Exploding(plan_systems(world.context)[PQ], error)}
    with pytest.raises(type(error)):
        sync(world, systems=systems)
    with world.context.sessions() as session:
        (run,) = repo.recent_runs(session, group_id=GROUP)
    assert run.outcome is outcome and run.finished_at is not None
    assert run.error


def test_a_run_that_fails_after_a_newer_one_took_over_ends_superseded(world: World) -> None:
    world.choose_standard()

    class OvertakenThenFails(Wrapped):
        def list_plans(self, group_id: str) -> list[RemotePlan]:
            with world.context.sessions() as newer:
                assert repo.register_fence(newer, GROUP, 9)
                newer.commit()
            raise RuntimeError("time limit")

    systems = {**plan_systems(world.context), PQ: OvertakenThenFails(plan_systems(world.context)[PQ])}
    with pytest.raises(RuntimeError):
        sync(world, fence=Issued(1), systems=systems)
    with world.context.sessions() as session:
        (run,) = repo.recent_runs(session, group_id=GROUP)
    assert run.outcome is RunOutcome.SUPERSEDED and "time limit" in (run.error or "")
