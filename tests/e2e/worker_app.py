"""A `dramatiq` entry point for subprocess tests: the real actors and the real sync, on a test namespace."""

from __future__ import annotations

import os

from config.broker import make_broker, make_redis
from config.logging import configure_logging
from config.settings import load_settings
from worker.runtime.actors import WorkerTiming, declare_actors

# A killed worker's unacknowledged messages come back after this long without its heartbeat.
HEARTBEAT_TIMEOUT_MS = 2_000
# The dead worker's group lease lapses within seconds; a run at full speed takes well under one.
TIMING = WorkerTiming(sync_time_limit_ms=5_000, lease_margin_ms=500, recheck_margin_ms=200,
                      cycle_time_limit_ms=20_000, max_retries=2)


def setup() -> None:
    """Settings (sandboxes, DATABASE_URL, REDIS_URL) come from the environment, as in production."""
    settings = load_settings()
    configure_logging(level=settings.log_level)
    client = make_redis(settings)
    # Maintenance on every broker call, so the dead worker's messages are requeued without waiting on chance.
    broker = make_broker(settings, namespace=os.environ["PLANSYNC_TEST_NAMESPACE"], client=client,
                         heartbeat_timeout_ms=HEARTBEAT_TIMEOUT_MS, maintenance_chance=1_000_000)
    declare_actors(broker, client=client, namespace=os.environ["PLANSYNC_TEST_NAMESPACE"], timing=TIMING)
