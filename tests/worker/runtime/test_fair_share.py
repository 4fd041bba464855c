"""Fair shares on the real Redis: an agency at its cap of runs waits its turn; another agency does not."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import dramatiq
import pytest
import redis

from config.broker import make_broker
from config.settings import load_settings
from tests.conftest import REDIS_URL
from tests.worker.runtime.conftest import FAST_TIMING, Recorder, wait_until
from worker.runtime import jobs
from worker.runtime.actors import Actors, declare_actors
from worker.runtime.fair_share import FairShares
from worker.runtime.processes import enqueue_sync

BUSY, QUIET = 5, 6


def _actors(redis_namespace: str, redis_client: redis.Redis, *, agencies_enabled: int) -> Iterator[Actors]:
    """Actors whose agencies may each run one group at a time, on a worker with four threads."""
    broker = make_broker(load_settings({"REDIS_URL": REDIS_URL}), namespace=redis_namespace,
                         client=redis_client)
    shares = FairShares(redis_client, namespace=redis_namespace, max_runs=1, max_calls=1,
                        agencies_enabled=lambda: agencies_enabled)
    actors = declare_actors(broker, client=redis_client, namespace=redis_namespace, timing=FAST_TIMING,
                            shares=shares)
    worker = dramatiq.Worker(broker, worker_threads=4, worker_timeout=100)
    worker.start()
    yield actors
    worker.stop()
    broker.close()


@pytest.fixture
def capped_actors(redis_namespace: str, redis_client: redis.Redis) -> Iterator[Actors]:
    yield from _actors(redis_namespace, redis_client, agencies_enabled=2)


@pytest.fixture
def alone_actors(redis_namespace: str, redis_client: redis.Redis) -> Iterator[Actors]:
    yield from _actors(redis_namespace, redis_client, agencies_enabled=1)


def _overlap(recorder: Recorder, groups: set[str]) -> int:
    """The most runs of `groups` that were under way at one moment."""
    running = peak = 0
    for kind, group_id, _ in sorted(recorder.events, key=lambda event: event[2]):
        if group_id in groups:
            running += 1 if kind == "start" else -1
            peak = max(peak, running)
    return peak


def test_an_agency_at_its_share_waits_and_another_agency_runs_meanwhile(
        capped_actors: Actors, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(sleep_s=0.4)
    monkeypatch.setattr(jobs, "sync_and_summarize", recorder.sync_and_summarize)
    busy = {f"grp_busy_{number}" for number in range(3)}
    for group_id in sorted(busy):
        capped_actors.sync_group.send_with_options(args=(group_id, "manual"), kwargs={"agency_id": BUSY})
    time.sleep(0.1)
    quiet = enqueue_sync("grp_quiet", wait_s=10, actors=capped_actors, agency_id=QUIET)
    assert quiet is not None and quiet["status"] == "finished"
    # The quiet agency's run did not wait for the busy agency's queue to drain.
    assert sum(1 for kind, group, _ in recorder.events if kind == "end" and group in busy) < len(busy)
    wait_until(lambda: recorder.count("end") == len(busy) + 1, timeout_s=20, what="every run")
    assert _overlap(recorder, busy) == 1


def test_a_deferred_message_keeps_its_id_so_its_waiter_gets_the_outcome(
        capped_actors: Actors, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(sleep_s=0.5)
    monkeypatch.setattr(jobs, "sync_and_summarize", recorder.sync_and_summarize)
    capped_actors.sync_group.send_with_options(args=("grp_first", "manual"), kwargs={"agency_id": BUSY})
    wait_until(lambda: recorder.count("start") == 1, what="the first run to start")
    outcome = enqueue_sync("grp_second", wait_s=15, actors=capped_actors, agency_id=BUSY)
    assert outcome is not None and outcome["status"] == "finished"
    assert outcome["group_id"] == "grp_second"
    assert _overlap(recorder, {"grp_first", "grp_second"}) == 1


def test_a_call_slot_is_held_by_one_call_at_a_time_and_never_stalls(
        redis_client: redis.Redis, redis_namespace: str) -> None:
    shares = FairShares(redis_client, namespace=redis_namespace, max_runs=1, max_calls=1)
    slot = shares.call_slot(BUSY, wait_s=0.6)
    other_agency = shares.call_slot(QUIET, wait_s=0.6)
    entered: list[float] = []
    held = threading.Event()

    def hold() -> None:
        with slot():
            held.set()
            time.sleep(0.3)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    started = time.monotonic()
    with other_agency():
        entered.append(time.monotonic() - started)
    with slot():
        entered.append(time.monotonic() - started)
    holder.join()
    assert entered[0] < 0.1  # another agency's slot is its own
    assert 0.1 < entered[1] < 0.6  # waited for the holder, not for the whole wait
    started = time.monotonic()
    with slot(), shares.call_slot(BUSY, wait_s=0.3)():
        waited_s = time.monotonic() - started  # a slot that never frees: the second call goes ahead
    assert 0.3 <= waited_s < 1.0


def test_an_agency_alone_is_not_held_to_its_share(alone_actors: Actors,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(sleep_s=0.4)
    monkeypatch.setattr(jobs, "sync_and_summarize", recorder.sync_and_summarize)
    groups = {f"grp_alone_{number}" for number in range(3)}
    for group_id in sorted(groups):
        alone_actors.sync_group.send_with_options(args=(group_id, "manual"), kwargs={"agency_id": BUSY})
    wait_until(lambda: recorder.count("end") == len(groups), timeout_s=20, what="every run")
    # Its share is 1, but with no other agency enabled its runs take every free thread at once.
    assert _overlap(recorder, groups) == len(groups)


def test_an_agency_alone_takes_a_call_slot_at_once(redis_client: redis.Redis, redis_namespace: str) -> None:
    shares = FairShares(redis_client, namespace=redis_namespace, max_runs=1, max_calls=1,
                        agencies_enabled=lambda: 1)
    slot = shares.call_slot(BUSY, wait_s=0.6)
    started = time.monotonic()
    with slot(), slot():
        waited_s = time.monotonic() - started
    assert waited_s < 0.1


def test_the_enabled_agencies_are_counted_again_after_the_recount_time(
        redis_client: redis.Redis, redis_namespace: str) -> None:
    counts = iter([1, 2])
    shares = FairShares(redis_client, namespace=redis_namespace, max_runs=1, max_calls=1,
                        agencies_enabled=lambda: next(counts), recount_s=0.2)
    assert not shares.shared() and not shares.shared()
    time.sleep(0.25)
    assert shares.shared()
