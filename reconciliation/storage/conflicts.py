"""Stored conflicts: recorded by the sync, listed for review, settled by a person, then applied."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config.column_types import utcnow
from reconciliation.decisions import ConflictFound
from reconciliation.records import Conflict
from reconciliation.side import Side
from reconciliation.states import ConflictStatus
from reconciliation.storage.errors import ConflictNotOpen, RecordNotFound
from reconciliation.storage.groups import group_row
from reconciliation.storage.links import link_row
from reconciliation.storage.runs import run_row, stored_value
from reconciliation.storage.tables import ConflictRow, LinkRow


def _conflict_value(row: ConflictRow) -> Conflict:
    return Conflict(
        id=row.id,
        link_id=row.link_id,
        run_id=row.run_id,
        path=row.field_path,
        baseline=row.baseline_value,
        values={Side.PERFECTQUOTE: row.perfectquote_value, Side.BENEFITPOINT: row.benefitpoint_value},
        winner=None if row.winner is None else Side(row.winner),
        status=ConflictStatus(row.status),
        recorded_at=row.recorded_at,
        settled_side=None if row.settled_side is None else Side(row.settled_side),
        settled_at=row.settled_at,
    )


def record_conflict(session: Session, run_id: int, link_id: str, found: ConflictFound) -> Conflict:
    """A conflict decided by policy is `applied`; commit it with the link's next change.

    A held conflict already open on the same field is brought up to date, not repeated every hour;
    a settled one being written is returned as it is (`mark_settlements_applied` closes it).
    """
    link_id = link_row(session, link_id).id
    run_id = run_row(session, run_id).id
    row = None
    if found.winner is None:
        row = session.scalars(
            select(ConflictRow).where(ConflictRow.link_id == link_id, ConflictRow.field_path == found.path,
                                      ConflictRow.status == ConflictStatus.OPEN.value)
        ).first()
    else:
        # A person's settlement being written is that conflict, not a new one decided by policy.
        settled = session.scalars(
            select(ConflictRow).where(ConflictRow.link_id == link_id, ConflictRow.field_path == found.path,
                                      ConflictRow.status == ConflictStatus.SETTLED.value,
                                      ConflictRow.settled_side == found.winner.value)
        ).first()
        if settled is not None:
            return _conflict_value(settled)
    if row is None:
        row = ConflictRow(link_id=link_id, field_path=found.path)
        session.add(row)
    row.run_id = run_id
    row.baseline_value = stored_value(found.path, found.baseline)
    row.perfectquote_value = stored_value(found.path, found.values[Side.PERFECTQUOTE])
    row.benefitpoint_value = stored_value(found.path, found.values[Side.BENEFITPOINT])
    row.winner = None if found.winner is None else found.winner.value
    row.status = (ConflictStatus.OPEN if found.winner is None else ConflictStatus.APPLIED).value
    session.flush()
    return _conflict_value(row)


def _row(session: Session, conflict_id: int) -> ConflictRow:
    found = session.get(ConflictRow, conflict_id)
    if found is None:
        raise RecordNotFound(f"conflict {conflict_id} is not stored")
    return found


def get_conflict(session: Session, conflict_id: int) -> Conflict:
    return _conflict_value(_row(session, conflict_id))


def open_conflicts(session: Session, *, group_id: str | None = None) -> list[Conflict]:
    """Conflicts held for a person, oldest first; with `group_id`, that group's only."""
    query = select(ConflictRow).where(ConflictRow.status == ConflictStatus.OPEN.value)
    if group_id is not None:
        query = query.join(LinkRow, LinkRow.id == ConflictRow.link_id).where(
            LinkRow.group_connection_id == group_row(session, group_id).id
        )
    return [_conflict_value(row) for row in session.scalars(query.order_by(ConflictRow.recorded_at,
                                                                           ConflictRow.id))]


def conflicts_of_run(session: Session, run_id: int) -> list[Conflict]:
    """Every conflict a run recorded, whatever became of it since, in the order recorded."""
    query = select(ConflictRow).where(ConflictRow.run_id == run_id).order_by(ConflictRow.id)
    return [_conflict_value(row) for row in session.scalars(query)]


def settle_conflict(session: Session, conflict_id: int, side: Side) -> Conflict:
    """A person chose `side`'s value; the next sync of the link writes it."""
    row = _row(session, conflict_id)
    if row.status != ConflictStatus.OPEN.value:
        raise ConflictNotOpen(f"conflict {conflict_id} on {row.field_path} is {row.status}, not open")
    row.settled_side = Side(side).value
    row.settled_at = utcnow()
    row.status = ConflictStatus.SETTLED.value
    session.flush()
    return _conflict_value(row)


def settlements_for_link(session: Session, link_id: str) -> dict[str, Side]:
    """Field path -> the side a person chose, for settled conflicts not yet written."""
    query = select(ConflictRow).where(ConflictRow.link_id == link_row(session, link_id).id,
                                      ConflictRow.status == ConflictStatus.SETTLED.value)
    return {row.field_path: Side(row.settled_side) for row in session.scalars(query.order_by(ConflictRow.id))
            if row.settled_side is not None}


def mark_settlements_applied(session: Session, link_id: str, paths: Iterable[str]) -> int:
    """The settled values of `paths` were written; commit it with the link's baselines. Returns how many."""
    wanted = set(paths)
    query = select(ConflictRow).where(ConflictRow.link_id == link_row(session, link_id).id,
                                      ConflictRow.status == ConflictStatus.SETTLED.value)
    rows = [row for row in session.scalars(query) if row.field_path in wanted]
    for row in rows:
        row.status = ConflictStatus.APPLIED.value
    session.flush()
    return len(rows)


def open_conflict_count(session: Session) -> int:
    """Conflicts held for a person, across every group."""
    query = (select(func.count()).select_from(ConflictRow)
             .where(ConflictRow.status == ConflictStatus.OPEN.value))
    return session.scalar(query) or 0
