"""Every row belongs to an agency: a session bound to one sees and writes only that agency's rows."""

from __future__ import annotations

import threading
import weakref
from functools import cache
from typing import Any

from sqlalchemy import ForeignKey, Integer, event
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)

# The agency the environment's settings make (`default`): every row stored before agencies existed.
DEFAULT_AGENCY_ID = 0
# A session with this agency sees every agency's rows (metrics, the agency list) and may write none.
ALL_AGENCIES = -1
_KEY = "agency_id"
# `select(...).execution_options(every_agency=True)`: one statement that looks past the session's agency
# (which agencies hold groups, for choosing among them); never for a row's own data.
EVERY_AGENCY_OPTION = "every_agency"
# Set by `named_agency.names_agency` on a Core statement that carries its agency as a parameter itself.
NAMES_AGENCY_OPTION = "names_agency"
# That parameter: the agency of the session running the statement (`named_agency.execute_named`).
AGENCY_PARAMETER = "scope_agency_id"


class AgencyScopedError(RuntimeError):
    """An agency-scoped row written through a session that sees every agency."""


class AgencyScoped:
    """Mixin of every table whose rows belong to an agency."""

    @declared_attr
    def agency_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("agencies.id"), index=True)


def agency_of(session: Session) -> int:
    """The agency a session is bound to; a session made without one is the default agency's."""
    agency_id: int = session.info.get(_KEY, DEFAULT_AGENCY_ID)
    return agency_id


def sessions_for(sessions: sessionmaker[Session], agency_id: int) -> sessionmaker[Session]:
    """A session factory on the same engine whose sessions are bound to `agency_id`."""
    return sessionmaker(bind=sessions.kw.get("bind"), info={_KEY: agency_id},
                        expire_on_commit=sessions.kw.get("expire_on_commit", True))


def all_agencies(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """A read-only view of every agency's rows (what the metrics and the agency list count)."""
    return sessions_for(sessions, ALL_AGENCIES)


@event.listens_for(Session, "do_orm_execute")
def _only_this_agency(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    agency_id = agency_of(state.session)
    if state.execution_options.get(NAMES_AGENCY_OPTION):
        _check_named(state, agency_id)
        return
    if agency_id == ALL_AGENCIES or state.execution_options.get(EVERY_AGENCY_OPTION):
        return
    state.statement = _scoped(state.statement, agency_id)


def _check_named(state: ORMExecuteState, agency_id: int) -> None:
    """A statement that names its agency runs only with the session's own: never another's, never all."""
    parameters = state.parameters
    rows = parameters if isinstance(parameters, list | tuple) else [parameters or {}]
    named = {row.get(AGENCY_PARAMETER) for row in rows}
    if agency_id == ALL_AGENCIES or named != {agency_id}:
        raise AgencyScopedError(f"a statement naming agency {sorted(named, key=str)} ran in a session of "
                                f"{'every agency' if agency_id == ALL_AGENCIES else f'agency {agency_id}'}: "
                                "run it with `named_agency.execute_named` in the agency's own session")


# Each statement object with each agency's criteria, kept while the statement lives: a statement a module
# builds once keeps its scoped copy, and with it the cache key SQLAlchemy memoizes on it, from one
# execution to the next; a copy made at every execution computed its key again.
_SCOPED: weakref.WeakKeyDictionary[Any, dict[int, Any]] = weakref.WeakKeyDictionary()
_SCOPED_LOCK = threading.Lock()


def _scoped(statement: Any, agency_id: int) -> Any:
    with _SCOPED_LOCK:
        by_agency = _SCOPED.get(statement)
        if by_agency is None:
            by_agency = _SCOPED[statement] = {}
        scoped = by_agency.get(agency_id)
        if scoped is None:
            scoped = by_agency[agency_id] = statement.options(_agency_criteria(agency_id))
        return scoped


@cache
def _agency_criteria(agency_id: int) -> Any:
    """One option per agency, built once: building it for every statement cost a fifth of the scoping."""
    return with_loader_criteria(AgencyScoped, lambda cls: cls.agency_id == agency_id, include_aliases=True)


@event.listens_for(Session, "before_flush")
def _stamp_new_rows(session: Session, _context: Any, _instances: Any) -> None:
    agency_id = agency_of(session)
    for row in session.new:
        if not isinstance(row, AgencyScoped):
            continue
        if agency_id == ALL_AGENCIES:
            raise AgencyScopedError(f"a {type(row).__name__} was written through a session that sees every "
                                    "agency: write through the agency's own sessions")
        if row.agency_id is None:
            row.agency_id = agency_id
        elif row.agency_id != agency_id:
            raise AgencyScopedError(f"a {type(row).__name__} of agency {row.agency_id} was written through "
                                    f"a session of agency {agency_id}")
