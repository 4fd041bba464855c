"""The one seam between the worker's actors and the sync and carrier code they run."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from config.logging import get_logger
from config.metrics import FEED_LAG
from connectors.ports import PlanSystem
from reconciliation.agency import DEFAULT_AGENCY_ID, Agency
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from reconciliation.storage import repository as repo
from worker.runtime.context import SyncContext
from worker.runtime.process_context import get_context, installed_context, process_contexts
from worker.service import accounts, group_sync, history, pending_work
from worker.service.carrier_jobs import run_carrier_cycle
from worker.service.run_fence import FenceSource

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
    # Per group, the message's plan refs as [side, plan id]: a list (empty for a nudge) makes the run
    # reconcile the group's pending plans only; a group absent from it is synced whole.
    plan_refs: dict[str, list[list[str]]] = field(default_factory=dict)
    # The feed cycle has nothing left to record: its pending work and watermarks are already committed.
    confirm: Callable[[], None] = field(default=lambda: None)


def plan_systems(context: SyncContext) -> Mapping[Side, PlanSystem]:
    return {Side.PERFECTQUOTE: context.perfectquote, Side.BENEFITPOINT: context.benefitpoint}


def sync_and_summarize(
    *, group_id: str, trigger: str, plan_refs: list[list[str]] | None = None,
    fence: FenceSource | None = None, agency_id: int = DEFAULT_AGENCY_ID,
) -> dict[str, Any]:
    """A worker's sync of one group with this process's context: the whole group, or for a nudge
    (`plan_refs` given, a feed's or the sweeper's) the group's pending plans as the database holds them.

    Returns the run's summary for the outcome record (its writes left out); a run that failed as a whole
    raises RunFailed, so that Dramatiq retries the message. `fence` issues the run's token under the
    group's lease; a superseded run's summary says so, and is not retried.
    """
    context = get_context(agency_id)
    # Plans a message names itself (enqueued by an earlier version) are reconciled too.
    named = None if plan_refs is None else [(Side(side), plan_id) for side, plan_id in plan_refs]
    try:
        report = group_sync.sync_group(
            sessions=context.sessions,
            systems=plan_systems(context),
            group_id=group_id,
            trigger=trigger,
            plan_refs=named,
            pending=plan_refs is not None,
            fence=fence,
        )
    except group_sync.NothingPending:
        log.info("worker.nudge.nothing_pending")
        return {"group_id": group_id, "trigger": trigger, "outcome": None, "pending": 0}
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


def feed_cycle(agency_id: int = DEFAULT_AGENCY_ID) -> CyclePlan:
    """Read both change feeds once; the plans whose change is news become pending work in the same
    transaction as the new watermarks; the groups to nudge.

    The BenefitPoint feed is read with an overlap, so most of what it names was named before: an entity
    at a version already named or already held (plansync's own write) costs nothing more.

    BenefitPoint entities whose answer was unreadable are kept and asked about again next cycle; the
    rest of the cycle goes on and the watermarks move.
    """
    context = get_context(agency_id)
    with context.sessions() as session:
        marks = {side: repo.get_watermark(session, side.value) for side in Side}
        retry = repo.unreadable_changes(session, Side.BENEFITPOINT)
    owners = partial(pending_work.entity_owners, context.sessions, Side.BENEFITPOINT)
    pages = {
        Side.PERFECTQUOTE: context.perfectquote.changes_since(marks[Side.PERFECTQUOTE]),
        Side.BENEFITPOINT: context.benefitpoint.changes_since(_with_overlap(marks[Side.BENEFITPOINT]),
                                                               retry=retry, owners=owners),
    }
    named, unreadable = pending_work.record_cycle(
        context.sessions, pages=pages, unreadable={Side.BENEFITPOINT: pages[Side.BENEFITPOINT].unreadable})
    record_feed_lag({side: page.watermark for side, page in pages.items()}, now=datetime.now(UTC))
    for change in unreadable:
        log.warning("sync.feeds.unreadable", side=change.side.value, entity_type=change.entity_type,
                    entity_id=change.entity_id, attempts=change.attempts, error=change.error,
                    first_seen_at=change.first_seen_at.isoformat() if change.first_seen_at else None)
    log.info(
        "sync.feeds.read",
        changed_groups=len(named),
        unreadable=len(unreadable),
        **{f"{side.value}_changes": len(page.changed) + len(page.deleted) for side, page in pages.items()},
    )
    # The messages are nudges: each run reads its group's pending plans from the database.
    return CyclePlan(group_ids=sorted(named), plan_refs={group_id: [] for group_id in named})


def record_feed_lag(watermarks: Mapping[Side, str], *, now: datetime) -> None:
    """plansync_feed_lag_seconds per system whose watermark is a time (BenefitPoint's; PerfectQuote's is
    an opaque cursor, so no lag is exported for it)."""
    for side, watermark in watermarks.items():
        try:
            moment = datetime.fromisoformat(watermark)
        except (TypeError, ValueError):
            continue
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        FEED_LAG.labels(system=side.value).set(max(0.0, (now - moment).total_seconds()))


def sweep_pending(agency_id: int = DEFAULT_AGENCY_ID, *, now: datetime | None = None) -> list[str]:
    """The groups whose pending work waited too long (its nudge lost) or whose failed links are due again."""
    return pending_work.nudge_due(get_context(agency_id).sessions, now=now)


def daily_full(agency_id: int = DEFAULT_AGENCY_ID) -> CyclePlan:
    """Every connected group, to catch anything a feed missed; the change log past its retention goes."""
    context = get_context(agency_id)
    history.prune_change_log(sessions=context.sessions, now=datetime.now(UTC),
                             retention_days=context.settings.change_log_retention_days)
    with context.sessions() as session:
        return CyclePlan(group_ids=[group.group_id for group in repo.list_groups(session)])


def refresh_accounts(agency_id: int = DEFAULT_AGENCY_ID) -> int:
    """Refresh the cached BenefitPoint account list; return how many accounts it now holds."""
    context = get_context(agency_id)
    return accounts.refresh_accounts(sessions=context.sessions, benefitpoint=context.benefitpoint)


def carrier_cycle(agency_id: int = DEFAULT_AGENCY_ID) -> dict[str, Any]:
    """Run the carrier-integration checks that are due; return their summary."""
    context = get_context(agency_id)
    return run_carrier_cycle(context.sessions, context.exchange, context.perfectquote, now=datetime.now(UTC))


def enabled_agencies() -> list[Agency]:
    """The agencies whose cycles run now (an installed context: its own agency)."""
    installed = installed_context()
    if installed is not None:
        return [installed.agency]
    return process_contexts().enabled()
