from __future__ import annotations

import contextlib
import threading
import time

import fakeredis
import pytest
import redis
from structlog.testing import capture_logs

from tests.worker.runtime.conftest import wait_until
from worker.runtime.lease import Lease


@pytest.fixture(params=["real", "fake"])
def client(request: pytest.FixtureRequest, redis_client: redis.Redis) -> redis.Redis:
    return redis_client if request.param == "real" else fakeredis.FakeRedis()


def test_only_one_holder_at_a_time_and_only_the_owner_releases(client: redis.Redis,
                                                               redis_namespace: str) -> None:
    first = Lease(client, f"{redis_namespace}:lease:g1", ttl_ms=10_000)
    second = Lease(client, f"{redis_namespace}:lease:g1", ttl_ms=10_000)
    assert first.acquire()
    assert not second.acquire()
    assert not second.release()
    assert not second.renew()
    assert first.remaining_ms() > 0
    assert first.release()
    assert second.acquire()
    assert not first.release()
    assert second.release()


def test_a_lease_whose_owner_died_expires_and_another_takes_it(client: redis.Redis,
                                                                redis_namespace: str) -> None:
    dead = Lease(client, f"{redis_namespace}:lease:g2", ttl_ms=300)
    assert dead.acquire()
    successor = Lease(client, f"{redis_namespace}:lease:g2", ttl_ms=10_000)
    assert not successor.acquire()
    wait_until(successor.acquire, timeout_s=5, what="the dead owner's lease to expire")
    assert not dead.renew()
    assert not dead.release()
    assert client.get(f"{redis_namespace}:lease:g2").decode() == successor.token


def test_a_kept_alive_lease_outlives_its_ttl(redis_client: redis.Redis, redis_namespace: str) -> None:
    lease = Lease(redis_client, f"{redis_namespace}:lease:g3", ttl_ms=300)
    assert lease.acquire()
    other = Lease(redis_client, f"{redis_namespace}:lease:g3", ttl_ms=300)
    with lease.kept_alive(every_s=0.05):
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            assert not other.acquire()
            time.sleep(0.05)
    assert lease.release()


def test_a_non_positive_ttl_is_refused(redis_client: redis.Redis) -> None:
    with pytest.raises(ValueError, match="ttl_ms=0"):
        Lease(redis_client, "k", ttl_ms=0)


def test_one_thread_keeps_many_leases_and_a_lost_one_is_given_up(redis_client: redis.Redis,
                                                                  redis_namespace: str) -> None:
    leases = [Lease(redis_client, f"{redis_namespace}:lease:many{number}", ttl_ms=300) for number in range(3)]
    for lease in leases:
        assert lease.acquire()
    threads_before = threading.active_count()
    with capture_logs() as logs, contextlib.ExitStack() as stack:
        for lease in leases:
            stack.enter_context(lease.kept_alive(every_s=0.05))
        assert threading.active_count() <= threads_before + 1
        # Another holder takes the second lease over: its keeping stops, the others' goes on.
        redis_client.set(leases[1].key, "someone-else", px=10_000)
        time.sleep(0.6)
        assert all(lease.remaining_ms() > 0 for lease in (leases[0], leases[2]))
    lost = [entry for entry in logs if entry["event"] == "worker.lease.lost"]
    assert [entry["key"] for entry in lost] == [leases[1].key]
    assert leases[0].release() and leases[2].release()
