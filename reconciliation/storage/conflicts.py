"""Stored conflicts: recorded by the sync, listed for review, settled by a person, then applied."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.column_types import utcnow
from reconciliation.decisions import ConflictFound
from reconciliation.side import Side
from reconciliation.states import ConflictStatus
from reconciliation.storage.errors import ConflictNotOpen, RecordNotFound
from reconciliation.storage.groups import GroupRef, get_group
from reconciliation.storage.links import LinkRef, get_link
from reconciliation.storage.runs import RunRef, get_run
from reconciliation.storage.stored_values import stored_value
from reconciliation.storage.tables import Conflict, PlanLink


def record_conflict(session: Session, run: RunRef, link: LinkRef, found: ConflictFound) -> Conflict:
    """Flushed, committed with the link's next change. A conflict decided by policy is `applied`.

    A held conflict already open on the same field is brought up to date, not repeated every hour;
    a settled one being written is returned as it is (`mark_settlements_applied` closes it).
    """
    link_id = get_link(session, link).id
    row = None
    if found.winner is None:
        row = session.scalars(
            select(Conflict).where(Conflict.link_id == link_id, Conflict.field_path == found.path,
                                   Conflict.status == ConflictStatus.OPEN.value)
        ).first()
    else:
        # A person's settlement being written is that conflict, not a new one decided by policy.
        settled = session.scalars(
            select(Conflict).where(Conflict.link_id == link_id, Conflict.field_path == found.path,
                                   Conflict.status == ConflictStatus.SETTLED.value,
                                   Conflict.settled_side == found.winner.value)
        ).first()
        if settled is not None:
            return settled
    if row is None:
        row = Conflict(link_id=link_id, field_path=found.path)
        session.add(row)
    row.run_id = get_run(session, run).id
    row.baseline_value = stored_value(found.path, found.baseline)
    row.perfectquote_value = stored_value(found.path, found.perfectquote)
    row.benefitpoint_value = stored_value(found.path, found.benefitpoint)
    row.winner = None if found.winner is None else found.winner.value
    row.status = (ConflictStatus.OPEN if found.winner is None else ConflictStatus.APPLIED).value
    session.flush()
    return row


def get_conflict(session: Session, conflict_id: int) -> Conflict:
    found = session.get(Conflict, conflict_id)
    if found is None:
        raise RecordNotFound(f"conflict {conflict_id} is not stored")
    return found


def open_conflicts(session: Session, *, group: GroupRef | None = None) -> list[Conflict]:
    """Conflicts held for a person, oldest first; with `group`, that group's only."""
    query = select(Conflict).where(Conflict.status == ConflictStatus.OPEN.value)
    if group is not None:
        group_id = get_group(session, group).id
        query = query.join(PlanLink, PlanLink.id == Conflict.link_id).where(
            PlanLink.group_connection_id == group_id
        )
    return list(session.scalars(query.order_by(Conflict.recorded_at, Conflict.id)))


def settle_conflict(session: Session, conflict_id: int, side: Side) -> Conflict:
    """A person chose `side`'s value; the next sync of the link writes it. Commits."""
    row = get_conflict(session, conflict_id)
    if row.status != ConflictStatus.OPEN.value:
        raise ConflictNotOpen(f"conflict {conflict_id} on {row.field_path} is {row.status}, not open")
    row.settled_side = Side(side).value
    row.settled_at = utcnow()
    row.status = ConflictStatus.SETTLED.value
    session.commit()
    return row


def settlements_for_link(session: Session, link: LinkRef) -> dict[str, Side]:
    """Field path -> the side a person chose, for settled conflicts not yet written."""
    query = select(Conflict).where(Conflict.link_id == get_link(session, link).id,
                                   Conflict.status == ConflictStatus.SETTLED.value)
    return {row.field_path: Side(row.settled_side) for row in session.scalars(query.order_by(Conflict.id))
            if row.settled_side is not None}


def mark_settlements_applied(session: Session, link: LinkRef, paths: Iterable[str]) -> int:
    """The settled values of `paths` were written; flushed with the link's baselines. Returns how many."""
    wanted = set(paths)
    query = select(Conflict).where(Conflict.link_id == get_link(session, link).id,
                                   Conflict.status == ConflictStatus.SETTLED.value)
    rows = [row for row in session.scalars(query) if row.field_path in wanted]
    for row in rows:
        row.status = ConflictStatus.APPLIED.value
    session.flush()
    return len(rows)
