"""Worker processes for the subprocess tests: the `dramatiq` entry point, and `Workers` to start and kill.

The entry point runs the real actors on the test's namespace, with settings from the environment as in
production. With PLANSYNC_TEST_RECORD set, a group's sync only records its start and end to that file
(sleeping PLANSYNC_TEST_SLEEP_S in between); without it, it is the real sync against the sandboxes.
PLANSYNC_TEST_SLOW_GROUP limits that sleep to one group. PLANSYNC_TEST_LEASE_TTL_MS and
PLANSYNC_TEST_TIME_LIMIT_MS replace TIMING's lease and time limit; PLANSYNC_TEST_PRODUCTION_BROKER keeps
the broker's production heartbeat timeout and maintenance chance.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from config.broker import make_broker, make_redis
from config.logging import configure_logging
from config.settings import load_settings
from worker.runtime import jobs
from worker.runtime.actors import declare_actors
from worker.runtime.group_run import WorkerTiming

REPO = Path(__file__).resolve().parents[2]
# A killed worker's unacknowledged messages come back after this long without its heartbeat.
HEARTBEAT_TIMEOUT_MS = 2_000
# The dead worker's group lease lapses within seconds; a run at full speed takes well under one.
TIMING = WorkerTiming(sync_time_limit_ms=5_000, lease_ttl_ms=2_000, recheck_margin_ms=200,
                      cycle_time_limit_ms=20_000, max_retries=2)


def timing_from_env() -> WorkerTiming:
    """TIMING, with the lease and the time limit a test gave its workers."""
    return replace(TIMING,
                   lease_ttl_ms=int(os.environ.get("PLANSYNC_TEST_LEASE_TTL_MS", TIMING.lease_ttl_ms)),
                   sync_time_limit_ms=int(os.environ.get("PLANSYNC_TEST_TIME_LIMIT_MS",
                                                         TIMING.sync_time_limit_ms)))


def _record(line: str) -> None:
    with open(os.environ["PLANSYNC_TEST_RECORD"], "a", encoding="utf-8") as record:
        record.write(line + "\n")
        record.flush()
        os.fsync(record.fileno())


def recording_sync(*, group_id: str, trigger: str, plan_refs: object = None,
                   fence: object = None, agency_id: int = 0) -> dict[str, Any]:
    """The sync seam's stand-in in recording mode: `start` and `done` lines with this process's pid."""
    _record(f"start {group_id} {os.getpid()}")
    if os.environ.get("PLANSYNC_TEST_SLOW_GROUP", group_id) == group_id:
        time.sleep(float(os.environ.get("PLANSYNC_TEST_SLEEP_S", "0")))
    _record(f"done {group_id} {os.getpid()}")
    return {"group_id": group_id, "trigger": trigger}


def setup() -> None:
    """The `dramatiq` entry point (`tests.e2e.harness:setup`)."""
    settings = load_settings()
    configure_logging(level=settings.log_level)
    namespace = os.environ["PLANSYNC_TEST_NAMESPACE"]
    client = make_redis(settings)
    # Maintenance on every broker call, so the dead worker's messages are requeued without waiting on chance.
    if "PLANSYNC_TEST_PRODUCTION_BROKER" in os.environ:
        broker = make_broker(settings, namespace=namespace, client=client)
    else:
        broker = make_broker(settings, namespace=namespace, client=client,
                             heartbeat_timeout_ms=HEARTBEAT_TIMEOUT_MS, maintenance_chance=1_000_000)
    if "PLANSYNC_TEST_RECORD" in os.environ:
        jobs.sync_and_summarize = recording_sync
    declare_actors(broker, client=client, namespace=namespace, timing=timing_from_env())


def recorded(record: Path, kind: str) -> list[str]:
    """The `kind` lines (start, done) a recording worker wrote so far."""
    if not record.exists():
        return []
    return [line for line in record.read_text().splitlines() if line.startswith(kind)]


class Workers:
    """`dramatiq` worker processes (one process, two threads each), each in a process group of its own."""

    def __init__(self, *, namespace: str, env: Mapping[str, str], logs: Path) -> None:
        self.env = {**os.environ, **env, "PLANSYNC_TEST_NAMESPACE": namespace}
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, **env: str) -> subprocess.Popen[bytes]:
        """One more worker; `env` adds to the environment this one runs with."""
        with open(self.logs / f"worker-{len(self.procs)}.log", "wb") as log_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "dramatiq", "tests.e2e.harness:setup", "--processes", "1",
                 "--threads", "2", "--path", str(REPO)],
                cwd=REPO, env={**self.env, **env}, stdout=log_file, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                # The dramatiq parent forwards SIGTERM to its worker processes itself.
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.kill(proc)
