"""The change log read by page and filter, a link's whole history (changes, conflicts, runs), and its pruning.

Pruning removes the change-log rows of whole runs, never part of one: a run's rows go only when the run
started before the cut-off (and is not `running`). Reverting a run needs its own rows and nothing else,
so every run still within retention stays revertible, and a rerun of an interrupted revert of it finds
every row it read the first time.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from reconciliation.records import Change, Conflict, Run
from reconciliation.states import RunOutcome
from reconciliation.storage.conflicts import _conflict_value
from reconciliation.storage.groups import group_row
from reconciliation.storage.runs import _change_value, _run_value
from reconciliation.storage.tables import ChangeRow, ConflictRow, LinkRow, RunRow


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeFilter:
    """Which of a group's change-log rows: recorded in [since, until), of one field, of some links."""

    since: datetime | None = None
    until: datetime | None = None
    field: str | None = None
    link_ids: Collection[str] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangePage:
    """One page of the change log, oldest first within the page; page 1 holds the newest rows."""

    changes: list[Change]
    total: int
    page: int
    pages: int


def _filtered(session: Session, group_id: str, wanted: ChangeFilter) -> Select[tuple[ChangeRow]]:
    query = (select(ChangeRow).join(LinkRow, LinkRow.id == ChangeRow.link_id)
             .where(LinkRow.group_connection_id == group_row(session, group_id).id))
    if wanted.since is not None:
        query = query.where(ChangeRow.recorded_at >= wanted.since)
    if wanted.until is not None:
        query = query.where(ChangeRow.recorded_at < wanted.until)
    if wanted.field:
        query = query.where(ChangeRow.field_path == wanted.field)
    if wanted.link_ids is not None:
        query = query.where(ChangeRow.link_id.in_(list(wanted.link_ids)))
    return query


def change_page(session: Session, group_id: str, wanted: ChangeFilter, *, page: int = 1,
                limit: int = 200) -> ChangePage:
    """Page `page` (1: the newest) of `limit` rows of the group's change log matching `wanted`."""
    if page < 1 or limit < 1:
        raise ValueError(f"change log: page {page} and limit {limit} must both be 1 or more")
    query = _filtered(session, group_id, wanted)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(ChangeRow.id.desc()).offset((page - 1) * limit).limit(limit))
    return ChangePage(changes=[_change_value(row) for row in reversed(list(rows))], total=total, page=page,
                      pages=max(1, -(-total // limit)))


def link_changes(session: Session, link_id: str, *, field: str | None = None) -> list[Change]:
    """Every change-log row of a link (of one field), oldest first."""
    query = select(ChangeRow).where(ChangeRow.link_id == link_id)
    if field:
        query = query.where(ChangeRow.field_path == field)
    return [_change_value(row) for row in session.scalars(query.order_by(ChangeRow.id))]


def link_conflicts(session: Session, link_id: str, *, field: str | None = None) -> list[Conflict]:
    """Every conflict of a link whatever its status (of one field), oldest first."""
    query = select(ConflictRow).where(ConflictRow.link_id == link_id)
    if field:
        query = query.where(ConflictRow.field_path == field)
    return [_conflict_value(row) for row in session.scalars(query.order_by(ConflictRow.id))]


def runs_by_id(session: Session, run_ids: Collection[int], *, group_id: str | None) -> dict[int, Run]:
    rows = session.scalars(select(RunRow).where(RunRow.id.in_(list(run_ids)))) if run_ids else []
    return {row.id: _run_value(row, group_id) for row in rows}


def prune_changes(session: Session, *, started_before: datetime, batch_runs: int = 200) -> int:
    """Delete the change-log rows of up to `batch_runs` finished runs started before `started_before`;
    how many rows went (0: none is left to prune). Small batches keep each transaction short."""
    # Driven from the change log (what is left to prune), not from the runs, which are never pruned.
    old_runs = (select(ChangeRow.run_id).join(RunRow, RunRow.id == ChangeRow.run_id)
                .where(RunRow.started_at < started_before, RunRow.outcome != RunOutcome.RUNNING.value)
                .distinct().limit(batch_runs))
    run_ids = list(session.scalars(old_runs))
    if not run_ids:
        return 0
    result = session.execute(delete(ChangeRow).where(ChangeRow.run_id.in_(run_ids))
                             .execution_options(synchronize_session=False))
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
