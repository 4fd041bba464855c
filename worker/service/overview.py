"""What ops look at: connected groups and their last runs, conflicts, orphans, the change log."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from reconciliation.side import Side
from reconciliation.storage import repository as repo
from reconciliation.storage.tables import Conflict, SyncRun
from worker.service.plan_choices import active_links, connected_group


def run_summary(run: SyncRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "run_id": run.id,
        "trigger": run.trigger,
        "outcome": run.outcome,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "counts": asdict(repo.run_counts(run)),
        "error": run.error,
    }


def conflict_summary(conflict: Conflict) -> dict[str, Any]:
    return {
        "conflict_id": conflict.id,
        "link_id": conflict.link_id,
        "field": conflict.field_path,
        "baseline": conflict.baseline_value,
        "perfectquote": conflict.perfectquote_value,
        "benefitpoint": conflict.benefitpoint_value,
        "winner": conflict.winner,
        "status": conflict.status,
        "recorded_at": conflict.recorded_at.isoformat(),
    }


def status(session: Session) -> dict[str, Any]:
    """Connected groups; each one's last run, open conflicts, orphaned and failing links."""
    groups = []
    for group in repo.list_groups(session):
        links = active_links(session, group)
        runs = repo.recent_runs(session, group=group, limit=1)
        groups.append(
            {
                "group_id": group.perfectquote_group_id,
                "group_name": group.perfectquote_group_name,
                "account_id": group.benefitpoint_account_id,
                "account_name": group.benefitpoint_account_name,
                "links": len(links),
                "last_run": run_summary(runs[0] if runs else None),
                "open_conflicts": len(repo.open_conflicts(session, group=group)),
                "orphaned": [link.id for link in links if link.state == repo.LinkState.ORPHANED.value],
                "errors": {
                    link.id: link.last_error for link in links if link.state == repo.LinkState.ERROR.value
                },
                "held": [link.id for link in links if link.state == repo.LinkState.HELD.value],
            "unreviewed": repo.last_unreviewed_count(session, group),
            }
        )
    return {"groups": groups}


def changes(session: Session, perfectquote_group_id: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """The change log of a group, newest last: when, link, direction, field, before -> after, run."""
    group = connected_group(session, perfectquote_group_id)
    rows = []
    for link in repo.links_for_group(session, group):
        for entry in repo.changes_for_link(session, link):
            rows.append(
                {
                    "recorded_at": entry.recorded_at.isoformat(),
                    "link_id": link.id,
                    "direction": entry.direction,
                    "field": entry.field_path,
                    "before": entry.before,
                    "after": entry.after,
                    "run_id": entry.run_id,
                }
            )
    rows.sort(key=lambda row: (row["recorded_at"], row["run_id"]))
    return rows[-limit:]


def conflicts(session: Session, perfectquote_group_id: str | None = None) -> list[dict[str, Any]]:
    group = connected_group(session, perfectquote_group_id) if perfectquote_group_id else None
    return [conflict_summary(c) for c in repo.open_conflicts(session, group=group)]


def settle(session: Session, conflict_id: int, side: Side) -> dict[str, Any]:
    """A person picks a side; the next sync of the link writes that value."""
    return conflict_summary(repo.settle_conflict(session, conflict_id, side))
