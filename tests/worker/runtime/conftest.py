"""Worker fixtures: the real Redis under a namespace of its own, a real broker and an in-process worker."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import dramatiq
import pytest
import redis

from config.broker import make_broker, make_redis
from config.settings import load_settings
from reconciliation.agency import default_agency
from tests.conftest import REDIS_URL
from worker.runtime import jobs
from worker.runtime.actors import Actors, declare_actors
from worker.runtime.group_run import WorkerTiming

FAST_TIMING = WorkerTiming(sync_time_limit_ms=2_000, lease_ttl_ms=1_000, recheck_margin_ms=200,
                           cycle_time_limit_ms=4_000, max_retries=1)


def drop_namespace(client: redis.Redis, namespace: str) -> None:
    keys = list(client.scan_iter(match=f"{namespace}*", count=500))
    if keys:
        client.delete(*keys)


def wait_until(condition: Callable[[], bool], *, timeout_s: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.05)


@dataclass
class Recorder:
    """A seam stand-in: records each call's start and end, optionally sleeping or failing."""

    sleep_s: float = 0.0
    fail_times: int = 0
    events: list[tuple[str, str, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sync_and_summarize(self, *, group_id: str, trigger: str, plan_refs: list[list[str]] | None = None,
                           fence: object = None, agency_id: int = 0) -> dict[str, Any]:
        with self.lock:
            self.events.append(("start", group_id, time.monotonic()))
            failing = self.fail_times > 0
            self.fail_times -= 1 if failing else 0
        time.sleep(self.sleep_s)
        with self.lock:
            self.events.append(("end", group_id, time.monotonic()))
        if failing:
            raise RuntimeError(f"seam failed for {group_id}")
        return {"group_id": group_id, "trigger": trigger, "plans_updated": 0}

    def count(self, kind: str, group_id: str | None = None) -> int:
        with self.lock:
            return sum(1 for k, g, _ in self.events if k == kind and group_id in (None, g))


@pytest.fixture
def redis_client(redis_namespace: str) -> Iterator[redis.Redis]:
    client = make_redis(load_settings({"REDIS_URL": REDIS_URL}))
    yield client
    drop_namespace(client, redis_namespace)
    client.close()


@pytest.fixture
def worker_actors(redis_namespace: str, redis_client: redis.Redis,
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[Actors]:
    """Actors on a real RedisBroker under this test's namespace, served by a real in-process worker;
    the clock's cycles run for the one (default) agency."""
    monkeypatch.setattr(jobs, "enabled_agencies", lambda: [default_agency(load_settings({}))])
    broker = make_broker(load_settings({"REDIS_URL": REDIS_URL}), namespace=redis_namespace,
                         client=redis_client)
    actors = declare_actors(broker, client=redis_client, namespace=redis_namespace, timing=FAST_TIMING)
    worker = dramatiq.Worker(broker, worker_threads=4, worker_timeout=100)
    worker.start()
    yield actors
    worker.stop()
    broker.close()
