"""A seeded world ready for plansync's own processes: sandbox host, database, redis-server, baselines."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import redis

from bench.seed_links import seed_links
from bench.stack import PLANSYNC, Processes, load, own_database, redis_server, running, sandbox_host
from config.logging import configure_logging
from config.settings import load_settings
from worker.runtime import jobs
from worker.runtime.clock import DAILY_CYCLE, slot_start
from worker.runtime.context import SyncContext, build_context
from worker.runtime.process_context import set_context
from worker.service import group_sync

NAMESPACE = "plansync"


@dataclass(kw_only=True)
class Prepared:
    processes: Processes
    world: dict[str, Any]
    env: dict[str, str]
    context: SyncContext
    redis: redis.Redis

    def start_workers(self, count: int, *, threads: int) -> list[int]:
        """`count` real `plansync worker` commands of one process each; their root pids."""
        return [self.processes.start(f"worker-{number}", [PLANSYNC, "worker", "--processes", "1",
                                                          "--threads", str(threads)], env=self.env).pid
                for number in range(count)]

    def start_clock(self) -> int:
        # The daily full reconcile's slot counts as done: at start it would sync every group, which
        # is the daily cycle's cost, not the feed's.
        slot = slot_start(DAILY_CYCLE, datetime.now(UTC)).isoformat()
        self.redis.set(f"{NAMESPACE}:clock:last:daily", slot)
        return self.processes.start("clock", [PLANSYNC, "clock"], env=self.env).pid

    def calls(self) -> Counter[str]:
        """The API calls each sandbox counted so far (its `GET /_sandbox/calls`), keyed 'system operation'."""
        counted: Counter[str] = Counter()
        for system in ("perfectquote", "benefitpoint"):
            answer = httpx.get(f"{self.world[f'{system}_admin_url']}/_sandbox/calls", timeout=30)
            answer.raise_for_status()
            counted.update({f"{system} {name}": count for name, count in answer.json()["calls"].items()})
        return counted


def _check_settled(context: SyncContext, group_id: str) -> None:
    """The seeded baselines are what a sync reads: a feed cycle finds nothing, a group's sync writes none."""
    plan = jobs.feed_cycle()
    if plan.group_ids:
        raise SystemExit(f"the seeded world is not settled: a feed cycle named {len(plan.group_ids)} groups")
    report = group_sync.sync_group(sessions=context.sessions, systems=jobs.plan_systems(context),
                                   group_id=group_id, trigger="manual")
    counts = report.counts
    if report.outcome.value != "succeeded" or any((counts.updated, counts.created, counts.conflicts,
                                                    counts.errors)):
        raise SystemExit(f"the seeded world is not settled: a sync of {group_id} gave {report.as_dict()}")


@contextmanager
def prepared(*, groups: int, plans: int, latency_ms: float, logs: Path) -> Iterator[Prepared]:
    """Everything up and seeded; every process stopped and the database dropped at the end."""
    configure_logging(level="warning", stream=sys.stderr)
    with own_database() as database_url, running(logs) as processes:
        started = time.perf_counter()
        redis_url = redis_server(processes)
        world = sandbox_host(processes, groups=groups, plans=plans, latency_ms=latency_ms)
        print(f"sandbox host (pid {world['pid']}): {groups} groups x {plans} plans seeded on both sides in "
              f"{world['seed_s']:.1f} s", flush=True)
        env = {**world["environment"], "DATABASE_URL": database_url, "REDIS_URL": redis_url,
               "LOG_LEVEL": "warning"}
        subprocess.run([PLANSYNC, "db", "upgrade"], env={**os.environ, **env}, check=True,
                       capture_output=True)
        context = build_context(load_settings(env))
        set_context(context)
        seeded = time.perf_counter()
        seed_links(context.sessions, world, plans=plans)
        print(f"database: {groups} groups connected, {len(world['links'])} merge links with their baselines "
              f"in {time.perf_counter() - seeded:.1f} s", flush=True)
        _check_settled(context, world["links"][0]["group_id"])
        print(f"ready in {time.perf_counter() - started:.1f} s ({load()})", flush=True)
        client = redis.Redis.from_url(redis_url)
        try:
            yield Prepared(processes=processes, world=world, env=env, context=context, redis=client)
        finally:
            set_context(None)
            context.close()
            client.close()
