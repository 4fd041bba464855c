from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dramatiq
import pytest
import redis

from config.broker import make_broker, make_redis
from config.settings import load_settings
from reconciliation.agency import default_agency
from tests.worker.runtime.conftest import FAST_TIMING, Recorder, wait_until
from worker.runtime import jobs
from worker.runtime.actors import declare_actors

GROUPS = [f"grp_{n:03d}" for n in range(30)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayRedis:
    """A redis-server of this test's own, with an append-only file, so that restarting it is safe."""

    def __init__(self, directory: Path) -> None:
        self.port = _free_port()
        self.command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "yes", "--dir", str(directory)]
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        probe = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_until(lambda: _pings(probe), timeout_s=10, what="the throwaway redis to accept connections")
        probe.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # SIGTERM is redis' graceful shutdown: the append-only file is flushed first.
            self.proc.terminate()
            self.proc.wait(timeout=10)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


@pytest.fixture
def throwaway_redis(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_a_redis_restart_in_the_middle_of_a_cycle_loses_no_sync(
        throwaway_redis: ThrowawayRedis, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(sleep_s=0.1)
    monkeypatch.setattr(jobs, "sync_and_summarize", recorder.sync_and_summarize)
    monkeypatch.setattr(jobs, "feed_cycle", lambda agency_id: jobs.CyclePlan(group_ids=list(GROUPS)))
    monkeypatch.setattr(jobs, "enabled_agencies", lambda: [default_agency(load_settings({}))])
    settings = load_settings({"REDIS_URL": throwaway_redis.url})
    client = make_redis(settings)
    broker = make_broker(settings, namespace="plansync", client=client)
    actors = declare_actors(broker, client=client, namespace="plansync", timing=FAST_TIMING)
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        actors.feed_cycle.send(datetime.now(UTC).replace(minute=0, second=0, microsecond=0).isoformat())
        wait_until(lambda: recorder.count("end") >= 5, what="the cycle to be under way")
        throwaway_redis.stop()
        ended_before_restart = recorder.count("end")
        throwaway_redis.start()
        wait_until(lambda: {g for kind, g, _ in recorder.events if kind == "end"} == set(GROUPS),
                   timeout_s=60, what="every group of the cycle to sync")
        wait_until(lambda: client.llen("plansync:syncs") == 0, what="the queue to drain")
    finally:
        worker.stop()
        broker.close()
    assert ended_before_restart < len(GROUPS)
    print(f"runs: {recorder.count('end')} for {len(GROUPS)} groups, {ended_before_restart} before restart")
