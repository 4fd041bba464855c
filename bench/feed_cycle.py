"""Wall time and API calls of one feed cycle (no changes; 1% of plans changed) beside its lower bound.

    .venv/bin/python bench/feed_cycle.py --groups 50            # a quick run, seconds
    .venv/bin/python bench/feed_cycle.py --groups 1000 --plans 10 --concurrency 8
    .venv/bin/python bench/feed_cycle.py --database-url postgresql://postgres@127.0.0.1:5432/<db>
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.big_world import BigWorld, connect_world, seed_world
from bench.cycle_runner import CallCounter, CycleFigures, run_cycle
from config.logging import configure_logging
from config.migrate import upgrade_database
from config.settings import load_settings
from connectors.sandbox.launcher import start_sandboxes
from connectors.sandbox.perfectquote.validation import WRITABLE
from worker.runtime.context import build_context
from worker.runtime.process_context import get_context, set_context

# The world is seeded this long ago, then settled one cycle an hour, so that BenefitPoint's feed
# overlap (a few minutes) holds none of the setup when the measured cycles run.
SETUP_HOURS_AGO = 4
T = TypeVar("T")


def chosen_links(links: Sequence[T], *, percent: float, seed: int) -> list[T]:
    """The links `edit_plans` edits: the same for the same links, share and seed."""
    count = max(2, round(len(links) * percent / 100))
    return random.Random(seed).sample(list(links), min(count, len(links)))


def edit_plans(world: BigWorld, *, percent: float, seed: int) -> tuple[int, int]:
    """Rename `percent` of the plans, half in PerfectQuote and half in BenefitPoint, as a user would."""
    pq, bp = world.stores
    chosen = chosen_links(world.links, percent=percent, seed=seed)
    in_pq, in_bp = chosen[: len(chosen) // 2], chosen[len(chosen) // 2:]
    for link in in_pq:
        current = pq.plan(link.perfectquote_plan_id)
        body = {name: current[name] for name in WRITABLE if name in current}
        pq.replace_plan(link.perfectquote_plan_id, {**body, "name": f"{current['name']} (edited)"},
                        if_match=f'"{current["version"]}"')
    for link in in_bp:
        product = bp.products[int(link.benefitpoint_plan_id)]
        bp.put("Product", "productID", {**product, "name": f"{product['name']} (edited)"})
    return len(in_pq), len(in_bp)


def report(title: str, figures: CycleFigures, *, latency_ms: float, concurrency: int) -> None:
    bound_s = figures.bound_s(latency_ms=latency_ms, concurrency=concurrency)
    feed_calls = sum(figures.feed_calls.values())
    print(f"\n== {title}")
    print(f"feed read: {figures.feed_s:.2f} s, {feed_calls} calls (sequential bound "
          f"{feed_calls * latency_ms / 1000:.2f} s)")
    print(f"cycle: {figures.wall_s:.2f} s wall, {figures.groups} groups synced, {figures.updated} plans "
          f"updated, {figures.conflicts} conflicts, {figures.errors} errors, "
          f"outcomes {dict(figures.outcomes)}")
    print(f"calls: {figures.total_calls}; lower bound {figures.total_calls} x {latency_ms:g} ms / "
          f"{concurrency} = {bound_s:.2f} s; wall / bound = "
          f"{figures.wall_s / bound_s if bound_s else float('nan'):.2f}")
    schedule_s = figures.schedule_bound_s(latency_ms=latency_ms, concurrency=concurrency)
    print(f"schedule bound (feed calls in a row, then rounds of {concurrency} groups whose calls are "
          f"sequential): {schedule_s:.2f} s; wall / schedule bound = "
          f"{figures.wall_s / schedule_s if schedule_s else float('nan'):.2f}")
    print(f"CPU: {figures.cpu_s:.2f} s in this process, of which the sandboxes' server threads "
          f"{figures.sandbox_cpu_s:.2f} s; {1000 * figures.cpu_s / max(figures.total_calls, 1):.1f} ms CPU "
          "per call")
    for name, count in sorted(figures.calls.items()):
        per_group = f" ({count / figures.groups:.1f} per synced group)" if figures.groups else ""
        print(f"  {name:<42} {count:>7}{per_group}")


def settle(world: BigWorld, counter: CallCounter, *, concurrency: int) -> None:
    """Feed cycles an hour apart on BenefitPoint's clock: the first links all, the last finds nothing."""
    for hours_ago in range(SETUP_HOURS_AGO - 1, 0, -1):
        world.clock.shift = timedelta(hours=-hours_ago)
        figures = run_cycle(counter, concurrency=concurrency)
        print(f"settling cycle {hours_ago} h ago: {figures.groups} groups, {figures.updated} plans updated, "
              f"{figures.errors} errors, {figures.total_calls} calls, {figures.wall_s:.1f} s")
    if figures.groups or figures.errors:
        raise SystemExit("the world did not settle: the last settling cycle still found work")
    world.clock.shift = timedelta()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--plans", type=int, default=10, help="plans per group, on each side")
    parser.add_argument("--concurrency", type=int, default=8, help="sync threads (the worker pool)")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="added to every sandbox request")
    parser.add_argument("--changed-percent", type=float, default=1.0)
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if min(args.groups, args.plans, args.concurrency) < 1:
        parser.error("--groups, --plans and --concurrency must be at least 1")
    configure_logging(level="warning", stream=sys.stderr)
    with tempfile.TemporaryDirectory() as folder, start_sandboxes(rate_limit=False,
                                                                  latency_ms=args.latency_ms) as sandboxes:
        database_url = args.database_url or f"sqlite:///{folder}/bench.db"
        upgrade_database(database_url)
        set_context(build_context(load_settings({**sandboxes.environment(), "DATABASE_URL": database_url})))
        injectors = [app.state.faults for app in (sandboxes.perfectquote_app, sandboxes.benefitpoint_app)]
        for injector in injectors:
            injector.configure(latency_ms=0)
        started = time.perf_counter()
        world = seed_world(sandboxes, groups=args.groups, plans=args.plans,
                           shift=timedelta(hours=-SETUP_HOURS_AGO))
        connect_world(get_context().sessions, world)
        print(f"seeded {args.groups} groups x {args.plans} plans on both sides and linked them as merges "
              f"in {time.perf_counter() - started:.1f} s")
        counter = CallCounter(*world.stores)
        settle(world, counter, concurrency=args.concurrency)
        for injector in injectors:
            injector.configure(latency_ms=args.latency_ms)
        shape = dict(latency_ms=args.latency_ms, concurrency=args.concurrency)
        report("A: no changes since the last cycle", run_cycle(counter, concurrency=args.concurrency),
               **shape)
        in_pq, in_bp = edit_plans(world, percent=args.changed_percent, seed=args.seed)
        report(f"B: {args.changed_percent:g}% of plans changed ({in_pq} in PerfectQuote, {in_bp} in "
               "BenefitPoint)", run_cycle(counter, concurrency=args.concurrency), **shape)
        set_context(None)


if __name__ == "__main__":
    main()
