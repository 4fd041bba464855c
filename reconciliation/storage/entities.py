"""The entities plans are made of, the plan each belongs to, and the versions the feeds named of them.

The feed cycle writes only `named_version`; a sync writes `known_version` (`snapshots.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any
from uuid import uuid4

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from reconciliation.known_plans import EntityKey, FeedEntity
from reconciliation.side import Side
from reconciliation.storage.agency_scope import agency_of
from reconciliation.storage.groups import chunks
from reconciliation.storage.tables import RemoteEntityRow
from reconciliation.storage.upsert import upsert

UNVERSIONED = "unversioned:"


def key_filter(system: str, key: EntityKey) -> Any:
    return and_(RemoteEntityRow.system == system, RemoteEntityRow.entity_type == key[0],
                RemoteEntityRow.entity_id == key[1])


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


_STORED = (RemoteEntityRow.entity_type, RemoteEntityRow.entity_id, RemoteEntityRow.plan_id,
           RemoteEntityRow.owner_id, RemoteEntityRow.known_version, RemoteEntityRow.named_version)


def note_named(session: Session, side: Side, entities: Sequence[FeedEntity]) -> list[FeedEntity]:
    """Record the versions a feed named; return the entities that are news (their plan id filled in).

    An entity named at the version already named (the feed's overlap, a change reported twice) or at
    the version its snapshot holds (plansync's own write, a plan already read) is no news. One read of
    the entities stored, one upsert of those it changes.
    """
    system, agency_id = Side(side).value, agency_of(session)
    latest = {entity.key: entity for entity in entities}
    stored: dict[EntityKey, Any] = {}
    for chunk in chunks(sorted({entity_id for _, entity_id in latest})):
        query = select(*_STORED).where(RemoteEntityRow.system == system, RemoteEntityRow.entity_id.in_(chunk))
        stored.update({(row.entity_type, row.entity_id): row for row in session.execute(query)})
    news, rows = [], []
    for key, entity in latest.items():
        row = stored.get(key)
        # A version the feed did not give is named by a mark no snapshot holds: always news.
        named = entity.version if entity.version is not None else f"{UNVERSIONED}{uuid4().hex}"
        # The feed's overlap names the same versions again, cycle after cycle: a row it would not change
        # is not written.
        if row is None or row.named_version != named or (entity.plan_id and not row.plan_id) or (
                entity.owner_id and not row.owner_id):
            rows.append({"agency_id": agency_id, "system": system, "entity_type": key[0],
                         "entity_id": key[1], "plan_id": entity.plan_id, "owner_id": entity.owner_id,
                         "known_version": None, "named_version": named})
        if row is None:
            news.append(entity)
        elif entity.version is None or entity.version not in (row.named_version, row.known_version):
            news.append(replace(entity, plan_id=entity.plan_id or row.plan_id))
    # A sync that stored one of these meanwhile keeps its known version and its plan: the feed sets what
    # it named, and a plan or owner only where none is stored.
    upsert(session, RemoteEntityRow, rows, columns=("named_version",), fill=("plan_id", "owner_id"))
    return news
