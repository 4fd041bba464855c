"""Plan snapshots and their entities' versions: what a sync remembers of a plan, what the feeds named since.

The feed cycle writes only `named_version`; a sync writes the snapshot and `known_version`, and marks
a part it read again as no longer changed only while the feed has named nothing newer of it (a
conditional update), so that a change the feed names during a sync is never taken as read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    and_,
    any_,
    bindparam,
    cast,
    delete,
    false,
    null,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from config.column_types import utcnow
from reconciliation.known_plans import EntityKey, EntityVersions, PlanSnapshot
from reconciliation.link_entry import PlanRef
from reconciliation.side import Side
from reconciliation.storage.agency_scope import agency_of
from reconciliation.storage.entities import key_filter
from reconciliation.storage.groups import chunks
from reconciliation.storage.named_agency import execute_named, names_agency, of_agency
from reconciliation.storage.tables import PlanSnapshotRow, RemoteEntityRow
from reconciliation.storage.upsert import expire_cached, upsert


def plan_snapshots(session: Session, side: Side, plan_ids: Iterable[str]) -> dict[str, PlanSnapshot]:
    """The stored snapshots of these plans, each with its entities' versions; a plan with versions but
    no record stored yet has a snapshot that is not `stored`."""
    found = snapshots_of(session, [(Side(side), str(plan_id)) for plan_id in plan_ids])
    return {plan_id: snapshot for (_, plan_id), snapshot in found.items()}


_ENTITY_TABLE, _SNAPSHOT_TABLE = RemoteEntityRow.__table__, PlanSnapshotRow.__table__


@cache
def _read(dialect: str) -> Any:
    """`snapshots_of`'s one statement, built once per dialect on the tables, naming their agency
    (`named_agency`): the snapshots, then their entities' versions, as one UNION ALL whose rows say which
    they are (`is_entity`). On PostgreSQL the systems and plan ids are array parameters: the text is the
    same at every execution, where an expanding IN is rendered again for each."""

    def one_of(column: Any, name: str) -> Any:
        if dialect == "postgresql":
            return column == any_(bindparam(name, type_=postgresql.ARRAY(column.type)))
        return column.in_(bindparam(name, expanding=True))

    def where(table: Any) -> tuple[Any, ...]:
        return one_of(table.c.system, "systems"), one_of(table.c.plan_id, "plan_ids"), of_agency(table)

    snapshots, entities = _SNAPSHOT_TABLE.c, _ENTITY_TABLE.c
    return names_agency(union_all(
        select(false().label("is_entity"), snapshots.system, snapshots.plan_id, null().label("entity_type"),
               null().label("entity_id"), snapshots.version, null().label("named_version"), snapshots.native)
        .where(*where(_SNAPSHOT_TABLE)),
        select(true(), entities.system, entities.plan_id, entities.entity_type, entities.entity_id,
               entities.known_version, entities.named_version, cast(null(), snapshots.native.type))
        .where(*where(_ENTITY_TABLE))))


def snapshots_of(session: Session, refs: Iterable[PlanRef]) -> dict[PlanRef, PlanSnapshot]:
    """`plan_snapshots` of plans of both systems: one query of both tables, columns only."""
    wanted = {(Side(side), str(plan_id)) for side, plan_id in refs}
    systems, plan_ids = sorted({side.value for side, _ in wanted}), sorted({plan_id for _, plan_id in wanted})
    entities: dict[PlanRef, dict[EntityKey, EntityVersions]] = {}
    found: dict[PlanRef, PlanSnapshot] = {}
    read = _read(session.get_bind().dialect.name)
    for chunk in chunks(plan_ids):
        rows = execute_named(session, read, {"systems": systems, "plan_ids": list(chunk)})
        for is_entity, system, plan_id, entity_type, entity_id, version, named, native in rows:
            if (ref := (Side(system), plan_id)) not in wanted:
                continue
            if is_entity:
                entities.setdefault(ref, {})[(entity_type, entity_id)] = EntityVersions(known=version,
                                                                                        named=named)
            else:
                found[ref] = PlanSnapshot(side=ref[0], plan_id=plan_id, version=version, native=native)
    return {ref: PlanSnapshot(side=ref[0], plan_id=ref[1], version=snapshot.version if snapshot else "",
                              native=snapshot.native if snapshot else {}, entities=entities.get(ref, {}))
            for ref in wanted if (snapshot := found.get(ref)) is not None or ref in entities}


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanRecord:
    """A plan as just read or written, to store (`remember_plans`).

    `parts`: the plan's entities and the versions their records carry (None: the record has none).
    `read`: the entities read again because a feed named them, with the version named then; each is no
    longer changed unless the feed has named another version since. A part without a version of its
    own is known at least at the version named before it was read.
    """

    side: Side
    plan_id: str
    owner_id: str | None
    version: str
    native: Mapping[str, Any]
    parts: Mapping[EntityKey, str | None]
    read: Mapping[EntityKey, str | None]

    def known(self) -> dict[EntityKey, str | None]:
        return {key: part_version if part_version is not None else self.read.get(key)
                for key, part_version in self.parts.items()}


def remember_plans(session: Session, records: Sequence[PlanRecord]) -> None:
    """Store the plans and their entities' versions (not committed): one upsert of the snapshots and one of
    the entities, nothing read first (a caller with nothing new to store does not call)."""
    agency_id, now = agency_of(session), utcnow()
    upsert(session, PlanSnapshotRow, [
        {"agency_id": agency_id, "system": record.side.value, "plan_id": record.plan_id,
         "version": record.version, "native": dict(record.native), "recorded_at": now}
        for record in records], columns=("version", "native", "recorded_at"))
    known = [(record, record.known()) for record in records]
    upsert(session, RemoteEntityRow, [
        {"agency_id": agency_id, "system": record.side.value, "entity_type": key[0], "entity_id": key[1],
         "plan_id": record.plan_id, "owner_id": record.owner_id, "known_version": version_known,
         "named_version": None}
        for record, versions in known for key, version_known in versions.items()],
        columns=("plan_id", "owner_id", "known_version"))
    for record, versions in known:
        _mark_read(session, record, versions)


def _mark_read(session: Session, record: PlanRecord, known: Mapping[EntityKey, str | None]) -> None:
    """Each entity read again is no longer changed, unless the feed has named another version since."""
    system = record.side.value
    for key, observed in record.read.items():
        if key in known and observed == known[key]:
            continue  # the update below would set the version it matched on: nothing to do
        match = and_(key_filter(system, key), RemoteEntityRow.named_version.is_not_distinct_from(observed))
        if key in known:
            statement: Any = update(RemoteEntityRow).where(match).values(named_version=known[key])
        else:
            # Read again and gone (a deleted summary or rate): forgotten, unless named again since.
            statement = delete(RemoteEntityRow).where(match)
        session.execute(statement.execution_options(synchronize_session=False))
    expire_cached(session, RemoteEntityRow, [
        {"agency_id": agency_of(session), "system": system, "entity_type": key[0], "entity_id": key[1]}
        for key in record.read])
