"""Stored plan links: the user's choices, crash-safe create intents, baselines, link states, unlinking."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Text, bindparam, cast, exists, func, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.orm.exc import StaleDataError

from config.column_types import utcnow
from reconciliation.decisions import Choice
from reconciliation.link_entry import LinkEntry, PlanRef, format_plan_ref
from reconciliation.link_map_checks import entry_problems
from reconciliation.plan import Plan
from reconciliation.plan_fields import plan_from_json, plan_to_json
from reconciliation.records import CreateIntent, Link
from reconciliation.side import Side
from reconciliation.states import ConflictStatus, LinkState
from reconciliation.storage.errors import (
    InvalidLinkEntry,
    PlanAlreadyLinked,
    RecordNotFound,
    StaleLink,
    StorageError,
)
from reconciliation.storage.groups import GROUP_ROW_ID, chunks, group_row
from reconciliation.storage.named_agency import execute_named, names_agency, of_agency
from reconciliation.storage.tables import ConflictRow, GroupRow, LinkRow


def new_link_id() -> str:
    return f"lnk_{uuid.uuid4().hex}"


def _plan_column(side: Side) -> InstrumentedAttribute[str | None]:
    return LinkRow.perfectquote_plan_id if side is Side.PERFECTQUOTE else LinkRow.benefitpoint_plan_id


def _plan_ids(row: LinkRow) -> dict[Side, str | None]:
    return {Side.PERFECTQUOTE: row.perfectquote_plan_id, Side.BENEFITPOINT: row.benefitpoint_plan_id}


def _link_value(row: LinkRow, group_id: str, *, baselines: Mapping[Side, Plan | None] | None = None) -> Link:
    """The link of a stored row; `baselines` given, those instead of the row's."""
    if baselines is None:
        stored = {Side.PERFECTQUOTE: row.baseline_perfectquote, Side.BENEFITPOINT: row.baseline_benefitpoint}
        baselines = {side: None if value is None else plan_from_json(value) for side, value in stored.items()}
    intent = row.create_intent
    return Link(
        id=row.id,
        group_id=group_id,
        choice=Choice(row.choice),
        source_of_truth=None if row.source_of_truth is None else Side(row.source_of_truth),
        plan_ids=_plan_ids(row),
        baselines=dict(baselines),
        state=LinkState(row.state),
        version=row.version,
        last_error=row.last_error,
        last_error_at=row.last_error_at,
        create_intent=None if intent is None else CreateIntent(
            side=Side(intent["side"]), started_at=datetime.fromisoformat(intent["started_at"])
        ),
    )


def _value(session: Session, row: LinkRow) -> Link:
    group = session.get(GroupRow, row.group_connection_id)
    assert group is not None  # a foreign key
    return _link_value(row, group.perfectquote_group_id)


def add_links(session: Session, group_id: str, entries: Iterable[LinkEntry]) -> list[Link]:
    """Store every entry or none; an entry equal to a stored one of the group is kept as it is."""
    group = group_row(session, group_id)
    stored = {link.entry: link for link in links_for_group(session, group_id)}
    entries = list(entries)
    owners = {ref: f"link {link_id}" for ref, link_id in _owners(session, entries).items()}
    result: list[Link | LinkRow] = []
    for entry in entries:
        if entry in stored:
            result.append(stored[entry])
            continue
        problems = entry_problems(entry) or (["unreviewed is not a choice to store"]
                                             if entry.choice is Choice.UNREVIEWED else [])
        if problems:
            raise InvalidLinkEntry(f"plan choice {entry.describe()}: " + "; ".join(problems))
        row = _new_row(group.id, entry)
        for side, plan_id in entry.refs:
            owner = owners.get((side, plan_id))
            if owner is not None:
                raise PlanAlreadyLinked(f"{format_plan_ref(side, plan_id)} is already in {owner}")
            owners[(side, plan_id)] = f"the choice {entry.describe()} of this list"
        result.append(row)
    session.add_all(row for row in result if isinstance(row, LinkRow))
    try:
        session.flush()
    except IntegrityError:
        raise PlanAlreadyLinked("a plan of these choices was linked meanwhile; nothing was stored") from None
    return [_link_value(item, group_id) if isinstance(item, LinkRow) else item for item in result]


def _new_row(group_connection_id: int, entry: LinkEntry) -> LinkRow:
    source = entry.source_of_truth
    return LinkRow(
        id=new_link_id(),
        group_connection_id=group_connection_id,
        choice=entry.choice.value,
        source_of_truth=None if source is None else source.value,
        perfectquote_plan_id=entry.perfectquote_plan_id,
        benefitpoint_plan_id=entry.benefitpoint_plan_id,
        state=LinkState.PENDING.value,
    )


def _owners(session: Session, entries: Iterable[LinkEntry]) -> dict[PlanRef, str]:
    """The stored link holding each plan the entries name, in one query per system."""
    found: dict[PlanRef, str] = {}
    for side in Side:
        column = _plan_column(side)
        plan_ids = sorted({plan_id for entry in entries if (plan_id := entry.plan_id(side)) is not None})
        for chunk in chunks(plan_ids):
            query = select(column, LinkRow.id).where(column.in_(chunk))
            found.update({(side, plan_id): link_id for plan_id, link_id in session.execute(query)})
    return found


# The group's id as a subquery, as for its pending plans (`feeds._GROUP_PENDING`): a join can be planned as
# a nested loop of scans while the statistics still describe the tables as empty. Built once on the tables,
# naming their agency, as a run's other statements (`named_agency`).
_LINKS, _CONFLICTS = LinkRow.__table__, ConflictRow.__table__
_SETTLED_WHERE = (_CONFLICTS.c.status == ConflictStatus.SETTLED.value, _CONFLICTS.c.settled_side.is_not(None),
                  of_agency(_CONFLICTS))
# Whether the link has settled conflicts, so a run reads them only for the links that have some.
_HAS_SETTLED = exists().where(_CONFLICTS.c.link_id == _LINKS.c.id, *_SETTLED_WHERE).label("has_settled")
# The columns of a link's value (`_link_value`); the baselines as their JSON text, decoded only for the
# links a run reconciles (a group's other links are only counted).
_LINK_COLUMNS = [_LINKS.c[name] for name in (
    "id", "choice", "source_of_truth", "perfectquote_plan_id", "benefitpoint_plan_id", "state", "version",
    "last_error", "last_error_at", "create_intent")] + [
    cast(_LINKS.c[name], Text).label(name) for name in ("baseline_perfectquote", "baseline_benefitpoint")]
_GROUP_LINKS = names_agency(select(*_LINK_COLUMNS, _HAS_SETTLED)
                            .where(_LINKS.c.group_connection_id == GROUP_ROW_ID, of_agency(_LINKS))
                            .order_by(_LINKS.c.created_at, _LINKS.c.id))


@dataclass(frozen=True, slots=True)
class GroupLinks:
    """A group's links as a run reads them, and the settled conflicts of those that have any (link id ->
    field path -> the side chosen)."""

    links: list[Link]
    settlements: dict[str, dict[str, Side]]


def links_for_group(session: Session, group_id: str, *,
                    baselines_for: Collection[PlanRef] | None = None) -> list[Link]:
    """Every link of the group, unlinked ones too, oldest first.

    With `baselines_for`, only the links naming one of those plans carry their baselines (decoding
    them is most of the cost); the others' are None, fit for counting the group, never for a sync.
    """
    return group_links(session, group_id, baselines_for=baselines_for, settlements=False).links


def group_links(session: Session, group_id: str, *, baselines_for: Collection[PlanRef] | None = None,
                settlements: bool = True) -> GroupLinks:
    """`links_for_group`, with the settlements of the links named in `baselines_for` (of every link
    without it): read in a statement of their own only when one of those links has any."""
    wanted = None
    if baselines_for is not None:
        wanted = {(Side(side), str(plan_id)) for side, plan_id in baselines_for}
    links: list[Link] = []
    settled: list[str] = []
    for row in execute_named(session, _GROUP_LINKS, {"group_id": group_id}):
        named = wanted is None or not wanted.isdisjoint(_plan_ids(row).items())
        texts = {Side.PERFECTQUOTE: row.baseline_perfectquote, Side.BENEFITPOINT: row.baseline_benefitpoint}
        baselines = {side: None if text is None or not named else plan_from_json(json.loads(text))
                     for side, text in texts.items()}
        links.append(_link_value(row, group_id, baselines=baselines))
        if named and row.has_settled:
            settled.append(row.id)
    return GroupLinks(links=links, settlements=settlements_by_link(session, settled) if settlements else {})


_SETTLED = names_agency(
    select(_CONFLICTS.c.link_id, _CONFLICTS.c.field_path, _CONFLICTS.c.settled_side)
    .where(_CONFLICTS.c.link_id.in_(bindparam("link_ids", expanding=True)), *_SETTLED_WHERE)
    .order_by(_CONFLICTS.c.id))


def settlements_by_link(session: Session, link_ids: Iterable[str]) -> dict[str, dict[str, Side]]:
    """`settlements_for_link` of many links in one query: link id -> field path -> the side chosen."""
    found: dict[str, dict[str, Side]] = {}
    for chunk in chunks(sorted(set(link_ids))):
        for link_id, path, side in execute_named(session, _SETTLED, {"link_ids": list(chunk)}):
            found.setdefault(link_id, {})[path] = Side(side)
    return found


def link_row(session: Session, link_id: str) -> LinkRow:
    """The stored row of a link (storage only)."""
    found = session.get(LinkRow, link_id)
    if found is None:
        raise RecordNotFound(f"plan link {link_id} is not stored")
    return found


def get_link(session: Session, link_id: str) -> Link:
    return _value(session, link_row(session, link_id))


def pending_creates(session: Session) -> list[Link]:
    """Links whose create may or may not have happened: look the plan up by link id first."""
    rows = session.scalars(select(LinkRow).where(LinkRow.create_intent.is_not(None)).order_by(LinkRow.id))
    return [_value(session, row) for row in rows]


def _row_as_read(session: Session, link: Link) -> LinkRow:
    """The link's row, refused when it moved since `link` was read (the flush checks it again)."""
    row = link_row(session, link.id)
    if row.version != link.version:
        raise StaleLink(_stale_message(link.id))
    return row


def _stale_message(link_id: str) -> str:
    return f"plan link {link_id} was changed elsewhere since it was read; read it again"


def _flush(session: Session, row: LinkRow) -> Link:
    try:
        session.flush()
    except StaleDataError:
        raise StaleLink(_stale_message(row.id)) from None
    except IntegrityError:
        refs = [format_plan_ref(side, plan_id) for side, plan_id in _plan_ids(row).items() if plan_id]
        taken = ", ".join(refs)
        raise PlanAlreadyLinked(f"{taken} was linked meanwhile by another link") from None
    return _value(session, row)


def mark_create_intent(session: Session, link: Link, side: Side) -> Link:
    """Record that a plan is about to be created on `side` under the link's id (commit it before the call)."""
    row = _row_as_read(session, link)
    known = _plan_ids(row)[side]
    if known is not None:
        raise StorageError(f"plan link {row.id} already has {format_plan_ref(side, known)}")
    intent = row.create_intent
    if intent is None or intent.get("side") != side.value:
        row.create_intent = {"side": side.value, "started_at": utcnow().isoformat()}
    return _flush(session, row)


def record_created(session: Session, link: Link, side: Side, plan_id: str) -> Link:
    """The create on `side` is confirmed: store the plan id and clear the intent."""
    row = _row_as_read(session, link)
    known = _plan_ids(row)[side]
    if known is not None and known != plan_id:
        raise StorageError(f"plan link {row.id} already has {format_plan_ref(side, known)}, not {plan_id}")
    owner = session.scalars(select(LinkRow.id).where(_plan_column(side) == plan_id)).one_or_none()
    if owner is not None and owner != row.id:
        raise PlanAlreadyLinked(f"{format_plan_ref(side, plan_id)} is already in link {owner}")
    if side is Side.PERFECTQUOTE:
        row.perfectquote_plan_id = plan_id
    else:
        row.benefitpoint_plan_id = plan_id
    row.create_intent = None
    return _flush(session, row)


def advance_baselines(
    session: Session,
    link: Link,
    baselines: Mapping[Side, Plan | None],
    *,
    state: LinkState = LinkState.LINKED,
    error: str | None = None,
) -> Link:
    """Only once the writes are confirmed: store what each side now holds (None or absent: unchanged)."""
    given = {side: plan for side in Side if (plan := baselines.get(side)) is not None}
    columns = {_BASELINE_COLUMNS[side]: plan_to_json(plan) for side, plan in given.items()}
    return _update(session, link, state=state, error=error, columns=columns,
                   baselines={**link.baselines, **given})


def set_link_state(session: Session, link: Link, state: LinkState, *, error: str | None = None) -> Link:
    """Move a link to `state`, recording `error` (or clearing it when None) against its plan."""
    return _update(session, link, state=state, error=error, columns={}, baselines=link.baselines)


_BASELINE_COLUMNS = {Side.PERFECTQUOTE: "baseline_perfectquote", Side.BENEFITPOINT: "baseline_benefitpoint"}


# One conditional UPDATE of the link as read (its version); its parameters are named apart from the
# columns, which an UPDATE's parameters would set.
_UPDATE = names_agency(
    update(_LINKS)
    .where(_LINKS.c.id == bindparam("link_id"), _LINKS.c.version == bindparam("read_version"),
           of_agency(_LINKS))
    .values(state=bindparam("state"), last_error=bindparam("last_error"),
            last_error_at=bindparam("last_error_at"), updated_at=bindparam("updated_at"),
            version=bindparam("read_version") + 1))


@cache
def _update_statement(columns: tuple[str, ...]) -> Any:
    """`_UPDATE` setting `columns` too (a baseline or both), built once for each set."""
    return _UPDATE.values(**{name: bindparam(name) for name in columns}) if columns else _UPDATE


def _update(session: Session, link: Link, *, state: LinkState, error: str | None, columns: dict[str, Any],
            baselines: Mapping[Side, Plan | None]) -> Link:
    """One conditional UPDATE of the link as read (its version): no read of the row first."""
    now = utcnow()
    error_at = None if error is None else now
    statement = _update_statement(tuple(sorted(columns)))
    parameters = {**columns, "link_id": link.id, "read_version": link.version,
                  "state": LinkState(state).value, "last_error": error, "last_error_at": error_at,
                  "updated_at": now}
    if execute_named(session, statement, parameters).rowcount != 1:  # type: ignore[attr-defined]
        link_row(session, link.id)  # RecordNotFound when it is not stored at all
        raise StaleLink(_stale_message(link.id))
    cached = session.identity_map.get(inspect(LinkRow).identity_key_from_primary_key([link.id]))
    if cached is not None:
        session.expire(cached)
    return replace(link, baselines=dict(baselines), state=LinkState(state), version=link.version + 1,
                   last_error=error, last_error_at=error_at)


def _set_state(row: LinkRow, state: LinkState, error: str | None) -> None:
    row.state = LinkState(state).value
    row.last_error = error
    row.last_error_at = None if error is None else utcnow()


def unlink(session: Session, group_id: str, link_id: str) -> Link:
    """The link stops syncing and its plans become unreviewed again; nothing is deleted in either system.

    The change log and conflicts keep pointing at the link.
    """
    row = link_row(session, link_id)
    if row.group_connection_id != group_row(session, group_id).id:
        raise RecordNotFound(f"plan link {row.id} does not belong to this group")
    if row.state == LinkState.UNLINKED.value:
        return _value(session, row)
    former = " + ".join(format_plan_ref(side, plan_id) for side, plan_id in _plan_ids(row).items() if plan_id)
    # Freeing the plan ids lets a person choose for those plans again.
    row.perfectquote_plan_id = None
    row.benefitpoint_plan_id = None
    _set_state(row, LinkState.UNLINKED, f"unlinked (was {former})")
    return _flush(session, row)


def link_counts_by_state(session: Session) -> dict[str, int]:
    """How many links are in each stored state (states with none are absent)."""
    query = select(LinkRow.state, func.count()).group_by(LinkRow.state)
    return {state: count for state, count in session.execute(query).all()}
