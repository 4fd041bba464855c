"""Sync now: a group's run started from the console, followed until it ends and read back as JSON."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from config.logging import get_logger
from connectors.errors import ConnectorError
from worker.runtime.context import SyncContext
from worker.runtime.jobs import plan_systems
from worker.runtime.processes import enqueue_sync
from worker.service.group_sync import sync_group

# As long as `plansync sync --wait` waits for a worker to answer.
WAIT_S = 600.0
KEPT_JOBS = 200
EMPTY_RESULT: dict[str, Any] = {
    "run_id": None,
    "outcome": None,
    "counts": {},
    "error": None,
    "link_errors": {},
    "writes": 0,
}
log = get_logger(__name__)


@dataclass(kw_only=True)
class SyncJob:
    id: str
    group_id: str
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    state: str = "running"  # running, then finished (the run ended, whatever its outcome) or failed
    result: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Every key always there (the page and its script read them whatever the run's end)."""
        return {
            "job_id": self.id,
            "group_id": self.group_id,
            "state": self.state,
            "started_at": self.started_at.isoformat(),
            **EMPTY_RESULT,
            **self.result,
        }


def run_sync(context: SyncContext, group_id: str) -> dict[str, Any]:
    """As `plansync sync`: with a broker, enqueue and wait for the worker's outcome; embedded, run here."""
    if context.settings.redis_url is None:
        report = sync_group(
            sessions=context.sessions, systems=plan_systems(context), group_id=group_id, trigger="manual"
        ).as_dict()
        return _result(report)
    outcome = enqueue_sync(group_id, trigger="manual", wait_s=WAIT_S, agency_id=context.agency.id)
    if outcome is None:
        return {
            "outcome": None,
            "error": f"no worker answered within {WAIT_S:.0f} s; the run is still queued",
        }
    if outcome.get("status") == "failed":
        return {"outcome": "failed", "error": outcome.get("error")}
    return _result(outcome.get("summary") or {})


def _result(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "run_id": run.get("run_id"),
        "outcome": run.get("outcome"),
        "counts": run.get("counts", {}),
        "error": run.get("error"),
        "link_errors": run.get("link_errors", {}),
        "writes": len(run.get("writes", [])),
    }


class SyncJobs:
    """The console's runs in flight and the last few ended; one at a time per group."""

    def __init__(self, run: Callable[[str], dict[str, Any]], *, threads: int = 4) -> None:
        self._run = run
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, SyncJob] = OrderedDict()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="console-sync")

    def start(self, group_id: str) -> SyncJob:
        with self._lock:
            running = next(
                (job for job in self._jobs.values() if job.group_id == group_id and job.state == "running"),
                None,
            )
            if running is not None:
                return running
            job = SyncJob(id=secrets.token_urlsafe(9), group_id=group_id)
            self._jobs[job.id] = job
            while len(self._jobs) > KEPT_JOBS:
                self._jobs.popitem(last=False)
        log.info("console.sync.requested", group_id=group_id, job_id=job.id)
        self._pool.submit(self._follow, job)
        return job

    def get(self, job_id: str) -> SyncJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _follow(self, job: SyncJob) -> None:
        try:
            result = self._run(job.group_id)
            state = "finished"
        except (ConnectorError, ValueError, LookupError) as error:
            result, state = {"outcome": "failed", "error": str(error)}, "failed"
        except Exception as error:  # a job thread must always end its job, or the page polls forever
            log.exception("console.sync.crashed", group_id=job.group_id, job_id=job.id)
            result, state = {"outcome": "failed", "error": f"{type(error).__name__}: {error}"}, "failed"
        with self._lock:
            job.result, job.state = result, state

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
