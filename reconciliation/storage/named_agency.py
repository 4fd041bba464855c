"""Core statements that name their agency themselves, for the statements a run makes over and over.

A statement of the mapped classes goes through the ORM at every execution: its agency criteria are added
(`agency_scope`), its columns are resolved through the mappers, its rows made into entities. For the few
dozen statements each run makes, that cost as much again as the statement itself. The statements here are
built on the tables, carry `agency_id = :scope_agency_id` in their own text, and are marked so the session
runs them as they are; `execute_named` supplies the session's agency, and the session's hook refuses one
run with any other agency's (or in a session that sees every agency).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Executable, FromClause, bindparam
from sqlalchemy.engine import Result
from sqlalchemy.orm import Session

from reconciliation.storage.agency_scope import (
    AGENCY_PARAMETER,
    NAMES_AGENCY_OPTION,
    AgencyScopedError,
    agency_of,
)

S = TypeVar("S", bound=Executable)


def of_agency(table: FromClause) -> ColumnElement[bool]:
    """The criterion by which a statement of an agency's table names its agency."""
    return table.c.agency_id == bindparam(AGENCY_PARAMETER)


def agency_value() -> Any:
    """The agency a named statement's INSERT stores in `agency_id`."""
    return bindparam(AGENCY_PARAMETER)


def names_agency(statement: S) -> S:
    """Mark a statement built on tables that names its agency (`of_agency`, `agency_value`); one that does
    not is refused here, when the module builds it, not at its first execution."""
    if AGENCY_PARAMETER not in statement.compile().params:  # type: ignore[attr-defined]
        raise AgencyScopedError(f"a statement marked as naming its agency has no {AGENCY_PARAMETER!r} "
                                f"parameter: {statement}")
    return statement.execution_options(**{NAMES_AGENCY_OPTION: True})


def execute_named(session: Session, statement: Executable,
                  parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None) -> Result[Any]:
    """Run a statement `names_agency` marked, in the session's transaction, with the session's agency; a
    sequence of parameter sets runs it once for each (one round trip where the driver batches)."""
    agency_id = agency_of(session)
    if isinstance(parameters, Sequence):
        return session.execute(statement, [{**row, AGENCY_PARAMETER: agency_id} for row in parameters])
    return session.execute(statement, {**(parameters or {}), AGENCY_PARAMETER: agency_id})
