"""Durable pending work: what a feed cycle stores with its watermarks, what a run takes on and settles,
and which groups the sweeper finds overdue."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from config.column_types import utcnow
from connectors.ports import ChangeFeedPage
from reconciliation.known_plans import EntityKey
from reconciliation.link_entry import PlanRef
from reconciliation.pending import CLAIM_GRACE, PENDING_GRACE, UnreadableChange
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from reconciliation.storage import repository as repo
from worker.service.run_report import RunReport


def record_cycle(sessions: sessionmaker[Session], *, pages: Mapping[Side, ChangeFeedPage],
                 unreadable: Mapping[Side, Sequence[UnreadableChange]],
                 now: datetime | None = None) -> tuple[dict[str, list[PlanRef]], list[UnreadableChange]]:
    """One transaction: the versions the feeds named are noted, the linked plans whose change is news
    become pending (per group), the feed entities still unreadable are kept for the next cycle (the
    others forgotten), and the watermarks move.

    A change is no news when its version was named before (the feed's overlap) or is the one plansync
    holds (its own write, a plan already read): it costs nothing more. `unreadable` holds only the sides
    whose feed was asked again about every stored entity. Returns the plans now pending per group, and
    the entities kept with their attempts.
    """
    now = now or utcnow()
    named: dict[str, list[PlanRef]] = {}
    with sessions.begin() as session:
        for side, page in pages.items():
            news = repo.note_named(session, side, page.entities)
            covered = {entity.plan_id for entity in page.entities}
            # A plan the page names without an entity of it (no versions given) is always news.
            plan_ids = [*(entity.plan_id for entity in news if entity.plan_id),
                        *(plan_id for _, plan_id in [*page.changed, *page.deleted] if plan_id not in covered)]
            for plan_id, group_id in repo.groups_by_plan(session, side=side, plan_ids=plan_ids).items():
                named.setdefault(group_id, []).append((side, plan_id))
        repo.add_pending(session, named, due_at=now + PENDING_GRACE)
        kept = [change for side, still in unreadable.items()
                for change in repo.replace_unreadable(session, side, still, now=now)]
        for side, page in pages.items():
            repo.set_watermark(session, side.value, page.watermark)
    return named, kept


def entity_owners(sessions: sessionmaker[Session], side: Side,
                  keys: Sequence[EntityKey]) -> dict[EntityKey, tuple[str | None, str | None]]:
    """The plan (and its group or account) of feed entities already known, so the feed need not ask."""
    with sessions() as session:
        return repo.entity_owners(session, side, keys)


def unreadable_changes(sessions: sessionmaker[Session], side: Side) -> list[UnreadableChange]:
    with sessions() as session:
        return repo.unreadable_changes(session, side)


def pending_in(session: Session, group_id: str) -> list[PlanRef]:
    """The plans of the group waiting for a run, as (side, plan id), in the caller's transaction (a run's
    first)."""
    return [pending.ref for pending in repo.pending_for_group(session, group_id)]


def nudge_due(sessions: sessionmaker[Session], *, now: datetime | None = None) -> list[str]:
    """Groups whose pending work waited past its grace (its nudge lost) or is due for a retry; their
    pending work is due again after another grace, so a lost nudge is sent again, never piled up."""
    now = now or utcnow()
    with sessions.begin() as session:
        return repo.take_due_pending(session, now=now, due_again=now + PENDING_GRACE)


def claim(session: Session, *, group_id: str, run_id: int,
          scope: Collection[PlanRef] | None) -> list[PlanRef]:
    """The run takes on the group's pending plans it will reconcile (flushed with its run row); returns
    those it took on."""
    claimed = repo.claim_pending(session, group_id, run_id=run_id, scope=scope, due_at=utcnow() + CLAIM_GRACE)
    return [plan.ref for plan in claimed]


def settle(session: Session, *, group_id: str, run_id: int, report: RunReport) -> None:
    """At the run's end (flushed with it): the pending plans it took on are removed, except those of a
    link that failed, or all of them when the run did not get through (failed, aborted), which are kept
    with the error and retried with backoff. A failed link none of whose plans is pending gets one
    pending plan, so it is retried even if no feed ever names it."""
    failed: dict[PlanRef, str] = {}
    retry: dict[PlanRef, str] = {}
    run_error = None
    if report.outcome not in (RunOutcome.SUCCEEDED, RunOutcome.PARTIAL):
        outcome = report.outcome.value if report.outcome else "unfinished"
        run_error = report.error or f"the run ended {outcome}"
    elif report.link_errors:
        pending = {plan.ref for plan in repo.pending_for_group(session, group_id)}
        for link in repo.links_for_group(session, group_id):
            if (error := report.link_errors.get(link.id)) is None:
                continue
            refs = [(side, plan_id) for side in Side if (plan_id := link.plan_ids[side])]
            failed.update(dict.fromkeys(refs, error))
            if refs and not pending.intersection(refs):
                retry[refs[0]] = error
    repo.settle_pending(session, group_id=group_id, run_id=run_id, failed=failed, run_error=run_error,
                        now=utcnow(), retry=retry)
