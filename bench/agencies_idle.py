"""An idle feed cycle for many agencies at once: calls per agency, wall time and plansync's peak memory.

Every agency is stored (credentials encrypted), has `--groups` groups connected and its feeds read up to
now; the sandboxes (one set, shared by every agency, seeded with `--groups` employers) run in their own
process with `--latency-ms` on each call. The cycle is what the clock's message becomes: one feed cycle
per enabled agency, run on `--threads` threads as the worker's threads would run them. The first cycle
builds each agency's connectors and logs in to BenefitPoint; the second is the steady state.

    .venv/bin/python bench/agencies_idle.py --agencies 10 --groups 100
    .venv/bin/python bench/agencies_idle.py --agencies 100 --groups 100
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.big_world import FIRST_ACCOUNT_ID
from bench.stack import load, own_database, peak_rss_mb, running, sandbox_host
from config.db import make_engine, make_session_factory
from config.migrate import upgrade_database
from config.secrets import new_key
from reconciliation.agency_input import AgencyChanges
from reconciliation.storage import repository as repo
from reconciliation.storage.agency_scope import sessions_for
from worker.runtime import jobs
from worker.service import agencies

BOUND_CALLS_PER_AGENCY = 2


def calls(world: dict[str, object]) -> int:
    counted: Counter[str] = Counter()
    for system in ("perfectquote", "benefitpoint"):
        answer = httpx.get(f"{world[f'{system}_admin_url']}/_sandbox/calls", timeout=30)
        answer.raise_for_status()
        counted.update(answer.json()["calls"])
    return sum(counted.values())


def store_agencies(database_url: str, world: dict[str, object], *, count: int, groups: int) -> None:
    """`count` agencies on the sandboxes, each with `groups` groups and its feeds read up to now."""
    environment: dict[str, str] = world["environment"]  # type: ignore[assignment]
    watermarks: dict[str, str] = world["watermarks"]  # type: ignore[assignment]
    links: list[dict[str, str]] = world["links"]  # type: ignore[assignment]
    group_ids = sorted({link["group_id"] for link in links})[:groups]
    employers = [(group_id, str(FIRST_ACCOUNT_ID + int(group_id.removeprefix("grp_b"))))
                 for group_id in group_ids]
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    for number in range(count):
        added = agencies.add(sessions, name=f"agency-{number:03d}", changes=AgencyChanges(
            perfectquote_url=environment["PERFECTQUOTE_URL"],
            perfectquote_token=environment["PERFECTQUOTE_TOKEN"],
            benefitpoint_url=environment["BENEFITPOINT_URL"],
            benefitpoint_username=environment["BENEFITPOINT_USERNAME"],
            benefitpoint_password=environment["BENEFITPOINT_PASSWORD"], benefitpoint_link_field_id=9001,
            carrier_exchange_url=environment["CARRIER_EXCHANGE_URL"],
            carrier_exchange_api_key=environment["CARRIER_EXCHANGE_API_KEY"]))
        assert added.id is not None
        with sessions_for(sessions, added.id).begin() as session:
            for group_id, account_id in employers:
                repo.connect_group(session, group_id=group_id, group_name=group_id, account_id=account_id,
                                   account_name=account_id)
            for system, watermark in watermarks.items():
                repo.set_watermark(session, system, watermark)
    engine.dispose()


def cycle(threads: int) -> tuple[float, int]:
    """One feed cycle of every enabled agency, as the fan-out sends them; (wall s, groups nudged)."""
    started = time.perf_counter()
    enabled = jobs.enabled_agencies()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        plans = list(pool.map(lambda agency: jobs.feed_cycle(agency.id), enabled))
    return time.perf_counter() - started, sum(len(plan.group_ids) for plan in plans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=10)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--threads", type=int, default=8, help="cycles at once (2 workers x 4 threads)")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as logs, running(Path(logs)) as processes, own_database() as url:
        world = sandbox_host(processes, groups=args.groups, plans=1, latency_ms=args.latency_ms)
        upgrade_database(url)
        os.environ.update({"DATABASE_URL": url, "PLANSYNC_SECRET_KEY": new_key(), "LOG_LEVEL": "warning"})
        from config.logging import configure_logging
        configure_logging(level="warning")
        started = time.perf_counter()
        store_agencies(url, world, count=args.agencies, groups=args.groups)
        stored_s = time.perf_counter() - started
        print(f"{args.agencies} agencies x {args.groups} groups stored in {stored_s:.1f} s ({load()})")
        for label in ("first (connectors built, logins)", "idle (steady state)", "idle again"):
            before = calls(world)
            wall_s, nudged = cycle(args.threads)
            made = calls(world) - before
            per_agency = made / args.agencies
            rss = peak_rss_mb([os.getpid()])[os.getpid()]
            print(f"{label}: wall {wall_s:.2f} s, {made} calls ({per_agency:.2f} per agency, bound "
                  f"{BOUND_CALLS_PER_AGENCY}: {per_agency / BOUND_CALLS_PER_AGENCY:.2f}x), {nudged} groups "
                  f"nudged, plansync peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
