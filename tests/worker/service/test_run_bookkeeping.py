"""What a nudged run costs the database besides its links: its group read once, its pending work in
one statement each way, its fence checked before each request that writes and at each commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import fakeredis
import pytest
from sqlalchemy import event, func, select

from reconciliation.side import Side
from reconciliation.states import RunOutcome
from reconciliation.storage import repository as repo
from reconciliation.storage.tables import RunRow
from tests.worker.service.world import GROUP, World
from worker.runtime import jobs
from worker.runtime.coalesce import GroupRuns
from worker.runtime.jobs import plan_systems
from worker.service.group_sync import NothingPending, sync_group
from worker.service.run_report import RunReport

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


@contextmanager
def _statements(world: World) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = world.context.sessions.kw["bind"]

    def note(_conn: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool) -> None:
        seen.append(" ".join(statement.split()).upper())

    def commit(_conn: Any) -> None:
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", note)
    event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)
        event.remove(engine, "commit", commit)


def _runs(world: World, seen: list[str] | None = None) -> list[RunReport]:
    """A feed cycle, then the runs it nudges; `seen` gets the runs' statements only."""
    plan, sessions = jobs.feed_cycle(), world.context.sessions
    with _statements(world) as statements:
        reports = [sync_group(sessions=sessions, systems=plan_systems(world.context), group_id=group,
                              trigger="feed", pending=True) for group in plan.group_ids]
    if seen is not None:
        seen.extend(statements)
    assert all(report.outcome is RunOutcome.SUCCEEDED for report in reports), [r.as_dict() for r in reports]
    return reports


def test_a_run_reads_its_group_once_and_its_pending_work_in_one_statement_each_way(
        world: World, fed: dict[str, str]) -> None:
    """And stores what both sides hold in one statement per table, with the write's change log."""
    ppo = world.link(fed["ppo"])
    world.edit_pq(ppo.plan_ids[PQ], name="Gold PPO 4000")
    seen: list[str] = []
    [report] = _runs(world, seen)
    assert report.counts.updated == 1
    group_reads = [s for s in seen if s.startswith("SELECT GROUP_CONNECTIONS.")
                   and not s.startswith("SELECT GROUP_CONNECTIONS.FENCE_TOKEN")]
    assert len(group_reads) == 1, group_reads
    # Claimed in the run's first transaction (what the claim answers is what the run reconciles), settled.
    pending = [s.split(" ")[0] for s in seen if "PENDING_PLANS" in s]
    assert pending == ["UPDATE", "DELETE"], pending
    # No run of the group was left running: there is none to close as the run starts.
    assert not [s for s in seen if (s.startswith("UPDATE SYNC_RUNS") and "ABANDONED" in s.upper())
                or s.startswith("UPDATE SYNC_RUNS SET FINISHED_AT=?, OUTCOME=?, ERROR=?")], seen
    # No link of the group has settled conflicts: the run reads none.
    assert not [s for s in seen if "FROM CONFLICTS" in s and "EXISTS" not in s], seen
    # What the run knows of its plans: snapshots and their entities' versions in one read.
    snapshot_reads = [s for s in seen if s.startswith("SELECT") and "REMOTE_ENTITIES" in s]
    assert len(snapshot_reads) == 1 and "PLAN_SNAPSHOTS" in snapshot_reads[0], snapshot_reads
    # The plan written and the plan read: one upsert of each table, none at the link's last commit.
    for table in ("PLAN_SNAPSHOTS", "REMOTE_ENTITIES"):
        assert len([s for s in seen if s.startswith(f"INSERT INTO {table} ")]) == 1, (table, seen)
    with world.context.sessions() as session:
        stored = repo.plan_snapshots(session, PQ, [ppo.plan_ids[PQ]])
        assert stored[ppo.plan_ids[PQ]].native["name"] == "Gold PPO 4000"
    # Read before the BenefitPoint write's update (not its reads: the compare before, the read-back
    # after); checked again by the run's end itself, which commits the write's records and the link's
    # baselines with it: two commits in all, the run's start and its end.
    fence_reads = [s for s in seen if s.startswith("SELECT GROUP_CONNECTIONS.FENCE_TOKEN")]
    assert len(fence_reads) == 1, fence_reads
    [end] = [s for s in seen if s.startswith("UPDATE SYNC_RUNS SET FINISHED_AT=")]
    assert "GROUP_CONNECTIONS.FENCE_TOKEN = ?" in end, end
    assert seen.count("COMMIT") == 2, seen
    assert seen.index(end) < seen.index(next(s for s in seen if s.startswith("DELETE FROM PENDING_PLANS")))


def test_a_nudged_run_that_finds_nothing_pending_records_nothing(world: World, fed: dict[str, str]) -> None:
    """Another run took the group's pending plans already: this one leaves no run row, no fence behind."""
    with world.context.sessions() as session:
        runs_before = session.scalar(select(func.count()).select_from(RunRow))
        token_before = repo.fence_token(session, GROUP)
    with pytest.raises(NothingPending):
        sync_group(sessions=world.context.sessions, systems=plan_systems(world.context), group_id=GROUP,
                   trigger="feed", pending=True)
    with world.context.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RunRow)) == runs_before
        assert repo.fence_token(session, GROUP) == token_before


@pytest.mark.parametrize("counter", [100, 0], ids=["lease-token-newer", "wiped-counter"])
def test_a_leased_run_registers_its_lease_s_token_with_its_one_read_of_the_group(
        world: World, fed: dict[str, str], redis_namespace: str, counter: int) -> None:
    ppo = world.link(fed["ppo"])
    world.edit_pq(ppo.plan_ids[PQ], name="Gold PPO 4000")
    plan = jobs.feed_cycle()
    runs = GroupRuns(fakeredis.FakeRedis(), namespace=redis_namespace)
    runs.client.set(f"{redis_namespace}:fence:{GROUP}", counter)
    with world.context.sessions() as session:
        stored = repo.fence_token(session, GROUP)
    lease = runs.lease(GROUP, ttl_ms=10_000)
    begun = runs.begin(GROUP, lease)
    assert begun.acquired and begun.token == counter + 1
    with _statements(world) as seen:
        report = sync_group(sessions=world.context.sessions, systems=plan_systems(world.context),
                            group_id=GROUP, trigger="feed", pending=True,
                            fence=runs.fence(GROUP, lease, issued=begun.token))
    assert GROUP in plan.group_ids and report.outcome is RunOutcome.SUCCEEDED and report.counts.updated == 1
    with world.context.sessions() as session:
        registered = repo.get_run(session, int(report.run_id or 0)).fence_token
    start = seen[:seen.index(next(s for s in seen if s.startswith("INSERT INTO SYNC_RUNS")))]
    groups = [s.split(" ")[0] for s in start if "GROUP_CONNECTIONS" in s.split(" WHERE ")[0]]
    if counter + 1 > stored:
        # The lease's token is newer than the stored one: registered by the run's one read of its group.
        assert registered == counter + 1 and groups == ["UPDATE"], start
        # The whole run: 12 statements in 2 transactions (21 round trips before, with 15 and 3).
        assert (len(seen) - seen.count("COMMIT"), seen.count("COMMIT")) == (12, 2), seen
    else:
        # A wiped counter: the read finds the stored token newer, and the run takes one above it.
        assert registered == stored + 1 and groups == ["UPDATE", "SELECT", "UPDATE"], start
