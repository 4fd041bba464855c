"""One feed cycle as the worker runs it: read the feeds (pending work and watermarks stored), sync the
changed groups on N threads."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from connectors.sandbox.benefitpoint.store import Store
from connectors.sandbox.perfectquote.store import PerfectQuoteStore
from reconciliation.states import RunOutcome
from worker.runtime import jobs
from worker.runtime.process_context import get_context
from worker.service import group_sync
from worker.service.run_report import RunReport


@dataclass(frozen=True, slots=True)
class CallCounter:
    """API calls as the sandboxes counted them, keyed 'system operation'."""

    perfectquote: PerfectQuoteStore
    benefitpoint: Store

    def snapshot(self) -> Counter[str]:
        with self.benefitpoint.lock:
            soap = Counter({f"benefitpoint {name}": count for name, count in self.benefitpoint.calls.items()})
        rest = Counter({f"perfectquote {name}": count for name, count in self.perfectquote.calls.items()})
        return rest + soap


def sandbox_cpu_s() -> float:
    """CPU time of the sandbox server threads: in process, they share the interpreter with plansync."""
    return sum(time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
               for thread in threading.enumerate()
               if thread.name.startswith("sandbox:") and thread.ident is not None)


@dataclass(slots=True, kw_only=True)
class CycleFigures:
    feed_s: float
    wall_s: float
    groups: int
    feed_calls: Counter[str]
    calls: Counter[str]
    cpu_s: float
    sandbox_cpu_s: float
    outcomes: Counter[str] = field(default_factory=Counter)
    updated: int = 0
    conflicts: int = 0
    errors: int = 0

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def bound_s(self, *, latency_ms: float, concurrency: int) -> float:
        """The lower bound if every call paid the latency and the pool were always full."""
        return self.total_calls * latency_ms / 1000 / concurrency

    def schedule_bound_s(self, *, latency_ms: float, concurrency: int) -> float:
        """Feed calls one after another, then rounds of `concurrency` groups whose calls are sequential."""
        feed_calls = sum(self.feed_calls.values())
        if not self.groups:
            return feed_calls * latency_ms / 1000
        per_group = (self.total_calls - feed_calls) / self.groups
        rounds = -(-self.groups // concurrency)
        return (feed_calls + rounds * per_group) * latency_ms / 1000


def sync_nudged(group_id: str, plan_refs: list[list[str]] | None) -> RunReport:
    """As the sync_group actor runs a cycle's nudge: only the links to the group's pending plans."""
    context = get_context()
    return group_sync.sync_group(sessions=context.sessions, systems=jobs.plan_systems(context),
                                 group_id=group_id, trigger="feed", pending=plan_refs is not None)


def run_cycle(counter: CallCounter, *, concurrency: int) -> CycleFigures:
    """The real `feed_cycle()` (its pending work and watermarks committed), then the real `sync_group`
    per changed group."""
    before = counter.snapshot()
    cpu_before, sandbox_before = time.process_time(), sandbox_cpu_s()
    started = time.perf_counter()
    plan = jobs.feed_cycle()
    feed_s = time.perf_counter() - started
    after_feed = counter.snapshot()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        reports = list(pool.map(sync_nudged, plan.group_ids, [plan.plan_refs.get(g) for g in plan.group_ids]))
    plan.confirm()
    wall_s = time.perf_counter() - started
    figures = CycleFigures(
        feed_s=feed_s, wall_s=wall_s, groups=len(plan.group_ids), feed_calls=after_feed - before,
        calls=counter.snapshot() - before, cpu_s=time.process_time() - cpu_before,
        sandbox_cpu_s=sandbox_cpu_s() - sandbox_before,
    )
    for report in reports:
        figures.outcomes[report.outcome.value] += 1
        figures.updated += report.counts.updated
        figures.conflicts += report.counts.conflicts
        figures.errors += report.counts.errors
    if any(report.outcome is RunOutcome.FAILED for report in reports):
        failed = next(report for report in reports if report.outcome is RunOutcome.FAILED)
        raise RuntimeError(f"group {failed.group_id} failed: {failed.error}")
    return figures
