"""The demo's world in one process: sandboxes, a SQLite file, the in-process broker, a worker, a clock."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import dramatiq
from dramatiq.brokers.stub import StubBroker

from config.broker import broker_redis, make_broker
from config.logging import configure_logging
from config.migrate import upgrade_database
from config.settings import Settings, load_settings
from connectors.sandbox.launcher import Sandboxes, start_sandboxes
from worker.runtime.actors import SYNC_QUEUE, Actors, declare_actors
from worker.runtime.clock import Clock, clock_cycles
from worker.runtime.context import SyncContext, build_context
from worker.runtime.cycle_actors import CYCLE_QUEUE
from worker.runtime.group_run import WorkerTiming
from worker.runtime.process_context import set_context
from worker.runtime.processes import make_clock

DATABASE_NAME = "plansync-demo.db"
LOG_NAME = "plansync-demo.log"
# The demo promises to end by itself within two minutes; waits on the worker share this budget.
DEMO_BUDGET_S = 110.0
# Generous connector retries: the demo injects faults on purpose and wants them ridden out.
DEMO_ENVIRONMENT = {"RETRY_MAX_ATTEMPTS": "8", "RETRY_MAX_TOTAL_S": "20", "HTTP_TIMEOUT_S": "5"}
DEMO_TIMING = WorkerTiming(sync_time_limit_ms=60_000, lease_ttl_ms=5_000, recheck_margin_ms=500,
                           cycle_time_limit_ms=60_000, max_retries=3)
CYCLES = {spec.name: spec for spec in clock_cycles()}


class FastClock:
    """The production clock, fed a story time that moves an hour per tick instead of waiting for one."""

    def __init__(self, clock: Clock, *, start: datetime) -> None:
        self.clock = clock
        self.now = start

    def fire(self, cycle: str) -> bool:
        return self.clock.fire(CYCLES[cycle], now=self.now)

    def advance(self, *, hours: float) -> datetime:
        self.now += timedelta(hours=hours)
        return self.now


@dataclass(kw_only=True)
class World:
    """Everything the story drives; `stop()` shuts it down in reverse order."""

    directory: Path
    database_path: Path
    log_path: Path
    settings: Settings
    sandboxes: Sandboxes
    context: SyncContext
    actors: Actors
    broker: StubBroker
    worker: dramatiq.Worker
    clock: FastClock
    log_stream: TextIO
    deadline: float = field(default_factory=lambda: time.monotonic() + DEMO_BUDGET_S)

    def settle(self) -> None:
        """Wait until every cycle and sync enqueued so far (and any it enqueued) has been processed."""
        for _ in range(2):
            for queue in (CYCLE_QUEUE, SYNC_QUEUE):
                remaining_ms = int((self.deadline - time.monotonic()) * 1000)
                if remaining_ms <= 0:
                    raise TimeoutError(f"the worker is still busy after the demo's {DEMO_BUDGET_S:.0f} s")
                self.broker.join(queue, timeout=remaining_ms)
        self.worker.join()

    def stop(self) -> None:
        self.worker.stop()
        self.broker.close()
        set_context(None)
        self.sandboxes.stop()
        configure_logging(level=self.settings.log_level)
        self.log_stream.close()


def start_world(*, directory: Path, threads: int = 4) -> World:
    """Start it all; the database and the log file are recreated in `directory`."""
    database_path = directory / DATABASE_NAME
    log_path = directory / LOG_NAME
    database_path.unlink(missing_ok=True)
    log_stream = log_path.open("w", encoding="utf-8")
    sandboxes = start_sandboxes(rate_limit=False)
    try:
        settings = load_settings({**sandboxes.environment(), **DEMO_ENVIRONMENT,
                                  "DATABASE_URL": f"sqlite:///{database_path}"})
        configure_logging(level=settings.log_level, stream=log_stream)
        upgrade_database(settings.database_url)
        context = build_context(settings)
        set_context(context)
        namespace = f"plansync-demo-{uuid.uuid4().hex[:8]}"
        broker = make_broker(settings, namespace=namespace)
        if not isinstance(broker, StubBroker):
            raise RuntimeError("the demo runs on the in-process broker; REDIS_URL must not be set")
        actors = declare_actors(broker, client=broker_redis(broker, settings), namespace=namespace,
                                timing=DEMO_TIMING)
        worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
        worker.start()
    except BaseException:
        sandboxes.stop()
        configure_logging()
        log_stream.close()
        raise
    clock = FastClock(make_clock(actors), start=datetime.now(UTC))
    return World(directory=directory, database_path=database_path, log_path=log_path, settings=settings,
                 sandboxes=sandboxes, context=context, actors=actors, broker=broker, worker=worker,
                 clock=clock, log_stream=log_stream)
