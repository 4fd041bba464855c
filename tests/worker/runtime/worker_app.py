"""A `dramatiq` entry point for subprocess tests: the real actors with a seam that records to a file."""

from __future__ import annotations

import os
import time
from typing import Any

from config.broker import make_broker, make_redis
from config.logging import configure_logging
from config.settings import load_settings
from worker.runtime import jobs
from worker.runtime.actors import WorkerTiming, declare_actors

TIMING = WorkerTiming(sync_time_limit_ms=3_000, lease_margin_ms=500, recheck_margin_ms=200, max_retries=1)


def _record(line: str) -> None:
    with open(os.environ["PLANSYNC_TEST_RECORD"], "a", encoding="utf-8") as record:
        record.write(line + "\n")
        record.flush()
        os.fsync(record.fileno())


def recording_sync_group(*, perfectquote_group_id: str, trigger: str,
                         plan_refs: list[list[str]] | None = None) -> dict[str, Any]:
    _record(f"start {perfectquote_group_id} {os.getpid()}")
    time.sleep(float(os.environ.get("PLANSYNC_TEST_SLEEP_S", "0")))
    _record(f"done {perfectquote_group_id} {os.getpid()}")
    return {"group_id": perfectquote_group_id, "trigger": trigger}


def setup() -> None:
    settings = load_settings({"REDIS_URL": os.environ["PLANSYNC_TEST_REDIS_URL"]})
    configure_logging()
    namespace = os.environ["PLANSYNC_TEST_NAMESPACE"]
    client = make_redis(settings)
    # A short heartbeat timeout and maintenance on every call: a killed worker's messages come back fast.
    broker = make_broker(settings, namespace=namespace, client=client, heartbeat_timeout_ms=2_000,
                         maintenance_chance=1_000_000)
    jobs.sync_group = recording_sync_group
    declare_actors(broker, client=client, namespace=namespace, timing=TIMING)
