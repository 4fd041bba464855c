"""What ops look at: connected groups and their last runs, conflicts, orphans, the change log."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from reconciliation.records import Conflict, Run
from reconciliation.side import Side
from reconciliation.states import LinkState
from reconciliation.storage import repository as repo
from worker.service.plan_choices import active_links, connected_group


def run_summary(run: Run | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "run_id": run.id,
        "trigger": run.trigger,
        "outcome": run.outcome.value,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "counts": asdict(run.counts),
        "error": run.error,
    }


def conflict_summary(conflict: Conflict) -> dict[str, Any]:
    return {
        "conflict_id": conflict.id,
        "link_id": conflict.link_id,
        "field": conflict.path,
        "baseline": conflict.baseline,
        "perfectquote": conflict.values[Side.PERFECTQUOTE],
        "benefitpoint": conflict.values[Side.BENEFITPOINT],
        "winner": None if conflict.winner is None else conflict.winner.value,
        "status": conflict.status.value,
        "recorded_at": conflict.recorded_at.isoformat(),
    }


def status(*, sessions: sessionmaker[Session]) -> dict[str, Any]:
    """Connected groups; each one's last run, open conflicts, orphaned, failing and partly written links."""
    groups = []
    with sessions() as session:
        for group in repo.list_groups(session):
            links = active_links(session, group.group_id)
            runs = repo.recent_runs(session, group_id=group.group_id, limit=1)
            groups.append(
                {
                    "group_id": group.group_id,
                    "group_name": group.group_name,
                    "account_id": group.account_id,
                    "account_name": group.account_name,
                    "links": len(links),
                    "last_run": run_summary(runs[0] if runs else None),
                    "open_conflicts": len(repo.open_conflicts(session, group_id=group.group_id)),
                    "orphaned": [link.id for link in links if link.state is LinkState.ORPHANED],
                    "errors": {link.id: link.last_error for link in links if link.state is LinkState.ERROR},
                    "held": [link.id for link in links if link.state is LinkState.HELD],
                    # Linked, but a system did not take a field written to it (it still holds its old value).
                    "not_taken": {link.id: link.not_taken for link in links if link.not_taken},
                    "unreviewed": repo.last_unreviewed_count(session, group.group_id),
                }
            )
    return {"groups": groups}


def changes(*, sessions: sessionmaker[Session], group_id: str, limit: int = 200) -> list[dict[str, Any]]:
    """The change log of a group, newest last: when, link, direction, field, before -> after, run."""
    rows = []
    with sessions() as session:
        connected_group(session, group_id)
        for link in repo.links_for_group(session, group_id):
            for change in repo.changes_for_link(session, link.id):
                rows.append(
                    {
                        "recorded_at": change.recorded_at.isoformat(),
                        "link_id": link.id,
                        "direction": change.direction.value,
                        "field": change.path,
                        "before": change.before,
                        "after": change.after,
                        "run_id": change.run_id,
                        "applied": change.applied,
                    }
                )
    rows.sort(key=lambda row: (row["recorded_at"], row["run_id"]))
    return rows[-limit:]


def conflicts(*, sessions: sessionmaker[Session], group_id: str | None = None) -> list[dict[str, Any]]:
    with sessions() as session:
        if group_id:
            connected_group(session, group_id)
        return [conflict_summary(c) for c in repo.open_conflicts(session, group_id=group_id or None)]


def settle(*, sessions: sessionmaker[Session], conflict_id: int, side: Side) -> dict[str, Any]:
    """A person picks a side; the next sync of the link writes that value."""
    with sessions.begin() as session:
        return conflict_summary(repo.settle_conflict(session, conflict_id, side))
