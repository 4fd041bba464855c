"""Rows written by one statement, no read first: inserted, or some columns set where a row is stored.

Both databases plansync runs on (`DATABASE_SCHEMES`: SQLite and PostgreSQL) take `INSERT ... ON CONFLICT DO
UPDATE`; the database settles a row another transaction inserts meanwhile, where a read then a write
would fail or write twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table, func, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert(session: Session, entity: type[Any], rows: Sequence[Mapping[str, Any]], *, columns: Sequence[str],
           fill: Sequence[str] = (), on: Sequence[str] | None = None) -> None:
    """Insert the rows, or set `columns` of those stored with the same `on` columns (default: the primary
    key) and `fill` those the stored row has none of, in the session's transaction. Each row names its
    agency: the statement is not the ORM's."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    table: Table = entity.__table__
    key = tuple(on) if on is not None else tuple(column.name for column in table.primary_key)
    session.execute(_statement(dialect, table, tuple(columns), tuple(fill), key), list(rows))
    if on is None:
        expire_cached(session, entity, rows)
        return
    # Rows found by other unique columns: which held copy each wrote is unknown, so every one is read again.
    for held in [held for held in session.identity_map.values() if isinstance(held, entity)]:
        session.expire(held)


@cache
def _statement(dialect: str, table: Table, columns: tuple[str, ...], fill: tuple[str, ...],
               key: tuple[str, ...]) -> Any:
    """Built once per table and shape: the statement is compiled once and its cached form reused."""
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(table)
    values = {name: statement.excluded[name] for name in columns}
    values.update({name: func.coalesce(table.c[name], statement.excluded[name]) for name in fill})
    return statement.on_conflict_do_update(index_elements=list(key), set_=values)


def expire_cached(session: Session, entity: type[Any], rows: Iterable[Mapping[str, Any]]) -> None:
    """A statement wrote these rows (each with its primary key) behind the session's back: a copy the
    session holds is read again when used."""
    mapper = inspect(entity)
    names = [column.key for column in mapper.primary_key]
    for row in rows:
        cached = session.identity_map.get(mapper.identity_key_from_primary_key([row[name] for name in names]))
        if cached is not None:
            session.expire(cached)
