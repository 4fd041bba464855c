"""What the ops console reads beyond the status: runs across groups, one run's writes, last successes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from reconciliation.records import Run
from reconciliation.states import RunOutcome
from reconciliation.storage import repository as repo
from worker.service.overview import conflict_summary, run_summary
from worker.service.plan_choices import connected_group

# How far back a group's last success is looked for; older than this reads as "none recently".
SUCCESS_LOOKBACK = 200


def _summary(run: Run) -> dict[str, Any]:
    return {**(run_summary(run) or {}), "group_id": run.group_id}


def recent_runs(
    *,
    sessions: sessionmaker[Session],
    outcome: RunOutcome | None = None,
    group_id: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Newest first, every group's (and the cycles') runs, or one group's; optionally of one outcome."""
    with sessions() as session:
        if group_id:
            connected_group(session, group_id)
        # A filter by outcome looks further back, so that it still fills the page.
        runs = repo.recent_runs(
            session, group_id=group_id or None, limit=limit if outcome is None else 20 * limit
        )
    return [_summary(run) for run in runs if outcome is None or run.outcome is outcome][:limit]


def run_detail(*, sessions: sessionmaker[Session], run_id: int) -> dict[str, Any]:
    """One run: its summary, every field it wrote (by link and direction) and the conflicts it found."""
    with sessions() as session:
        run = repo.get_run(session, run_id)
        changes = repo.changes_for_run(session, run_id)
        conflicts = repo.conflicts_of_run(session, run_id)
    return {
        **_summary(run),
        "unreviewed": run.unreviewed,
        "changes": [
            {
                "recorded_at": c.recorded_at.isoformat(),
                "link_id": c.link_id,
                "direction": c.direction.value,
                "field": c.path,
                "before": c.before,
                "after": c.after,
            }
            for c in changes
        ],
        "conflicts": [conflict_summary(c) for c in conflicts],
    }


def last_successes(*, sessions: sessionmaker[Session]) -> dict[str, str | None]:
    """Each connected group's last succeeded run's end (ISO), None when none is recent."""
    found: dict[str, str | None] = {}
    with sessions() as session:
        for group in repo.list_groups(session):
            runs = repo.recent_runs(session, group_id=group.group_id, limit=SUCCESS_LOOKBACK)
            success = next((run for run in runs if run.outcome is RunOutcome.SUCCEEDED), None)
            moment = None if success is None else success.finished_at or success.started_at
            found[group.group_id] = None if moment is None else moment.isoformat()
    return found


def group_settings(*, sessions: sessionmaker[Session], group_id: str) -> dict[str, Any]:
    """A connected group's two names and its conflict policy."""
    with sessions() as session:
        group = connected_group(session, group_id)
    return {
        "group_id": group.group_id,
        "group_name": group.group_name,
        "account_id": group.account_id,
        "account_name": group.account_name,
        "conflict_policy": group.conflict_policy.value,
    }
