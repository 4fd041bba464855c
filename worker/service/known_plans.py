"""What a run reads of its linked plans: what the feeds say changed, the rest from stored snapshots."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from connectors.errors import BadResponse
from connectors.ports import PlanSystem, RemotePlan
from reconciliation.known_plans import PLAN_ENTITY, EntityKey, PlanSnapshot
from reconciliation.link_entry import PlanRef
from reconciliation.records import Link
from reconciliation.side import Side
from reconciliation.storage import repository as repo
from reconciliation.storage.snapshots import PlanRecord, snapshots_of

# Named versions of the entities a run read again, as they stood before it read them.
Observed = dict[PlanRef, dict[EntityKey, str | None]]


@dataclass(kw_only=True)
class Reading:
    """The plans a run holds by id per side, and the feed versions it has read past."""

    plans: dict[Side, dict[str, RemotePlan]]
    observed: Observed = field(default_factory=dict)


def load_snapshots(session: Session, links: Iterable[Link]) -> dict[PlanRef, PlanSnapshot]:
    """The stored snapshots of the links' plans; loaded before any read, so what the feeds name during
    the reads is never taken as read."""
    return snapshots_of(session, [(side, plan_id) for link in links for side in Side
                                  if (plan_id := link.plan_ids[side])])


def read_everything(snapshots: Mapping[PlanRef, PlanSnapshot]) -> Observed:
    """A run that lists whole groups reads every entity of every plan again."""
    return {ref: snapshot.named_versions() for ref, snapshot in snapshots.items()}


def read_links(systems: Mapping[Side, PlanSystem], links: Iterable[Link],
               snapshots: Mapping[PlanRef, PlanSnapshot], *, named: Collection[PlanRef]) -> Reading:
    """The linked plans by id, each read only as far as needed; a plan gone (404) is not there.

    A plan with no snapshot, or named by a feed that gave no versions, is read whole; one whose
    snapshot the feeds have named nothing newer than is taken from it (the compare before each write
    guards it); otherwise only its changed parts are read. An unreadable answer stays with its plan,
    as a listing keeps it, so only that link fails.
    """
    reading = Reading(plans={side: {} for side in Side})
    for link in links:
        for side in Side:
            plan_id = link.plan_ids[side]
            if plan_id is None:
                continue
            snapshot = snapshots.get((side, plan_id))
            try:
                remote, read = _current(systems[side], plan_id, snapshot, named=(side, plan_id) in named)
            except BadResponse as error:
                remote = RemotePlan(side=side, id=plan_id, version="", plan=None, problem=str(error))
                read = ()
            if snapshot is not None and read:
                reading.observed[(side, plan_id)] = {key: snapshot.named_versions().get(key) for key in read}
            if remote is not None:
                reading.plans[side][remote.id] = remote
    return reading


def _current(system: PlanSystem, plan_id: str, snapshot: PlanSnapshot | None, *,
             named: bool) -> tuple[RemotePlan | None, Collection[EntityKey]]:
    """The plan, and the entities read again for it."""
    if snapshot is None or not snapshot.stored or (named and not snapshot.named):
        return system.get_plan(plan_id), _all(snapshot)
    restored = system.restore(plan_id, snapshot.native)
    if restored.plan is None:
        return system.get_plan(plan_id), _all(snapshot)
    changed = snapshot.changed()
    if not changed:
        return restored, ()
    return system.refresh(restored, changed=changed), changed


def _all(snapshot: PlanSnapshot | None) -> Collection[EntityKey]:
    return () if snapshot is None else list(snapshot.entities)


def stored_versions(snapshots: Mapping[PlanRef, PlanSnapshot], observed: Observed) -> dict[PlanRef, str]:
    """The version each plan is stored at with nothing left to note: a plan the run read again has
    named versions to mark read, so it is not among them."""
    return {ref: snapshot.version for ref, snapshot in snapshots.items()
            if snapshot.stored and ref not in observed}


def remember(session: Session, remotes: Iterable[RemotePlan | None], *, owners: Mapping[Side, str | None],
             observed: Observed, stored: dict[PlanRef, str] | None = None) -> None:
    """Store what a system holds of each plan as just read or written (flushed with the link's next
    commit), all of them in one statement per table; `owners`: the group's id in each system.

    `stored`: the version each plan is already stored at (`stored_versions`), kept up to date here; a
    plan at that version costs nothing.
    """
    records: list[PlanRecord] = []
    for remote in remotes:
        if remote is None or remote.plan is None or not remote.version:
            continue
        ref = (remote.side, remote.id)
        if stored is not None and stored.get(ref) == remote.version:
            continue
        parts = remote.parts or {(PLAN_ENTITY, remote.id): remote.version}
        records.append(PlanRecord(side=remote.side, plan_id=remote.id, owner_id=owners.get(remote.side),
                                  version=remote.version, native=remote.native, parts=parts,
                                  read=observed.get(ref, {})))
        if stored is not None:
            stored[ref] = remote.version
    if records:
        repo.remember_plans(session, records)
