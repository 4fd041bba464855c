"""Plan snapshots and their entities' versions: what a sync remembers of a plan, what the feeds named since.

The feed cycle writes only `named_version`; a sync writes the snapshot and `known_version`, and marks
a part it read again as no longer changed only while the feed has named nothing newer of it (a
conditional update), so that a change the feed names during a sync is never taken as read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.orm import Session

from reconciliation.known_plans import EntityKey, EntityVersions, PlanSnapshot
from reconciliation.side import Side
from reconciliation.storage.entities import entity_rows, insert_missing, key_filter
from reconciliation.storage.groups import chunks
from reconciliation.storage.tables import PlanSnapshotRow, RemoteEntityRow


def plan_snapshots(session: Session, side: Side, plan_ids: Iterable[str]) -> dict[str, PlanSnapshot]:
    """The stored snapshots of these plans, each with its entities' versions; a plan with versions but
    no record stored yet has a snapshot that is not `stored`."""
    system, wanted = Side(side).value, sorted({str(plan_id) for plan_id in plan_ids})
    entities: dict[str, dict[EntityKey, EntityVersions]] = {}
    for row in entity_rows(session, system, wanted):
        entities.setdefault(row.plan_id or "", {})[(row.entity_type, row.entity_id)] = EntityVersions(
            known=row.known_version, named=row.named_version)
    found = {}
    for chunk in chunks(wanted):
        query = select(PlanSnapshotRow).where(PlanSnapshotRow.system == system,
                                              PlanSnapshotRow.plan_id.in_(chunk))
        for row in session.scalars(query):
            found[row.plan_id] = PlanSnapshot(side=Side(side), plan_id=row.plan_id, version=row.version,
                                              native=row.native, entities=entities.get(row.plan_id, {}))
    for plan_id, versions in entities.items():
        if plan_id not in found:
            found[plan_id] = PlanSnapshot(side=Side(side), plan_id=plan_id, entities=versions)
    return found


def remember_plan(session: Session, side: Side, plan_id: str, *, owner_id: str | None, version: str,
                  native: Mapping[str, Any], parts: Mapping[EntityKey, str | None],
                  read: Mapping[EntityKey, str | None]) -> None:
    """Store the plan as just read or written, and its entities' versions (flushed, not committed).

    `parts`: the plan's entities and the versions their records carry (None: the record has none).
    `read`: the entities read again because a feed named them, with the version named then; each is no
    longer changed unless the feed has named another version since. A part without a version of its
    own is known at least at the version named before it was read. What is already stored is not
    written again.
    """
    system, plan_id = Side(side).value, str(plan_id)
    snapshot = session.get(PlanSnapshotRow, (system, plan_id))
    if snapshot is None:
        session.add(PlanSnapshotRow(system=system, plan_id=plan_id, version=version, native=dict(native)))
    elif snapshot.version != version or snapshot.native != native:
        snapshot.version, snapshot.native = version, dict(native)
    known = {key: part_version if part_version is not None else read.get(key)
             for key, part_version in parts.items()}
    stored = {(row.entity_type, row.entity_id): row for row in entity_rows(session, system, [plan_id])}
    insert_missing(session, [
        {"system": system, "entity_type": key[0], "entity_id": key[1], "plan_id": plan_id,
         "owner_id": owner_id, "known_version": version_known, "named_version": None}
        for key, version_known in known.items() if key not in stored])
    for key, row in stored.items():
        if key not in known:
            continue
        if (row.plan_id, row.owner_id, row.known_version) != (plan_id, owner_id, known[key]):
            row.plan_id, row.owner_id, row.known_version = plan_id, owner_id, known[key]
    session.flush()
    for key, observed in read.items():
        row = stored.get(key)
        if key in known and row is not None and row.named_version == known[key]:
            continue
        match = and_(key_filter(system, key), RemoteEntityRow.named_version.is_not_distinct_from(observed))
        if key in known:
            statement: Any = update(RemoteEntityRow).where(match).values(named_version=known[key])
        else:
            # Read again and gone (a deleted summary or rate): forgotten, unless named again since.
            statement = delete(RemoteEntityRow).where(match)
        session.execute(statement.execution_options(synchronize_session=False))
    for row in stored.values():
        session.expire(row)


