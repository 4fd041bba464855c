"""The one seam between the worker's actors and the sync and carrier code they run."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from config.logging import get_logger
from connectors.ports import PlanSystem
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from reconciliation.storage import repository as repo
from worker.runtime.context import SyncContext, get_context
from worker.service import accounts, group_sync
from worker.service.carrier_jobs import run_carrier_cycle

# BenefitPoint's watermark is a timestamp: reading a little before it costs a few re-synced
# groups (cheap when nothing changed) and never misses a change committed around the boundary.
FEED_OVERLAP_S = 300
log = get_logger(__name__)


class RunFailed(RuntimeError):
    """A group's run failed as a whole (a system unreachable after retries): let Dramatiq retry it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CyclePlan:
    """The groups a cycle enqueues, and what to record once they are safely enqueued."""

    group_ids: list[str]
    # Per group, the plans the feeds named, as [side, plan id] (a message argument); none: the whole group.
    plan_refs: dict[str, list[list[str]]] = field(default_factory=dict)
    confirm: Callable[[], None] = field(default=lambda: None)


def plan_systems(context: SyncContext) -> Mapping[Side, PlanSystem]:
    return {Side.PERFECTQUOTE: context.perfectquote, Side.BENEFITPOINT: context.benefitpoint}


def sync_and_summarize(
    *, group_id: str, trigger: str, plan_refs: list[list[str]] | None = None
) -> dict[str, Any]:
    """A worker's sync of one group with this process's context (only the links to `plan_refs` when given).

    Returns the run's summary for the outcome record (its writes left out); a run that failed as a whole
    raises RunFailed, so that Dramatiq retries the message.
    """
    context = get_context()
    report = group_sync.sync_group(
        sessions=context.sessions,
        systems=plan_systems(context),
        group_id=group_id,
        trigger=trigger,
        plan_refs=None if plan_refs is None else [(Side(side), plan_id) for side, plan_id in plan_refs],
    )
    if report.outcome is RunOutcome.FAILED:
        raise RunFailed(f"group {group_id}: {report.error}")
    summary = report.as_dict()
    summary.pop("writes")
    return summary


def _with_overlap(watermark: str | None) -> str | None:
    if watermark is None:
        return None
    try:
        moment = datetime.fromisoformat(watermark)
    except ValueError:
        return watermark
    return (moment - timedelta(seconds=FEED_OVERLAP_S)).isoformat(timespec="milliseconds")


def hourly_cycle() -> CyclePlan:
    """Read both change feeds once; the groups whose linked plans changed, and the new watermarks."""
    context = get_context()
    with context.sessions() as session:
        marks = {side: repo.get_watermark(session, side.value) for side in Side}
    pages = {
        Side.PERFECTQUOTE: context.perfectquote.changes_since(marks[Side.PERFECTQUOTE]),
        Side.BENEFITPOINT: context.benefitpoint.changes_since(_with_overlap(marks[Side.BENEFITPOINT])),
    }
    plan_refs: dict[str, list[list[str]]] = {}
    with context.sessions() as session:
        for side, page in pages.items():
            plan_ids = [plan_id for _, plan_id in [*page.changed, *page.deleted]]
            for plan_id, group_id in repo.groups_by_plan(session, side=side, plan_ids=plan_ids).items():
                refs = plan_refs.setdefault(group_id, [])
                if [side.value, plan_id] not in refs:
                    refs.append([side.value, plan_id])
    log.info(
        "sync.feeds.read",
        changed_groups=len(plan_refs),
        **{f"{side.value}_changes": len(page.changed) + len(page.deleted) for side, page in pages.items()},
    )

    def confirm() -> None:
        with context.sessions.begin() as session:
            for side, page in pages.items():
                repo.set_watermark(session, side.value, page.watermark)

    return CyclePlan(group_ids=sorted(plan_refs), plan_refs=plan_refs, confirm=confirm)


def daily_full() -> CyclePlan:
    """Every connected group, to catch anything a feed missed."""
    with get_context().sessions() as session:
        return CyclePlan(group_ids=[group.group_id for group in repo.list_groups(session)])


def refresh_accounts() -> int:
    """Refresh the cached BenefitPoint account list; return how many accounts it now holds."""
    context = get_context()
    return accounts.refresh_accounts(sessions=context.sessions, benefitpoint=context.benefitpoint)


def carrier_cycle() -> dict[str, Any]:
    """Run the carrier-integration checks that are due; return their summary."""
    context = get_context()
    return run_carrier_cycle(context.sessions, context.exchange, context.perfectquote, now=datetime.now(UTC))
