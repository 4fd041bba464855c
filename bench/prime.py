"""The plan snapshots a first sync stores, for the links a bench is about to change."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import httpx

from bench.prepared import Prepared
from bench.seed_links import analyze
from reconciliation.link_entry import PlanRef
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from worker.runtime import jobs
from worker.runtime.actors import Actors
from worker.runtime.group_run import run_group
from worker.service import group_sync
from worker.service.run_fence import FenceSource
from worker.service.run_report import RunReport


def _set_latency(stack: Prepared, latency_ms: float) -> None:
    for system in ("perfectquote", "benefitpoint"):
        httpx.put(f"{stack.world[f'{system}_admin_url']}/_sandbox/faults", json={"latency_ms": latency_ms},
                  timeout=30).raise_for_status()


def _sync(stack: Prepared, actors: Actors, group_id: str, refs: list[PlanRef]) -> None:
    context = stack.context

    def run(fence: FenceSource) -> RunReport:
        return group_sync.sync_group(sessions=context.sessions, systems=jobs.plan_systems(context),
                                     group_id=group_id, trigger="manual", plan_refs=refs, fence=fence)

    # Under the group's lease, as a worker's run (or `plansync sync --here`): the group's fence counter in
    # Redis is left where a first sync leaves it, ahead of the database's token.
    report = run_group(actors.runs, actors.sync_group, run, group_id=group_id, trigger="manual",
                       timing=actors.timing)
    if report.outcome is not RunOutcome.SUCCEEDED or report.counts.updated or report.counts.errors:
        raise SystemExit(f"priming {group_id} changed something: {report.as_dict()}")


def prime_snapshots(stack: Prepared, actors: Actors, links: Sequence[Mapping[str, str]], *, latency_ms: float,
                    threads: int = 8) -> float:
    """Sync these links once (they are settled: nothing is written) with no added latency, so that each
    has the snapshot a first sync leaves; the seconds it took. `actors`: the workers' (their runs' Redis)."""
    by_group: dict[str, list[PlanRef]] = {}
    for link in links:
        by_group.setdefault(link["group_id"], []).extend([(Side.PERFECTQUOTE, link["perfectquote_plan_id"]),
                                                          (Side.BENEFITPOINT, link["benefitpoint_plan_id"])])
    started = time.perf_counter()
    _set_latency(stack, 0)
    try:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(lambda item: _sync(stack, actors, *item), by_group.items()))
    finally:
        _set_latency(stack, latency_ms)
    analyze(stack.context.sessions.kw["bind"])
    return time.perf_counter() - started
