from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
import redis
from apscheduler.schedulers.background import BackgroundScheduler

from worker.runtime.clock import Clock, CycleSpec, clock_cycles, slot_start

FEED, DAILY, CARRIER, _SWEEP = clock_cycles(feed_cycle_s=3600)
CYCLES = (FEED, DAILY, CARRIER)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("spec", "now", "slot"), [
    (FEED, "2026-11-22 10:59:59", "2026-11-22 10:00:00"),
    (FEED, "2026-11-22 11:00:00", "2026-11-22 11:00:00"),
    (CARRIER, "2026-11-22 10:44:10", "2026-11-22 10:30:00"),
    (DAILY, "2026-11-22 01:59:00", "2026-11-21 02:00:00"),
    (DAILY, "2026-11-22 02:00:00", "2026-11-22 02:00:00"),
])
def test_slot_is_the_latest_scheduled_time_at_or_before_now(spec: CycleSpec, now: str, slot: str) -> None:
    assert slot_start(spec, _at(now)) == _at(slot)


def test_bad_specs_and_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="offset_s=3600"):
        CycleSpec(name="x", period_s=600, offset_s=3600)
    with pytest.raises(ValueError, match="naive"):
        slot_start(FEED, datetime(2026, 11, 22, 10, 0))


class Enqueued:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, name: str, slot: str) -> None:
        with self.lock:
            self.calls.append((name, slot))


def test_two_clocks_firing_the_same_slot_enqueue_it_once(redis_client: redis.Redis,
                                                          redis_namespace: str) -> None:
    enqueued = Enqueued()
    clocks = [Clock(redis_client, namespace=redis_namespace, enqueue=enqueued, cycles=CYCLES)
              for _ in range(2)]
    now = _at("2026-11-22 10:05:00")
    barrier = threading.Barrier(8)

    def fire(clock: Clock) -> None:
        barrier.wait()
        clock.fire(FEED, now=now)

    threads = [threading.Thread(target=fire, args=(clocks[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert enqueued.calls == [("feed", "2026-11-22T10:00:00+00:00")]
    assert clocks[1].last_slot(FEED) == _at("2026-11-22 10:00:00")


def test_two_running_schedulers_enqueue_each_slot_exactly_once(redis_client: redis.Redis,
                                                                redis_namespace: str) -> None:
    enqueued = Enqueued()
    fast = CycleSpec(name="fast", period_s=1)
    schedulers = [Clock(redis_client, namespace=redis_namespace, enqueue=enqueued, cycles=[fast])
                  .scheduler(BackgroundScheduler) for _ in range(2)]
    for scheduler in schedulers:
        scheduler.start()
    time.sleep(3.5)
    for scheduler in schedulers:
        scheduler.shutdown(wait=True)
    per_slot = Counter(slot for _, slot in enqueued.calls)
    assert len(per_slot) >= 3
    assert set(per_slot.values()) == {1}


def test_catch_up_enqueues_cycles_whose_last_slot_is_older(redis_client: redis.Redis,
                                                           redis_namespace: str) -> None:
    enqueued = Enqueued()
    clock = Clock(redis_client, namespace=redis_namespace, enqueue=enqueued, cycles=CYCLES)
    clock.fire(FEED, now=_at("2026-11-22 07:10:00"))
    clock.fire(CARRIER, now=_at("2026-11-22 10:16:00"))
    enqueued.calls.clear()
    caught = clock.catch_up(now=_at("2026-11-22 10:20:00"))
    assert sorted(caught) == ["daily", "feed"]
    assert sorted(enqueued.calls) == [("daily", "2026-11-22T02:00:00+00:00"),
                                      ("feed", "2026-11-22T10:00:00+00:00")]
    second = Clock(redis_client, namespace=redis_namespace, enqueue=enqueued, cycles=CYCLES)
    assert second.catch_up(now=_at("2026-11-22 10:25:00")) == []


def test_a_failed_enqueue_gives_the_slot_back(redis_client: redis.Redis, redis_namespace: str) -> None:
    def broken(name: str, slot: str) -> None:
        raise ConnectionError("broker unreachable")

    now = _at("2026-11-22 10:05:00")
    with pytest.raises(ConnectionError):
        Clock(redis_client, namespace=redis_namespace, enqueue=broken, cycles=CYCLES).fire(FEED, now=now)
    enqueued = Enqueued()
    assert Clock(redis_client, namespace=redis_namespace, enqueue=enqueued, cycles=CYCLES).fire(FEED, now=now)
    assert enqueued.calls == [("feed", "2026-11-22T10:00:00+00:00")]
