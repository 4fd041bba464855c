"""The entities plans are made of, the plan each belongs to, and the versions the feeds named of them.

The feed cycle writes only `named_version`; a sync writes `known_version` (`snapshots.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any
from uuid import uuid4

from sqlalchemy import and_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reconciliation.known_plans import EntityKey, FeedEntity
from reconciliation.side import Side
from reconciliation.storage.agency_scope import agency_of
from reconciliation.storage.groups import chunks
from reconciliation.storage.tables import RemoteEntityRow

UNVERSIONED = "unversioned:"


def key_filter(system: str, key: EntityKey) -> Any:
    return and_(RemoteEntityRow.system == system, RemoteEntityRow.entity_type == key[0],
                RemoteEntityRow.entity_id == key[1])


def insert_missing(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert the entity rows no transaction has inserted yet (the feed cycle and a sync may meet an
    entity first at the same time): one statement where the database can skip a conflict itself."""
    if not rows:
        return
    agency_id = agency_of(session)
    rows = [{**row, "agency_id": agency_id} for row in rows]
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        module = postgresql if dialect == "postgresql" else sqlite
        for chunk in chunks(rows):
            session.execute(module.insert(RemoteEntityRow).values(list(chunk)).on_conflict_do_nothing())
        return
    for row in rows:
        try:
            with session.begin_nested():
                session.add(RemoteEntityRow(**row))
        except IntegrityError:
            continue


def entity_owners(session: Session, side: Side,
                  keys: Iterable[EntityKey]) -> dict[EntityKey, tuple[str | None, str | None]]:
    """Entity -> (plan id, owner id) for the entities already known, so the feed need not ask."""
    system, wanted = Side(side).value, set(keys)
    found: dict[EntityKey, tuple[str | None, str | None]] = {}
    for chunk in chunks(sorted({entity_id for _, entity_id in wanted})):
        query = select(RemoteEntityRow).where(RemoteEntityRow.system == system,
                                              RemoteEntityRow.entity_id.in_(chunk))
        for row in session.scalars(query):
            if (row.entity_type, row.entity_id) in wanted:
                found[(row.entity_type, row.entity_id)] = (row.plan_id, row.owner_id)
    return found


def note_named(session: Session, side: Side, entities: Sequence[FeedEntity]) -> list[FeedEntity]:
    """Record the versions a feed named; return the entities that are news (their plan id filled in).

    An entity named at the version already named (the feed's overlap, a change reported twice) or at
    the version its snapshot holds (plansync's own write, a plan already read) is no news.
    """
    system = Side(side).value
    latest = {entity.key: entity for entity in entities}
    stored: dict[EntityKey, RemoteEntityRow] = {}
    for chunk in chunks(sorted({entity_id for _, entity_id in latest})):
        query = select(RemoteEntityRow).where(RemoteEntityRow.system == system,
                                              RemoteEntityRow.entity_id.in_(chunk))
        stored.update({(row.entity_type, row.entity_id): row for row in session.scalars(query)})
    # A version the feed did not give is named by a mark no snapshot holds: always news.
    named = {key: entity.version if entity.version is not None else f"{UNVERSIONED}{uuid4().hex}"
             for key, entity in latest.items()}
    insert_missing(session, [
        {"system": system, "entity_type": key[0], "entity_id": key[1], "plan_id": entity.plan_id,
         "owner_id": entity.owner_id, "known_version": None, "named_version": named[key]}
        for key, entity in latest.items() if key not in stored])
    news = []
    for key, entity in latest.items():
        row = stored.get(key)
        if row is None:
            news.append(entity)
            continue
        seen = entity.version is not None and entity.version in (row.named_version, row.known_version)
        row.named_version = named[key]
        row.plan_id = row.plan_id or entity.plan_id
        row.owner_id = row.owner_id or entity.owner_id
        if not seen:
            news.append(replace(entity, plan_id=entity.plan_id or row.plan_id))
    session.flush()
    return news
