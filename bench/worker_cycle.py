"""A feed cycle run by real `plansync worker` processes on Redis, the sandboxes in another process: wall time,
API calls and plansync's CPU, idle and with a share of the plans changed.

    .venv/bin/python bench/worker_cycle.py --groups 1000 --plans 10 --changed-percent 5
    .venv/bin/python bench/worker_cycle.py --groups 100 --changed-percent 5 --profile changed.prof

A: a cycle with nothing changed. B: `--changed-percent` of the plans renamed (half in each system, each on
a different link) through the sandbox stores, then one cycle. The cycle is the feed cycle message the
clock sends, taken by one of the workers, which enqueues the changed groups' syncs for both workers. It
is over when the cycle marked its slot done and both queues are empty. CPU is the worker processes'
(from /proc), so the sandboxes' own work is not in it. With `--in-process` (or `--profile`, under
cProfile), C: another batch of edits whose cycle runs in this process, one group after another.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

import httpx
from dramatiq import Actor

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cycle_profile import in_process, sampled
from bench.feed_cycle import chosen_links
from bench.prepared import NAMESPACE, Prepared, prepared
from bench.prime import prime_snapshots
from bench.stack import cpu_s, cpu_ticks, load, peak_rss_mb, postgres_roots, steal_percent, wait_for
from config.settings import load_settings
from reconciliation.records import Run
from reconciliation.storage import repository as repo
from worker.runtime.actors import SYNC_QUEUE, setup
from worker.runtime.cycle_actors import CYCLE_QUEUE

CALLS_PER_PLAN_BOUND = 4
CPU_PER_PLAN_BOUND_MS = 10.0
WALL_RATIO_BOUND = 1.5
IDLE_WINDOW_S = 5.0


@dataclass(slots=True, kw_only=True)
class Cycle:
    wall_s: float
    feed_s: float
    calls: Counter[str]
    cpu_s: float
    sandbox_cpu_s: float
    runs: Counter[str]
    updated: int
    steal_percent: float
    database_cpu_s: float
    timeline: Timeline | None


@dataclass(slots=True, kw_only=True)
class Timeline:
    """Where a cycle's wall went: before the first run, runs in flight on average, after the last."""

    first_start_s: float
    last_finish_s: float
    run_s: float
    runs: int

    @classmethod
    def of(cls, runs: list[Run], *, began: datetime) -> Timeline | None:
        ended = [run for run in runs if run.finished_at is not None]
        if not ended:
            return None
        return cls(first_start_s=min((run.started_at - began).total_seconds() for run in ended),
                   last_finish_s=max((run.finished_at - began).total_seconds() for run in ended),
                   run_s=sum((run.finished_at - run.started_at).total_seconds() for run in ended),
                   runs=len(ended))

    def line(self, *, wall_s: float, concurrency: int) -> str:
        span_s = self.last_finish_s - self.first_start_s
        in_flight = self.run_s / span_s if span_s > 0 else 0.0
        return (f"timeline: first run began at {self.first_start_s:.2f} s, last ended at "
                f"{self.last_finish_s:.2f} s (wall {wall_s:.2f} s); runs in flight {in_flight:.1f} of "
                f"{concurrency} on average; a run {1000 * self.run_s / self.runs:.0f} ms on average")


def queued(stack: Prepared) -> int:
    return sum(int(stack.redis.hlen(f"{NAMESPACE}:{queue}{suffix}.msgs"))
               for queue in (SYNC_QUEUE, CYCLE_QUEUE) for suffix in ("", ".DQ"))


def run_cycle(stack: Prepared, feed_cycle: Actor[[str], None], *, workers: list[int], slot: str,
              timeout_s: float) -> Cycle:
    """Send the feed cycle as the clock does; wait until its slot is done and nothing is queued."""
    calls, cpu, sandbox_cpu = stack.calls(), cpu_s(workers), cpu_s([stack.world["pid"]])
    ticks, database, database_cpu = cpu_ticks(), postgres_roots(), cpu_s(postgres_roots())
    began = datetime.now(UTC)
    started = time.perf_counter()
    feed_cycle.send(slot)
    wait_for(lambda: stack.redis.exists(f"{NAMESPACE}:cycle-done:feed:{slot}"), what="the feed cycle",
             timeout_s=timeout_s, every_s=0.02)
    feed_s = time.perf_counter() - started
    wait_for(lambda: queued(stack) == 0, what="the cycle's syncs", timeout_s=timeout_s, every_s=0.02)
    wall_s = time.perf_counter() - started
    used_s, sandbox_s = cpu_s(workers) - cpu, cpu_s([stack.world["pid"]]) - sandbox_cpu
    database_s, stolen = cpu_s(database) - database_cpu, steal_percent(ticks)
    counted = stack.calls() - calls
    with stack.context.sessions() as session:
        runs = [run for run in repo.recent_runs(session, limit=100_000) if run.started_at >= began]
    return Cycle(wall_s=wall_s, feed_s=feed_s, calls=counted, cpu_s=used_s, sandbox_cpu_s=sandbox_s,
                 runs=Counter(run.outcome.value for run in runs),
                 updated=sum(run.counts.updated for run in runs), steal_percent=stolen,
                 database_cpu_s=database_s, timeline=Timeline.of(runs, began=began))


def report(title: str, cycle: Cycle, *, changed: int, latency_ms: float, concurrency: int,
           workers: list[int], idle_cpu_rate: float) -> None:
    total = sum(cycle.calls.values())
    bound_s = total * latency_ms / 1000 / concurrency
    print(f"\n== {title} ({load()}; {cycle.steal_percent:.0f}% of the machine stolen by its host meanwhile)")
    print(f"wall: {cycle.wall_s:.2f} s (feed read and enqueue {cycle.feed_s:.2f} s); "
          f"runs {dict(cycle.runs)}, {cycle.updated} plans updated")
    ratio = f"{cycle.wall_s / bound_s:.2f} (bound {WALL_RATIO_BOUND:g})" if bound_s else "not meaningful"
    print(f"calls: {total}; latency bound {total} x {latency_ms:g} ms / {concurrency} = {bound_s:.2f} s; "
          f"wall / latency bound = {ratio}")
    if cycle.timeline is not None:
        print(cycle.timeline.line(wall_s=cycle.wall_s, concurrency=concurrency))
    if changed:
        print(f"calls per changed plan: {total / changed:.2f} (bound {CALLS_PER_PLAN_BOUND}, ratio "
              f"{total / changed / CALLS_PER_PLAN_BOUND:.2f})")
    idle_s = idle_cpu_rate * cycle.wall_s
    print(f"CPU of the {len(workers)} worker processes: {cycle.cpu_s:.2f} s (of it about {idle_s:.2f} s "
          f"their idle rate); the sandbox host's: {cycle.sandbox_cpu_s:.2f} s; PostgreSQL's: "
          f"{cycle.database_cpu_s:.2f} s")
    if changed:
        per_plan_ms = 1000 * cycle.cpu_s / changed
        print(f"plansync CPU per changed plan: {per_plan_ms:.1f} ms (bound {CPU_PER_PLAN_BOUND_MS:g} ms, "
              f"ratio {per_plan_ms / CPU_PER_PLAN_BOUND_MS:.2f}); without the idle rate "
              f"{1000 * (cycle.cpu_s - idle_s) / changed:.1f} ms")
    peaks = peak_rss_mb(workers)
    print("peak RSS of the worker processes: " + ", ".join(f"{mb:.0f} MB" for mb in sorted(peaks.values())))
    for name, count in sorted(cycle.calls.items()):
        print(f"  {name:<42} {count:>7}" + (f" ({count / changed:.2f} per changed plan)" if changed else ""))


def summarize(cycles: list[tuple[Cycle, int]], *, latency_ms: float, concurrency: int) -> None:
    """B's figures over its repeats: the median, then the range (the host's noise shows in it)."""
    per_plan = [1000 * cycle.cpu_s / changed for cycle, changed in cycles]
    ratios = [cycle.wall_s / (sum(cycle.calls.values()) * latency_ms / 1000 / concurrency)
              for cycle, _ in cycles]
    steal = [cycle.steal_percent for cycle, _ in cycles]
    print(f"\n== B over {len(cycles)} cycles: median (lowest - highest)")
    print(f"plansync CPU per changed plan: {median(per_plan):.1f} ms ({min(per_plan):.1f} - "
          f"{max(per_plan):.1f}); ratio to the bound {median(per_plan) / CPU_PER_PLAN_BOUND_MS:.2f}")
    print(f"wall / latency bound: {median(ratios):.2f} ({min(ratios):.2f} - {max(ratios):.2f}); ratio to the "
          f"bound {median(ratios) / WALL_RATIO_BOUND:.2f}")
    print(f"machine stolen by its host: {median(steal):.0f}% ({min(steal):.0f} - {max(steal):.0f})")


def edit(stack: Prepared, *, percent: float, seed: int) -> int:
    answer = httpx.post(f"{stack.world['control_url']}/edit-random",
                        json={"percent": percent, "seed": seed}, timeout=600)
    answer.raise_for_status()
    return sum(answer.json().values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--plans", type=int, default=10, help="plans per group, on each side")
    parser.add_argument("--workers", type=int, default=2, help="`plansync worker` commands, 1 process each")
    parser.add_argument("--threads", type=int, default=4, help="threads of each worker process")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="added to every sandbox request")
    parser.add_argument("--changed-percent", type=float, default=5.0)
    parser.add_argument("--timeout-s", type=float, default=3600.0, help="longest wait for one cycle")
    parser.add_argument("--in-process", action="store_true", dest="in_process",
                        help="C: another changed cycle in this process, one group at a time (CPU per plan)")
    parser.add_argument("--profile", type=Path, help="C under cProfile, into this file")
    parser.add_argument("--py-spy", type=Path, dest="spy",
                        help="py-spy the workers' CPU (GIL held) during B into this folder")
    parser.add_argument("--py-spy-idle", action="store_true", dest="spy_idle",
                        help="with --py-spy: every thread, waits included (where the wall goes)")
    parser.add_argument("--no-prime", action="store_true",
                        help="leave the links to change without the snapshots a first sync stores")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1,
                        help="B this many times, each with edits of its own; the median and range after")
    args = parser.parse_args()
    if min(args.groups, args.plans, args.workers, args.threads, args.repeat) < 1:
        parser.error("--groups, --plans, --workers, --threads and --repeat must be at least 1")
    shape = dict(latency_ms=args.latency_ms, concurrency=args.workers * args.threads)
    with tempfile.TemporaryDirectory() as folder, prepared(groups=args.groups, plans=args.plans,
                                                           latency_ms=args.latency_ms,
                                                           logs=Path(folder)) as stack:
        # B's edits take seeds seed, seed + 2, seed + 3, ...; C's seed + 1.
        b_seeds = [args.seed] + [args.seed + 1 + repeat for repeat in range(1, args.repeat)]
        to_change = [link for seed in b_seeds
                     for link in chosen_links(stack.world["links"], percent=args.changed_percent, seed=seed)]
        if args.in_process or args.profile:
            to_change += chosen_links(stack.world["links"], percent=args.changed_percent, seed=args.seed + 1)
        actors = setup(load_settings(stack.env))
        if not args.no_prime:
            primed_s = prime_snapshots(stack, actors, to_change, latency_ms=args.latency_ms)
            print(f"snapshots of the {len(to_change)} links to change primed by a sync in {primed_s:.1f} s",
                  flush=True)
        workers = stack.start_workers(args.workers, threads=args.threads)
        feed_cycle = actors.feed_cycle
        run_cycle(stack, feed_cycle, workers=workers, slot="warm-up", timeout_s=args.timeout_s)
        before = cpu_s(workers)
        time.sleep(IDLE_WINDOW_S)
        idle_rate = (cpu_s(workers) - before) / IDLE_WINDOW_S
        print(f"{args.workers} `plansync worker` (1 process, {args.threads} threads each) up; idle CPU "
              f"{1000 * idle_rate:.0f} ms/s", flush=True)
        report("A: no changes since the last cycle", run_cycle(stack, feed_cycle, workers=workers, slot="A",
                                                               timeout_s=args.timeout_s),
               changed=0, workers=workers, idle_cpu_rate=idle_rate, **shape)
        cycles: list[tuple[Cycle, int]] = []
        for number, seed in enumerate(b_seeds, start=1):
            changed = edit(stack, percent=args.changed_percent, seed=seed)
            with sampled(workers, out=args.spy, idle=args.spy_idle) if args.spy else nullcontext():
                cycle = run_cycle(stack, feed_cycle, workers=workers, slot=f"B{number}",
                                  timeout_s=args.timeout_s)
            which = f" ({number} of {args.repeat})" if args.repeat > 1 else ""
            report(f"B{which}: {args.changed_percent:g}% of the plans changed ({changed})", cycle,
                   changed=changed, workers=workers, idle_cpu_rate=idle_rate, **shape)
            cycles.append((cycle, changed))
        if args.repeat > 1:
            summarize(cycles, latency_ms=args.latency_ms, concurrency=shape["concurrency"])
        if args.in_process or args.profile:
            in_process(changed=edit(stack, percent=args.changed_percent, seed=args.seed + 1),
                       out=args.profile)


if __name__ == "__main__":
    main()
