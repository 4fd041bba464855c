"""A changed cycle profiled: the real feed cycle and each named group's sync in this process, by CPU time."""

from __future__ import annotations

import cProfile
import pstats
import time
from pathlib import Path

from bench.cycle_runner import sync_nudged
from bench.stack import load
from worker.runtime import jobs


def profile(*, changed: int, out: Path) -> None:
    """The real feed cycle and each changed group's sync in this process, one after another, profiled."""
    # CPU time, not wall time: the waits on the sandboxes are not plansync's cost.
    profiler = cProfile.Profile(time.process_time)
    started = time.perf_counter()
    profiler.enable()
    plan = jobs.feed_cycle()
    for group_id in plan.group_ids:
        sync_nudged(group_id, plan.plan_refs.get(group_id))
    profiler.disable()
    wall_s = time.perf_counter() - started
    profiler.dump_stats(out)
    print(f"\n== C: {changed} plans changed, the cycle in this process under cProfile: "
          f"{len(plan.group_ids)} groups in {wall_s:.2f} s; profile in {out} ({load()})")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)
