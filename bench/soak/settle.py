"""After the chaos: faults off, wait for the runs to stop, settle the conflicts through the CLI."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bench.soak.procs import plansync
from bench.soak.world import busy_runs, pending_work, stored_links, unfinished_runs

FAULTS_OFF = {"error_rate": 0.0, "throttle_rate": 0.0, "timeout_rate": 0.0, "malformed_rate": 0.0}
# Longer than the sweep's minute and several feed cycles.
QUIET_S = 75.0
# A failed link's pending work is retried 5 minutes later (10 after a second failure).
SETTLE_LIMIT_S = 900.0


def wait_first_sync(sessions: sessionmaker[Session], *, limit_s: float = 300.0) -> float:
    """Seconds until every merged or copied link has been synced once (the daily cycle's catch-up at the
    clock's start runs every group)."""
    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        links = stored_links(sessions)
        if all(link.state == "linked" and link.perfectquote and link.benefitpoint
               for link in links if link.choice in ("merge", "copy")):
            break
        time.sleep(2)
    else:
        raise RuntimeError(f"the links were not all synced within {limit_s:.0f} s of the workers' start")
    return time.monotonic() - start


def wait_quiet(sessions: sessionmaker[Session], *, say: Callable[[str], None]) -> float:
    """Seconds until, for QUIET_S, every run succeeded and wrote nothing, and no run is unfinished and no
    work pending; SETTLE_LIMIT_S at most."""
    start = time.monotonic()
    while time.monotonic() - start < SETTLE_LIMIT_S:
        time.sleep(5)
        since = datetime.now(UTC) - timedelta(seconds=QUIET_S)
        quiet = time.monotonic() - start >= QUIET_S and not busy_runs(sessions, since=since)
        if quiet and not unfinished_runs(sessions) and not pending_work(sessions):
            return time.monotonic() - start
    say(f"still busy after {SETTLE_LIMIT_S:.0f} s")
    return time.monotonic() - start


def open_conflicts(env: dict[str, str]) -> list[dict[str, object]]:
    """`plansync conflicts --json`: the conflicts held for a person."""
    listed = plansync(["conflicts", "--json"], env=env)
    if listed.returncode != 0:
        raise RuntimeError(f"plansync conflicts failed: {listed.stderr.strip()}")
    found: list[dict[str, object]] = json.loads(listed.stdout)
    return found


def settle_conflicts(env: dict[str, str], *, say: Callable[[str], None]) -> int:
    """Every open conflict settled for PerfectQuote with `plansync settle`, then every group synced."""
    conflicts = open_conflicts(env)
    for conflict in conflicts:
        settled = plansync(["settle", str(conflict["conflict_id"]), "--side", "perfectquote"], env=env)
        if settled.returncode != 0:
            say(f"plansync settle {conflict['conflict_id']} failed: {settled.stderr.strip()}")
    if conflicts:
        synced = plansync(["sync", "--all"], env=env)
        if synced.returncode != 0:
            say(f"plansync sync --all failed: {synced.stderr.strip()}")
    return len(conflicts)
