"""Stored runs and the change log: every run is a row, every field written is a row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.column_types import utcnow
from reconciliation.decisions import Write
from reconciliation.states import Direction, RunOutcome
from reconciliation.storage.errors import RecordNotFound, StorageError
from reconciliation.storage.groups import GroupRef, get_group
from reconciliation.storage.links import LinkRef, get_link
from reconciliation.storage.stored_values import stored_value
from reconciliation.storage.tables import ChangeLogEntry, SyncRun

RunRef = SyncRun | int


@dataclass(slots=True, kw_only=True)
class RunCounts:
    """What a run read and did; the group sync counts into one as it goes."""

    read: int = 0
    created: int = 0
    updated: int = 0
    conflicts: int = 0
    orphaned: int = 0
    errors: int = 0


def start_run(session: Session, *, trigger: str, group: GroupRef | None = None) -> SyncRun:
    """A run row in `running`, committed at once so a crashed run is still seen."""
    if not trigger.strip():
        raise ValueError("start run: the trigger is empty (expected hourly, daily, manual, dry_run, ...)")
    run = SyncRun(
        group_connection_id=None if group is None else get_group(session, group).id,
        trigger=trigger.strip(),
        outcome=RunOutcome.RUNNING.value,
    )
    if group is not None:
        _close_abandoned(session, run.group_connection_id)
    session.add(run)
    session.commit()
    return run


def _close_abandoned(session: Session, group_connection_id: int | None) -> None:
    """Runs of the group still `running` belong to a worker that died: one group runs once at a time."""
    for row in session.scalars(select(SyncRun).where(SyncRun.group_connection_id == group_connection_id,
                                                     SyncRun.outcome == RunOutcome.RUNNING.value)):
        row.outcome = RunOutcome.FAILED.value
        row.finished_at = utcnow()
        row.error = "abandoned: the process running it stopped before it finished"


def get_run(session: Session, run: RunRef) -> SyncRun:
    run_id = run.id if isinstance(run, SyncRun) else run
    found = session.get(SyncRun, run_id)
    if found is None:
        raise RecordNotFound(f"sync run {run_id} is not stored")
    return found


def finish_run(
    session: Session,
    run: RunRef,
    *,
    outcome: RunOutcome,
    counts: RunCounts | None = None,
    error: str | None = None,
    unreviewed: int | None = None,
) -> SyncRun:
    """Close the run with its outcome and counts; commits (with any change-log rows pending)."""
    row = get_run(session, run)
    outcome = RunOutcome(outcome)
    if outcome is RunOutcome.RUNNING:
        raise StorageError(f"sync run {row.id}: a finished run cannot be running")
    counts = counts or RunCounts()
    row.outcome = outcome.value
    row.finished_at = utcnow()
    row.error = error
    row.read_count = counts.read
    row.created_count = counts.created
    row.updated_count = counts.updated
    row.conflict_count = counts.conflicts
    row.orphaned_count = counts.orphaned
    row.error_count = counts.errors
    row.unreviewed_count = unreviewed
    session.commit()
    return row


def run_counts(run: SyncRun) -> RunCounts:
    return RunCounts(read=run.read_count, created=run.created_count, updated=run.updated_count,
                     conflicts=run.conflict_count, orphaned=run.orphaned_count, errors=run.error_count)


def last_unreviewed_count(session: Session, group: GroupRef) -> int | None:
    """From the group's latest run that listed the whole group: plans nobody has chosen for."""
    query = (select(SyncRun.unreviewed_count)
             .where(SyncRun.group_connection_id == get_group(session, group).id,
                    SyncRun.unreviewed_count.is_not(None))
             .order_by(SyncRun.id.desc()).limit(1))
    return session.scalars(query).first()


def recent_runs(session: Session, *, group: GroupRef | None = None, limit: int = 20) -> list[SyncRun]:
    """Newest first; with `group`, that group's runs only."""
    query = select(SyncRun).order_by(SyncRun.started_at.desc(), SyncRun.id.desc()).limit(limit)
    if group is not None:
        query = query.where(SyncRun.group_connection_id == get_group(session, group).id)
    return list(session.scalars(query))


def log_change(
    session: Session,
    run: RunRef,
    link: LinkRef,
    *,
    direction: Direction,
    path: str,
    before: Any,
    after: Any,
) -> ChangeLogEntry:
    """One field written; flushed, and committed with the link's baselines (`advance_baselines`)."""
    entry = ChangeLogEntry(
        run_id=get_run(session, run).id,
        link_id=get_link(session, link).id,
        direction=Direction(direction).value,
        field_path=path,
        before=stored_value(path, before),
        after=stored_value(path, after),
    )
    session.add(entry)
    session.flush()
    return entry


def log_write(session: Session, run: RunRef, link: LinkRef, write: Write) -> list[ChangeLogEntry]:
    """Every field of a confirmed write, in the direction of the side written."""
    direction = Direction.into(write.side)
    return [
        log_change(session, run, link, direction=direction, path=change.path, before=change.before,
                   after=change.after)
        for change in write.changes
    ]


def changes_for_run(session: Session, run: RunRef) -> list[ChangeLogEntry]:
    query = select(ChangeLogEntry).where(ChangeLogEntry.run_id == get_run(session, run).id)
    return list(session.scalars(query.order_by(ChangeLogEntry.id)))


def changes_for_link(session: Session, link: LinkRef) -> list[ChangeLogEntry]:
    query = select(ChangeLogEntry).where(ChangeLogEntry.link_id == get_link(session, link).id)
    return list(session.scalars(query.order_by(ChangeLogEntry.id)))
