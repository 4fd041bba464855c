"""Real worker processes: a killed worker frees its group within the short lease, and a frozen run that
lost its lease writes nothing more once it is resumed."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from reconciliation.states import RunOutcome
from reconciliation.storage.tables import ChangeRow, RunRow
from tests.conftest import REDIS_URL
from tests.e2e.conftest import World
from tests.e2e.harness import Workers, recorded
from tests.e2e.world import connect_and_link
from tests.worker.runtime.conftest import wait_until
from worker.runtime.actors import Actors
from worker.runtime.group_run import WorkerTiming
from worker.runtime.jobs import plan_systems
from worker.service.group_sync import sync_group

# The promise: a group's next run starts within a minute of its worker's death.
NEXT_RUN_BOUND_S = 60.0
WRITES = ("POST /groups/{group_id}/plans", "PUT /plans/{plan_id}", "PATCH /plans/{plan_id}/external_refs",
          "createProduct", "updateProduct", "createBenefitSummary", "updateBenefitSummary", "createRate",
          "updateRate")






def _pids(record: Path, kind: str, group_id: str) -> list[str]:
    return [line.split()[2] for line in recorded(record, kind) if line.split()[1] == group_id]


def test_a_killed_worker_s_group_runs_again_within_a_minute_with_the_production_lease(
        bare_sender: Actors, redis_namespace: str, tmp_path: Path) -> None:
    record = tmp_path / "record.txt"
    production = WorkerTiming()
    workers = Workers(namespace=redis_namespace, logs=tmp_path,
                      env={"REDIS_URL": REDIS_URL, "PLANSYNC_TEST_RECORD": str(record),
                           "PLANSYNC_TEST_PRODUCTION_BROKER": "1",
                           "PLANSYNC_TEST_LEASE_TTL_MS": str(production.lease_ttl_ms),
                           "PLANSYNC_TEST_TIME_LIMIT_MS": str(production.sync_time_limit_ms),
                           "PLANSYNC_TEST_SLOW_GROUP": "grp_7001"})
    try:
        doomed = workers.start(PLANSYNC_TEST_SLEEP_S="600")
        bare_sender.sync_group.send("grp_7001", "feed")
        wait_until(lambda: len(_pids(record, "start", "grp_7001")) == 1, timeout_s=30, what="the first run")
        (doomed_pid,) = _pids(record, "start", "grp_7001")
        workers.start()
        _wait_for_a_worker_other_than(bare_sender, record, doomed_pid)
        # An edit arrives while the doomed run holds the group: it waits for the lease, with a recheck.
        bare_sender.sync_group.send("grp_7001", "manual")
        time.sleep(1.0)
        workers.kill(doomed)
        killed_at = time.monotonic()
        # >= 2: the killed worker's own message comes back too and may run right after the next run.
        wait_until(lambda: len(_pids(record, "start", "grp_7001")) >= 2, timeout_s=NEXT_RUN_BOUND_S + 30,
                   what="the group's next run after the kill")
        waited_s = time.monotonic() - killed_at
    finally:
        workers.stop_all()
    print(f"lease {production.lease_ttl_ms} ms: next run {waited_s:.1f} s after the SIGKILL")
    assert _pids(record, "start", "grp_7001")[1] != doomed_pid
    assert waited_s < NEXT_RUN_BOUND_S


def _wait_for_a_worker_other_than(sender: Actors, record: Path, pid: str) -> None:
    """Probes of groups of their own until one is run by another worker process than `pid`."""
    deadline = time.monotonic() + 30
    for number in range(1_000):
        group_id = f"grp_probe_{number}"
        sender.sync_group.send(group_id, "manual")
        wait_until(lambda group_id=group_id: bool(_pids(record, "done", group_id)), timeout_s=30,
                   what="a probe to run")
        if _pids(record, "done", group_id) != [pid]:
            return
        assert time.monotonic() < deadline, "the second worker never ran anything"


def _writes(world: World) -> int:
    stores = (world.sandboxes.perfectquote_app.state.store, world.sandboxes.benefitpoint_app.state.store)
    return sum(store.calls[name] for store in stores for name in WRITES)


def _set_latency(world: World, latency_ms: float) -> None:
    for url in (world.sandboxes.perfectquote_url.removesuffix("/api/v1"), world.sandboxes.benefitpoint_url):
        httpx.put(f"{url}/_sandbox/faults", json={"latency_ms": latency_ms}, timeout=5).raise_for_status()


def _signal(proc: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signum)


def _run(world: World, run_id: int) -> RunRow:
    with world.context.sessions() as session:
        row = session.get(RunRow, run_id)
        assert row is not None
        return row


def _change_rows(world: World) -> int:
    with world.context.sessions() as session:
        return session.scalar(select(func.count()).select_from(ChangeRow)) or 0


def test_a_frozen_run_that_lost_its_lease_writes_nothing_once_resumed_and_ends_superseded(
        world: World, sender: Actors, tmp_path: Path) -> None:
    group = connect_and_link(world.context, 5, copies=("hdhp", "life", "vision"))
    workers = Workers(namespace=world.namespace, logs=tmp_path,
                      env={**world.env, "PLANSYNC_TEST_TIME_LIMIT_MS": "120000"})
    lease_key = f"{world.namespace}:lease:{group.group_id}"
    _set_latency(world, 60)
    frozen = workers.start()
    try:
        sender.sync_group.send(group.group_id, "manual")
        wait_until(lambda: _writes(world) > 0, timeout_s=30, what="the first run's first write")
        _signal(frozen, signal.SIGSTOP)
        with world.context.sessions() as session:
            unfinished = list(session.scalars(select(RunRow.id).where(RunRow.finished_at.is_(None))))
        assert len(unfinished) == 1, "the run had finished before it was frozen"
        frozen_run = unfinished[0]
        wait_until(lambda: world.client.pttl(lease_key) < 0, timeout_s=15,
                   what="the frozen run's lease to lapse")
        _set_latency(world, 0)
        workers.start()
        second = sender.sync_group.send(group.group_id, "manual")
        wait_until(lambda: sender.runs.outcome(second.message_id) is not None, timeout_s=60,
                   what="another run of the group to finish")
        outcome = sender.runs.outcome(second.message_id)
        assert outcome is not None and outcome["summary"]["outcome"] == "succeeded", outcome
        preview = sync_group(sessions=world.context.sessions, systems=plan_systems(world.context),
                             group_id=group.group_id, trigger="dry_run", dry_run=True)
        assert preview.writes == []
        writes, changes = _writes(world), _change_rows(world)
        _signal(frozen, signal.SIGCONT)
        # The resumed run records itself (its own words replace the successor's "abandoned").
        wait_until(lambda: (_run(world, frozen_run).error or "").startswith("superseded"), timeout_s=30,
                   what="the resumed run to record itself superseded")
        time.sleep(1.0)
        assert (_writes(world), _change_rows(world)) == (writes, changes)
    finally:
        _signal(frozen, signal.SIGCONT)
        workers.stop_all()
    assert _run(world, frozen_run).outcome == RunOutcome.SUPERSEDED.value
    assert '"sync.superseded"' in (tmp_path / "worker-0.log").read_text()
