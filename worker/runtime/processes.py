"""Driving the worker from outside: enqueue a sync and wait for its outcome, the clock, the embedded mode."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import dramatiq
from apscheduler.schedulers.background import BackgroundScheduler
from dramatiq.brokers.stub import StubBroker

from config.logging import get_logger
from config.metrics import register_scrape_collector, serve_exposition
from reconciliation.agency import DEFAULT_AGENCY_ID
from worker.runtime.actors import Actors, current_actors
from worker.runtime.clock import Clock, clock_cycles
from worker.runtime.coalesce import GroupRuns
from worker.runtime.process_context import process_contexts
from worker.service.metrics_reading import DatabaseGauges

log = get_logger(__name__)
POLL_INTERVAL_S = 0.2


def enqueue_sync(group_id: str, *, trigger: str = "manual", wait_s: float | None = None,
                 actors: Actors | None = None, agency_id: int = DEFAULT_AGENCY_ID) -> dict[str, Any] | None:
    """Enqueue a sync of one group; with `wait_s`, wait for the run that covers it and return its outcome.

    The outcome holds status ("finished" or "failed"), group_id, trigger, message_id (of the covering run)
    and summary or error; None when `wait_s` is None or runs out first.
    """
    if not group_id.strip():
        raise ValueError("enqueue_sync: the PerfectQuote group id is empty")
    actors = actors or current_actors()
    message = actors.sync_group.send_with_options(args=(group_id, trigger), kwargs={"agency_id": agency_id})
    log.info("worker.sync.enqueued", group_id=group_id, trigger=trigger, message_id=message.message_id,
             agency_id=agency_id)
    if wait_s is None:
        return None
    broker = actors.sync_group.broker
    # The in-process broker has no worker elsewhere: serve the queue here while waiting.
    worker = None
    if isinstance(broker, StubBroker):
        worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
        worker.start()
    try:
        return _wait_for_outcome(actors.runs.for_agency(agency_id), message.message_id, wait_s=wait_s)
    finally:
        if worker is not None:
            worker.stop()


def _wait_for_outcome(runs: GroupRuns, message_id: str, *, wait_s: float) -> dict[str, Any] | None:
    deadline = time.monotonic() + wait_s
    while True:
        outcome = runs.outcome(message_id)
        if outcome is not None or time.monotonic() >= deadline:
            return outcome
        time.sleep(POLL_INTERVAL_S)


def make_clock(actors: Actors) -> Clock:
    """The production clock: each cycle name maps to the actor it enqueues."""
    senders = {"feed": actors.feed_cycle, "daily": actors.daily_full, "carrier": actors.carrier_cycle,
               "sweep": actors.sweep_pending}
    return Clock(actors.runs.client, namespace=actors.runs.namespace,
                 enqueue=lambda name, slot: senders[name].send(slot),
                 cycles=clock_cycles(feed_cycle_s=actors.feed_cycle_s))


def run_embedded(*, threads: int) -> None:
    """No REDIS_URL: one process runs the clock and the actors on the in-process broker."""
    actors = current_actors()
    # METRICS_PORT set: this process's metrics and the database gauges, served from a thread.
    register_scrape_collector(DatabaseGauges(process_contexts().sessions))
    serve_exposition()
    worker = dramatiq.Worker(dramatiq.get_broker(), worker_threads=threads)
    worker.start()
    clock = make_clock(actors)
    clock.catch_up(now=datetime.now(UTC))
    scheduler = clock.scheduler(BackgroundScheduler)
    scheduler.start()
    log.info("worker.embedded.started", threads=threads)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.shutdown(wait=False)
        worker.stop()
