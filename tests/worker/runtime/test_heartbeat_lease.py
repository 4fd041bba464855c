"""The group lease is a short heartbeat, and the fence tokens come with it."""

from __future__ import annotations

import io
import json
import time

import fakeredis
import pytest
import redis

from config.logging import configure_logging
from tests.worker.runtime.conftest import Recorder, wait_until
from worker.runtime import jobs
from worker.runtime.actors import Actors
from worker.runtime.group_run import WorkerTiming, run_group
from worker.runtime.lease import Lease
from worker.service.run_fence import FenceSource


@pytest.fixture(params=["real", "fake"])
def client(request: pytest.FixtureRequest, redis_client: redis.Redis) -> redis.Redis:
    return redis_client if request.param == "real" else fakeredis.FakeRedis()


def test_the_lease_lives_seconds_while_the_time_limit_stays_the_run_s() -> None:
    timing = WorkerTiming()
    assert timing.lease_ttl_ms <= 30_000
    assert timing.sync_time_limit_ms == 30 * 60_000


def test_only_the_holder_takes_tokens_and_they_only_rise(client: redis.Redis, redis_namespace: str) -> None:
    counter = f"{redis_namespace}:fence:g1"
    holder = Lease(client, f"{redis_namespace}:lease:g1", ttl_ms=10_000)
    other = Lease(client, f"{redis_namespace}:lease:g1", ttl_ms=10_000)
    assert holder.acquire()
    assert holder.take_token(counter) == 1
    assert holder.take_token(counter) == 2
    assert other.take_token(counter) is None
    assert holder.release()
    assert holder.take_token(counter) is None
    assert other.acquire()
    assert other.take_token(counter) == 3
    other.release()


def test_a_wiped_counter_restarts_above_the_database_s_token(client: redis.Redis,
                                                              redis_namespace: str) -> None:
    counter = f"{redis_namespace}:fence:g2"
    lease = Lease(client, f"{redis_namespace}:lease:g2", ttl_ms=10_000)
    assert lease.acquire()
    assert lease.take_token(counter, floor=0) == 1
    client.delete(counter)  # a Redis restart without persistence, or a flush
    assert lease.take_token(counter, floor=57) == 58
    assert lease.take_token(counter, floor=3) == 59
    lease.release()


def test_a_run_keeps_its_short_lease_for_as_long_as_it_runs(worker_actors: Actors) -> None:
    ttl_s = worker_actors.timing.lease_ttl_ms / 1000
    taken: list[int | None] = []

    def long_run(fence: FenceSource) -> str:
        other = worker_actors.runs.lease("grp_6001", ttl_ms=1_000)
        deadline = time.monotonic() + 3 * ttl_s
        while time.monotonic() < deadline:
            assert not other.acquire(), "the lease lapsed while its run was alive"
            time.sleep(0.1)
        taken.append(fence.take(floor=0))
        return "done"

    assert run_group(worker_actors.runs, worker_actors.sync_group, long_run, group_id="grp_6001",
                     trigger="manual", timing=worker_actors.timing) == "done"
    assert taken == [1]


def test_a_busy_trigger_looks_again_once_the_short_lease_must_have_expired(
        worker_actors: Actors, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    recorder = Recorder()
    monkeypatch.setattr(jobs, "sync_and_summarize", recorder.sync_and_summarize)
    dead_owner = worker_actors.runs.lease("grp_6002", ttl_ms=worker_actors.timing.lease_ttl_ms)
    assert dead_owner.acquire()
    worker_actors.sync_group.send("grp_6002", "manual")
    wait_until(lambda: recorder.count("end", "grp_6002") == 1, timeout_s=10, what="the recheck's run")
    rechecks = [line for line in map(json.loads, stream.getvalue().splitlines())
                if line["event"] == "worker.trigger.recheck"]
    timing = worker_actors.timing
    assert rechecks and all(r["delay_ms"] <= timing.lease_ttl_ms + timing.recheck_margin_ms for r in rechecks)
