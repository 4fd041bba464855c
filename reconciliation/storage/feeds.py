"""Change-feed state: watermarks per system, the plans the feeds named until a run reconciles them
(pending work), and feed entities that could not be read."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

from sqlalchemy import and_, bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from reconciliation.link_entry import PlanRef
from reconciliation.pending import PendingPlan, UnreadableChange, retry_due
from reconciliation.side import Side
from reconciliation.storage.agency_scope import agency_of
from reconciliation.storage.groups import GROUP_ROW_ID, chunks, group_row_id
from reconciliation.storage.named_agency import execute_named, names_agency, of_agency
from reconciliation.storage.tables import GroupRow, PendingPlanRow, UnreadableChangeRow, WatermarkRow
from reconciliation.storage.upsert import upsert


def get_watermark(session: Session, system: str) -> str | None:
    """The server's watermark from the last successful cycle; None before the first."""
    row = session.get(WatermarkRow, (agency_of(session), str(system)))
    return None if row is None else row.watermark


def set_watermark(session: Session, system: str, watermark: str) -> None:
    """Store the watermark a successful cycle read to."""
    if not watermark.strip():
        raise ValueError(f"watermark for {system}: empty; keep the previous one instead")
    row = session.get(WatermarkRow, (agency_of(session), str(system))) or WatermarkRow(system=str(system))
    row.watermark = watermark
    session.add(row)
    session.flush()


def _pending_value(row: PendingPlanRow, group_id: str) -> PendingPlan:
    return PendingPlan(group_id=group_id, side=Side(row.side), plan_id=row.plan_id,
                       first_seen_at=row.first_seen_at, due_at=row.due_at, attempts=row.attempts,
                       last_error=row.last_error)


def add_pending(session: Session, named: Mapping[str, Iterable[PlanRef]], *, due_at: datetime) -> int:
    """Keep the plans the feeds named, per PerfectQuote group id, until a run reconciles them.

    A plan already pending is named again: it is due at `due_at`, and a run that took it on earlier
    can no longer remove it (that run may have read the plan before this change). A group no longer
    connected is passed over. Returns how many plans are now pending from this call.
    """
    ids: dict[str, int] = {}
    for group_chunk in chunks(sorted(named)):
        query = select(GroupRow.perfectquote_group_id, GroupRow.id).where(
            GroupRow.perfectquote_group_id.in_(group_chunk))
        ids.update({group_id: connection_id for group_id, connection_id in session.execute(query)})
    # Each plan once: one statement may not set the same row twice.
    keys = dict.fromkeys((connection_id, Side(side).value, str(plan_id))
                         for group_id, connection_id in ids.items() for side, plan_id in named[group_id])
    agency_id = agency_of(session)
    rows = [{"agency_id": agency_id, "group_connection_id": connection_id, "side": side, "plan_id": plan_id,
             "due_at": due_at, "claimed_by_run": None, "attempts": 0}
            for connection_id, side, plan_id in keys]
    # One statement; a row a run settles meanwhile is inserted again, never lost to an update of nothing.
    upsert(session, PendingPlanRow, rows, columns=("due_at", "claimed_by_run"),
           on=("group_connection_id", "side", "plan_id"))
    return len(rows)


# The group's id as a subquery the database runs once, not a join: pending_plans is a queue, empty one
# moment and full the next, and statistics taken while it was empty made the planner scan both tables in
# a nested loop (30 ms at 1,000 groups, where this is a few index probes). Built once on the table, naming
# its agency, as a run's other statements (`named_agency`).
_PENDING = PendingPlanRow.__table__
_GROUP_PENDING = names_agency(select(_PENDING)
                              .where(_PENDING.c.group_connection_id == GROUP_ROW_ID, of_agency(_PENDING))
                              .order_by(_PENDING.c.id))


def pending_for_group(session: Session, group_id: str) -> list[PendingPlan]:
    """The group's pending plans, oldest first."""
    return [_pending_value(row, group_id)
            for row in execute_named(session, _GROUP_PENDING, {"group_id": group_id})]


# A run claims and settles with one statement each; the rows of the table the session may hold are not
# kept in step (`_held_rows` reads them again).
_CLAIM_ALL = (update(_PENDING)
              .where(_PENDING.c.group_connection_id == bindparam("connection_id"), of_agency(_PENDING))
              .values(claimed_by_run=bindparam("run_id"), due_at=bindparam("due_at"))
              .returning(*_PENDING.c))
_CLAIM_SCOPED = names_agency(_CLAIM_ALL.where(or_(*(
    and_(_PENDING.c.side == side.value, _PENDING.c.plan_id.in_(bindparam(side.value, expanding=True)))
    for side in Side))))
_CLAIM_ALL = names_agency(_CLAIM_ALL)
_SETTLE_ALL = names_agency(delete(_PENDING)
                           .where(_PENDING.c.group_connection_id == bindparam("connection_id"),
                                  _PENDING.c.claimed_by_run == bindparam("run_id"), of_agency(_PENDING)))


def claim_pending(session: Session, group_id: str, *, run_id: int, scope: Collection[PlanRef] | None,
                  due_at: datetime) -> list[PendingPlan]:
    """Run `run_id` takes on the group's pending plans within `scope` (None: all); they are due again at
    `due_at` in case the run dies. One UPDATE, no read first. Returns what it took on."""
    params: dict[str, object] = {"connection_id": group_row_id(session, group_id), "run_id": run_id,
                                 "due_at": due_at}
    statement = _CLAIM_ALL
    if scope is not None:
        by_side: dict[str, list[str]] = {side.value: [] for side in Side}
        for side, plan_id in scope:
            by_side[Side(side).value].append(str(plan_id))
        if not any(by_side.values()):
            return []
        params.update(by_side)
        statement = _CLAIM_SCOPED
    rows = sorted(execute_named(session, statement, params), key=lambda row: row.id)
    return [_pending_value(row, group_id) for row in rows]


def _held_rows(session: Session, group_id: str) -> list[PendingPlanRow]:
    """The group's pending rows as stored now, to change one by one (the named statements above went past
    any copy the session held)."""
    connection_id = group_row_id(session, group_id)
    query = (select(PendingPlanRow).where(PendingPlanRow.group_connection_id == connection_id)
             .order_by(PendingPlanRow.id).execution_options(populate_existing=True))
    return list(session.scalars(query))


def settle_pending(session: Session, *, group_id: str, run_id: int, failed: Mapping[PlanRef, str],
                   run_error: str | None, now: datetime, retry: Mapping[PlanRef, str] | None = None) -> None:
    """What run `run_id` took on is removed, except the plans in `failed` (all of them with a
    `run_error`), kept with their error and due again with backoff. A plan a feed named again while
    the run went on is no longer the run's, and stays. `retry`: failed plans nothing had made pending
    (a whole-group run, a link no feed named), added so they are retried, not forgotten."""
    if run_error is None and not failed and not retry:
        # Nothing kept: one DELETE of what the run still holds, no read first.
        parameters = {"connection_id": group_row_id(session, group_id), "run_id": run_id}
        execute_named(session, _SETTLE_ALL, parameters)
        return
    rows = _held_rows(session, group_id)
    for row in rows:
        if row.claimed_by_run != run_id:
            continue
        error = run_error if run_error is not None else failed.get((Side(row.side), row.plan_id))
        if error is None:
            session.delete(row)
            continue
        _retry_later(row, error, now=now)
    held = {(Side(row.side), row.plan_id) for row in rows}
    added = [(ref, error) for ref, error in (retry or {}).items() if (Side(ref[0]), str(ref[1])) not in held]
    if added:
        connection_id = group_row_id(session, group_id)
        for (side, plan_id), error in added:
            row = PendingPlanRow(group_connection_id=connection_id, side=Side(side).value,
                                 plan_id=str(plan_id), attempts=0)
            _retry_later(row, error, now=now)
            session.add(row)
    session.flush()


def _retry_later(row: PendingPlanRow, error: str, *, now: datetime) -> None:
    row.attempts = (row.attempts or 0) + 1
    row.last_error = error
    row.due_at = retry_due(now, row.attempts)
    row.claimed_by_run = None


def take_due_pending(session: Session, *, now: datetime, due_again: datetime) -> list[str]:
    """PerfectQuote group ids with pending plans due at or before `now`; those plans are due again at
    `due_again`, for the nudge about to be sent may be lost too."""
    query = (select(PendingPlanRow, GroupRow.perfectquote_group_id)
             .join(GroupRow, GroupRow.id == PendingPlanRow.group_connection_id)
             .where(PendingPlanRow.due_at <= now))
    group_ids: set[str] = set()
    for row, group_id in session.execute(query):
        row.due_at = due_again
        group_ids.add(group_id)
    session.flush()
    return sorted(group_ids)


def _unreadable_value(row: UnreadableChangeRow) -> UnreadableChange:
    return UnreadableChange(side=Side(row.system), entity_type=row.entity_type, entity_id=row.entity_id,
                            error=row.last_error, attempts=row.attempts, first_seen_at=row.first_seen_at)


def unreadable_changes(session: Session, side: Side) -> list[UnreadableChange]:
    """The feed entities of `side` that the last cycle could not read, to ask again."""
    query = (select(UnreadableChangeRow).where(UnreadableChangeRow.system == Side(side).value)
             .order_by(UnreadableChangeRow.first_seen_at, UnreadableChangeRow.entity_id))
    return [_unreadable_value(row) for row in session.scalars(query)]


def replace_unreadable(session: Session, side: Side, still: Iterable[UnreadableChange], *,
                       now: datetime) -> list[UnreadableChange]:
    """After a cycle that asked again about every stored entity of `side`: those `still` unreadable are
    kept (one more attempt, the latest error), the others are forgotten. Returns what is kept."""
    system = Side(side).value
    stored = {(row.entity_type, row.entity_id): row for row in
              session.scalars(select(UnreadableChangeRow).where(UnreadableChangeRow.system == system))}
    kept: dict[tuple[str, str], UnreadableChangeRow] = {}
    for change in still:
        key = (change.entity_type, str(change.entity_id))
        if key in kept:
            continue
        row = stored.pop(key, None)
        if row is None:
            row = UnreadableChangeRow(system=system, entity_type=key[0], entity_id=key[1], first_seen_at=now,
                                      attempts=0)
        row.attempts += 1
        row.last_error = change.error
        session.add(row)
        kept[key] = row
    for row in stored.values():
        session.delete(row)
    session.flush()
    return [_unreadable_value(row) for row in kept.values()]
