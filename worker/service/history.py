"""What ops read of the past: a plan's fields value by value, the change log by page, and its pruning."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from config.logging import get_logger
from reconciliation.link_entry import format_plan_ref
from reconciliation.provenance import ValueStep, field_chains
from reconciliation.records import Link
from reconciliation.side import Side
from reconciliation.storage import history as stored
from reconciliation.storage import repository as repo
from worker.service.plan_choices import connected_group

log = get_logger(__name__)


class PlanNotLinked(ValueError):
    """The plan named is not one a link of the group holds (or held)."""


def find_link(session: Session, group_id: str, plan: str) -> Link:
    """A link of the group by its id, or by a plan it holds: `pq:ID`, `bp:ID` or the bare id."""
    connected_group(session, group_id)
    wanted = plan.strip()
    for link in repo.links_for_group(session, group_id):
        refs = {link.id} | {ref for side, plan_id in link.plan_ids.items() if plan_id
                            for ref in (plan_id, format_plan_ref(side, plan_id))}
        if wanted in refs:
            return link
    raise PlanNotLinked(f"plan {wanted!r} is not linked in group {group_id}: `plansync plans {group_id}` "
                        "lists its plans; an unlinked plan's history is found by its link id")


def _step(step: ValueStep) -> dict[str, Any]:
    data = asdict(step)
    for key in ("edited_in", "carried_to"):
        data[key] = None if data[key] is None else Side(data[key]).value
    for key in ("seen_at", "carried_at"):
        data[key] = None if data[key] is None else data[key].isoformat()
    return data


def field_history(*, sessions: sessionmaker[Session], group_id: str, plan: str,
                  field: str | None = None) -> dict[str, Any]:
    """Each synced field of the plan's link (or one): its values, where edited, which run carried each."""
    with sessions() as session:
        link = find_link(session, group_id, plan)
        changes = stored.link_changes(session, link.id, field=field)
        conflicts = stored.link_conflicts(session, link.id, field=field)
        runs = stored.runs_by_id(session, {c.run_id for c in changes} | {c.run_id for c in conflicts},
                                 group_id=group_id)
    chains = field_chains(changes, conflicts, runs)
    return {
        "group_id": group_id,
        "link_id": link.id,
        "plans": {side.value: plan_id for side, plan_id in link.plan_ids.items()},
        "state": link.state.value,
        "fields": {path: [_step(step) for step in steps] for path, steps in chains.items()},
    }


def change_rows(*, sessions: sessionmaker[Session], group_id: str, wanted: stored.ChangeFilter,
                page: int = 1, limit: int = 200) -> dict[str, Any]:
    """One page of the group's change log (page 1: the newest), oldest first within the page."""
    with sessions() as session:
        connected_group(session, group_id)
        found = stored.change_page(session, group_id, wanted, page=page, limit=limit)
    rows = [{"recorded_at": c.recorded_at.isoformat(), "link_id": c.link_id, "direction": c.direction.value,
             "field": c.path, "before": c.before, "after": c.after, "run_id": c.run_id, "applied": c.applied}
            for c in found.changes]
    return {"changes": rows, "total": found.total, "page": found.page, "pages": found.pages}


def prune_change_log(*, sessions: sessionmaker[Session], retention_days: int, now: datetime) -> int:
    """Drop the change-log rows of runs started more than `retention_days` before `now`, whole runs only."""
    if retention_days < 1:
        raise ValueError(f"change log retention of {retention_days} days: keep at least 1 day")
    cut_off, pruned = now - timedelta(days=retention_days), 0
    while True:
        with sessions.begin() as session:
            batch = stored.prune_changes(session, started_before=cut_off)
        if not batch:
            break
        pruned += batch
    log.info("changes.pruned", rows=pruned, started_before=cut_off.isoformat(), retention_days=retention_days)
    return pruned
