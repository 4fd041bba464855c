"""Durable pending work: what a feed cycle stores with its watermarks, what a run takes on and settles,
and which groups the sweeper finds overdue."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from config.column_types import utcnow
from reconciliation.link_entry import PlanRef
from reconciliation.pending import CLAIM_GRACE, PENDING_GRACE, UnreadableChange
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from reconciliation.storage import repository as repo
from worker.service.run_report import RunReport


def record_cycle(sessions: sessionmaker[Session], *, named: Mapping[str, Collection[PlanRef]],
                 watermarks: Mapping[Side, str], unreadable: Mapping[Side, Sequence[UnreadableChange]],
                 now: datetime | None = None) -> list[UnreadableChange]:
    """One transaction: the plans the feeds named (per group) become pending, the feed entities still
    unreadable are kept for the next cycle (the others forgotten), and the watermarks move.

    `unreadable` holds only the sides whose feed was asked again about every stored entity. Returns the
    entities kept, with their attempts.
    """
    now = now or utcnow()
    with sessions.begin() as session:
        repo.add_pending(session, named, due_at=now + PENDING_GRACE)
        kept = [change for side, still in unreadable.items()
                for change in repo.replace_unreadable(session, side, still, now=now)]
        for side, watermark in watermarks.items():
            repo.set_watermark(session, side.value, watermark)
    return kept


def unreadable_changes(sessions: sessionmaker[Session], side: Side) -> list[UnreadableChange]:
    with sessions() as session:
        return repo.unreadable_changes(session, side)


def pending_refs(sessions: sessionmaker[Session], group_id: str) -> list[PlanRef]:
    """The plans of the group waiting for a run, as (side, plan id)."""
    with sessions() as session:
        return [pending.ref for pending in repo.pending_for_group(session, group_id)]


def nudge_due(sessions: sessionmaker[Session], *, now: datetime | None = None) -> list[str]:
    """Groups whose pending work waited past its grace (its nudge lost) or is due for a retry; their
    pending work is due again after another grace, so a lost nudge is sent again, never piled up."""
    now = now or utcnow()
    with sessions.begin() as session:
        return repo.take_due_pending(session, now=now, due_again=now + PENDING_GRACE)


def claim(session: Session, *, group_id: str, run_id: int, scope: Collection[PlanRef] | None) -> None:
    """The run takes on the group's pending plans it will reconcile (flushed with its run row)."""
    repo.claim_pending(session, group_id, run_id=run_id, scope=scope, due_at=utcnow() + CLAIM_GRACE)


def settle(session: Session, *, group_id: str, run_id: int, report: RunReport) -> None:
    """At the run's end (flushed with it): the pending plans it took on are removed, except those of a
    link that failed, or all of them when the run did not get through (failed, aborted), which are kept
    with the error and retried with backoff."""
    failed: dict[PlanRef, str] = {}
    run_error = None
    if report.outcome not in (RunOutcome.SUCCEEDED, RunOutcome.PARTIAL):
        outcome = report.outcome.value if report.outcome else "unfinished"
        run_error = report.error or f"the run ended {outcome}"
    elif report.link_errors:
        for link in repo.links_for_group(session, group_id):
            if (error := report.link_errors.get(link.id)) is not None:
                failed.update({(side, plan_id): error for side in Side if (plan_id := link.plan_ids[side])})
    repo.settle_pending(session, run_id=run_id, failed=failed, run_error=run_error, now=utcnow())
