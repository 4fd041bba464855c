"""Stored runs and the change log: every run is a row, every field written is a row."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from config.column_types import utcnow
from reconciliation.decisions import Write
from reconciliation.plan_fields import field_to_json
from reconciliation.records import Change, Run, RunCounts
from reconciliation.states import Direction, RunOutcome
from reconciliation.storage.errors import FenceMoved, RecordNotFound, StorageError
from reconciliation.storage.groups import group_row, group_row_id
from reconciliation.storage.links import link_row
from reconciliation.storage.named_agency import agency_value, execute_named, names_agency, of_agency
from reconciliation.storage.tables import ChangeRow, GroupRow, RunRow


def stored_value(path: str, value: Any) -> Any:
    """A field value as the change log and conflicts store it: JSON, money as decimal strings.

    Canonical values (Decimal, date, Rates) become JSON; values already JSON stay as they are.
    """
    if value is None or isinstance(value, dict | list | bool | int | str):
        return value
    return field_to_json(path, value)


def _run_value(row: RunRow, group_id: str | None) -> Run:
    return Run(
        id=row.id,
        group_id=group_id,
        trigger=row.trigger,
        outcome=RunOutcome(row.outcome),
        started_at=row.started_at,
        finished_at=row.finished_at,
        counts=RunCounts(read=row.read_count, created=row.created_count, updated=row.updated_count,
                         conflicts=row.conflict_count, orphaned=row.orphaned_count, errors=row.error_count),
        unreviewed=row.unreviewed_count,
        error=row.error,
        fence_token=row.fence_token,
    )


def _value(session: Session, row: RunRow) -> Run:
    group = None if row.group_connection_id is None else session.get(GroupRow, row.group_connection_id)
    return _run_value(row, None if group is None else group.perfectquote_group_id)


# Built once on the tables, naming their agency, as a run's other statements (`named_agency`). Parameters
# of an UPDATE are named apart from its table's columns, which they would set.
_RUNS, _CHANGES = RunRow.__table__, ChangeRow.__table__
# What the database makes of a run's row; the rest of its value is what the statement was given.
_START = names_agency(insert(_RUNS).values(agency_id=agency_value())
                      .returning(_RUNS.c.id, _RUNS.c.started_at))
_FINISH = (
    update(_RUNS).where(_RUNS.c.id == bindparam("run_id"), of_agency(_RUNS))
    .values(**{column: bindparam(f"new_{column}") for column in (
        "outcome", "finished_at", "error", "read_count", "created_count", "updated_count", "conflict_count",
        "orphaned_count", "error_count", "unreviewed_count")})
    .returning(*_RUNS.c))
_GROUPS = GroupRow.__table__
# The run's end, only while its group still holds the run's token: the group's row is held (FOR SHARE)
# until the commit, and a registration already under way is waited for, then read as it committed.
_FINISH_FENCED = names_agency(_FINISH.where(exists(
    select(literal(1)).where(_GROUPS.c.id == _RUNS.c.group_connection_id,
                             _GROUPS.c.fence_token == bindparam("held_token"))
    .with_for_update(read=True))))
_FINISH = names_agency(_FINISH)
_CLOSE_ABANDONED = (
    update(_RUNS)
    .where(_RUNS.c.group_connection_id == bindparam("connection_id"),
           _RUNS.c.outcome == RunOutcome.RUNNING.value, of_agency(_RUNS))
    .values(outcome=RunOutcome.SUPERSEDED.value, finished_at=bindparam("abandoned_at"),
            error="abandoned: the process running it stopped before it finished; a newer run took over")
)
_CLOSE_ABANDONED_OLDER = names_agency(_CLOSE_ABANDONED.where(
    or_(_RUNS.c.fence_token.is_(None), _RUNS.c.fence_token < bindparam("newer_token"))))
_CLOSE_ABANDONED = names_agency(_CLOSE_ABANDONED)
_LOG = names_agency(insert(_CHANGES).values(agency_id=agency_value())
                    .returning(_CHANGES.c.id, sort_by_parameter_order=True))
# Each run's group id, by run id, as the session started it: its end needs no read of the group.
_RUN_GROUPS = "plansync.run_groups"


def start_run(session: Session, *, trigger: str, group_id: str | None = None,
              fence_token: int | None = None, running: bool = True) -> Run:
    """A run row in `running` (commit it at once, so a crashed run is still seen).

    With `fence_token` (the token the run registered), the group's runs still `running` under an older
    token (or none) are closed as superseded: their process died or stopped, and this run took over.
    `running` False: this transaction found none of the group's runs running (`hold_group`), nothing to close.
    """
    if not trigger.strip():
        raise ValueError("start run: the trigger is empty (expected feed, daily, manual, dry_run, ...)")
    connection_id = None if group_id is None else group_row_id(session, group_id)
    if connection_id is not None and running:
        _close_abandoned(session, connection_id, fence_token)
    run_id, started_at = execute_named(session, _START, {
        "group_connection_id": connection_id, "trigger": trigger.strip(), "outcome": RunOutcome.RUNNING.value,
        "fence_token": fence_token}).one()
    session.info.setdefault(_RUN_GROUPS, {})[run_id] = group_id
    return Run(id=run_id, group_id=group_id, trigger=trigger.strip(), outcome=RunOutcome.RUNNING,
               started_at=started_at, fence_token=fence_token)


def _close_abandoned(session: Session, group_connection_id: int, fence_token: int | None) -> None:
    """Older runs of the group still `running` belong to a worker that died or stopped: one group runs
    once at a time, and the fence makes sure they write nothing more. One UPDATE, no read first."""
    parameters: dict[str, object] = {"connection_id": group_connection_id, "abandoned_at": utcnow()}
    if fence_token is None:
        execute_named(session, _CLOSE_ABANDONED, parameters)
    else:
        execute_named(session, _CLOSE_ABANDONED_OLDER, {**parameters, "newer_token": fence_token})


def run_row(session: Session, run_id: int) -> RunRow:
    """The stored row of a run (storage only)."""
    found = session.get(RunRow, run_id)
    if found is None:
        raise RecordNotFound(f"sync run {run_id} is not stored")
    return found


def get_run(session: Session, run_id: int) -> Run:
    return _value(session, run_row(session, run_id))


def finish_run(
    session: Session,
    run_id: int,
    *,
    outcome: RunOutcome,
    counts: RunCounts | None = None,
    error: str | None = None,
    unreviewed: int | None = None,
    fence_token: int | None = None,
) -> Run:
    """Close the run with its outcome and counts: one UPDATE, no read first.

    With `fence_token`, only while the run's group holds that token, and the group's row is then held until
    the commit (a newer run's registration waits for it): FenceMoved when a newer run holds the group. It
    is the first lock the run's last transaction takes on the group, so call it before the statements
    that lock the group's pending plans, which a newer run claims right after registering.
    """
    outcome = RunOutcome(outcome)
    if outcome is RunOutcome.RUNNING:
        raise StorageError(f"sync run {run_id}: a finished run cannot be running")
    counts = counts or RunCounts()
    values = {"outcome": outcome.value, "finished_at": utcnow(), "error": error, "read_count": counts.read,
              "created_count": counts.created, "updated_count": counts.updated,
              "conflict_count": counts.conflicts, "orphaned_count": counts.orphaned,
              "error_count": counts.errors, "unreviewed_count": unreviewed}
    parameters = {"run_id": run_id, **{f"new_{column}": value for column, value in values.items()}}
    if fence_token is None:
        row = execute_named(session, _FINISH, parameters).one_or_none()
    else:
        row = execute_named(session, _FINISH_FENCED, {**parameters, "held_token": fence_token}).one_or_none()
        if row is None and session.get(RunRow, run_id) is not None:
            raise FenceMoved(f"sync run {run_id}: its group no longer holds fence token {fence_token}")
    if row is None:
        raise RecordNotFound(f"sync run {run_id} is not stored")
    known = session.info.get(_RUN_GROUPS, {})
    if row.id in known:
        return _run_value(row, known[row.id])
    group = None if row.group_connection_id is None else session.get(GroupRow, row.group_connection_id)
    return _run_value(row, None if group is None else group.perfectquote_group_id)


def last_unreviewed_count(session: Session, group_id: str) -> int | None:
    """From the group's latest run that listed the whole group: plans nobody has chosen for."""
    query = (select(RunRow.unreviewed_count)
             .where(RunRow.group_connection_id == group_row(session, group_id).id,
                    RunRow.unreviewed_count.is_not(None))
             .order_by(RunRow.id.desc()).limit(1))
    return session.scalars(query).first()


def recent_runs(session: Session, *, group_id: str | None = None, limit: int = 20) -> list[Run]:
    """Newest first; with `group_id`, that group's runs only."""
    query = (select(RunRow, GroupRow.perfectquote_group_id)
             .outerjoin(GroupRow, GroupRow.id == RunRow.group_connection_id)
             .order_by(RunRow.started_at.desc(), RunRow.id.desc()).limit(limit))
    if group_id is not None:
        query = query.where(RunRow.group_connection_id == group_row(session, group_id).id)
    return [_run_value(row, group) for row, group in session.execute(query)]


def _change_value(row: ChangeRow) -> Change:
    return Change(id=row.id, run_id=row.run_id, link_id=row.link_id, direction=Direction(row.direction),
                  path=row.field_path, before=row.before, after=row.after, recorded_at=row.recorded_at,
                  applied=row.applied is not False)


def log_change(
    session: Session,
    run_id: int,
    link_id: str,
    *,
    direction: Direction,
    path: str,
    before: Any,
    after: Any,
) -> Change:
    """One field written (commit it once the write it records is confirmed)."""
    row = ChangeRow(
        run_id=run_row(session, run_id).id,
        link_id=link_row(session, link_id).id,
        direction=Direction(direction).value,
        field_path=path,
        before=stored_value(path, before),
        after=stored_value(path, after),
    )
    session.add(row)
    session.flush()
    return _change_value(row)


def log_write(session: Session, run_id: int, link_id: str, write: Write) -> list[Change]:
    """Every field of a confirmed write, in the direction of the side written: one statement for all.

    The run and the link are those the caller's sync holds; their foreign keys refuse any other.
    """
    direction = Direction.into(write.side).value
    now = utcnow()
    rows = [{"run_id": run_id, "link_id": link_id, "direction": direction, "field_path": change.path,
             "before": stored_value(change.path, change.before),
             "after": stored_value(change.path, change.after), "applied": True, "recorded_at": now}
            for change in write.changes]
    if not rows:
        return []
    ids = execute_named(session, _LOG, rows).scalars()
    return [Change(id=change_id, run_id=run_id, link_id=link_id, direction=Direction(direction),
                   path=row["field_path"], before=row["before"], after=row["after"], recorded_at=now)
            for change_id, row in zip(ids, rows, strict=True)]


def changes_for_run(session: Session, run_id: int) -> list[Change]:
    query = select(ChangeRow).where(ChangeRow.run_id == run_row(session, run_id).id)
    return [_change_value(row) for row in session.scalars(query.order_by(ChangeRow.id))]


def changes_for_link(session: Session, link_id: str) -> list[Change]:
    query = select(ChangeRow).where(ChangeRow.link_id == link_row(session, link_id).id)
    return [_change_value(row) for row in session.scalars(query.order_by(ChangeRow.id))]


def mark_not_applied(session: Session, link_id: str, *, direction: Direction, paths: Collection[str]) -> int:
    """The newest change-log row of each of `paths` (the write just logged) was not taken by its system."""
    link_pk, marked = link_row(session, link_id).id, 0
    for path in paths:
        query = (select(ChangeRow)
                 .where(ChangeRow.link_id == link_pk, ChangeRow.direction == Direction(direction).value,
                        ChangeRow.field_path == path)
                 .order_by(ChangeRow.id.desc()).limit(1))
        row = session.scalars(query).first()
        if row is not None and row.applied is not False:
            row.applied = False
            marked += 1
    session.flush()
    return marked


def last_success_by_group(session: Session) -> dict[str, datetime]:
    """Each group's last succeeded run's end; a group that never succeeded: when it was connected."""
    query = (select(GroupRow.perfectquote_group_id, GroupRow.created_at, func.max(RunRow.finished_at))
             .outerjoin(RunRow, and_(RunRow.group_connection_id == GroupRow.id,
                                     RunRow.outcome == RunOutcome.SUCCEEDED.value))
             .group_by(GroupRow.perfectquote_group_id, GroupRow.created_at))
    return {group_id: succeeded_at or connected_at
            for group_id, connected_at, succeeded_at in session.execute(query).all()}
