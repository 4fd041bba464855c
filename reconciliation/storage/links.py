"""Stored plan links: the user's choices, crash-safe create intents, baselines, link states."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.orm.exc import StaleDataError

from config.column_types import utcnow
from reconciliation.decisions import Choice
from reconciliation.link_entry import LinkEntry, PlanRef, format_plan_ref
from reconciliation.link_map_checks import entry_problems
from reconciliation.plan import Plan
from reconciliation.plan_fields import plan_to_json
from reconciliation.side import Side
from reconciliation.states import LinkState
from reconciliation.storage.errors import (
    InvalidLinkEntry,
    PlanAlreadyLinked,
    RecordNotFound,
    StaleLink,
    StorageError,
)
from reconciliation.storage.groups import GroupRef, get_group
from reconciliation.storage.tables import PlanLink

LinkRef = PlanLink | str
# Well under every backend's bound-parameter limit.
_CHUNK = 500


def new_link_id() -> str:
    return f"lnk_{uuid.uuid4().hex}"


def link_entry(link: PlanLink) -> LinkEntry:
    """The stored choice as the link map describes it."""
    return LinkEntry(
        choice=Choice(link.choice),
        perfectquote_plan_id=link.perfectquote_plan_id,
        benefitpoint_plan_id=link.benefitpoint_plan_id,
        source_of_truth=None if link.source_of_truth is None else Side(link.source_of_truth),
    )


def add_links(session: Session, group: GroupRef, entries: Iterable[LinkEntry]) -> list[PlanLink]:
    """Store every entry or none; an entry equal to a stored one of the group is kept as it is."""
    group_id = get_group(session, group).id
    stored = {link_entry(link): link for link in links_for_group(session, group_id)}
    entries = list(entries)
    owners = {ref: f"link {link_id}" for ref, link_id in _owners(session, entries).items()}
    result: list[PlanLink] = []
    for entry in entries:
        if entry in stored:
            result.append(stored[entry])
            continue
        problems = entry_problems(entry) or (["unreviewed is not a choice to store"]
                                             if entry.choice is Choice.UNREVIEWED else [])
        if problems:
            raise InvalidLinkEntry(f"plan choice {entry.describe()}: " + "; ".join(problems))
        link = _new_link(group_id, entry)
        for side, plan_id in entry.refs:
            owner = owners.get((side, plan_id))
            if owner is not None:
                raise PlanAlreadyLinked(f"{format_plan_ref(side, plan_id)} is already in {owner}")
            owners[(side, plan_id)] = f"the choice {entry.describe()} of this list"
        result.append(link)
    stored_ids = {link.id for link in stored.values()}
    session.add_all(link for link in result if link.id not in stored_ids)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise PlanAlreadyLinked("a plan of these choices was linked meanwhile; nothing was stored") from None
    return result


def _new_link(group_id: int, entry: LinkEntry) -> PlanLink:
    source = entry.source_of_truth
    return PlanLink(
        id=new_link_id(),
        group_connection_id=group_id,
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
        for start in range(0, len(plan_ids), _CHUNK):
            query = select(column, PlanLink.id).where(column.in_(plan_ids[start:start + _CHUNK]))
            found.update({(side, plan_id): link_id for plan_id, link_id in session.execute(query)})
    return found


def _plan_column(side: Side) -> InstrumentedAttribute[str | None]:
    return PlanLink.perfectquote_plan_id if side is Side.PERFECTQUOTE else PlanLink.benefitpoint_plan_id


def _owner_elsewhere(session: Session, side: Side, plan_id: str) -> str | None:
    return session.scalars(select(PlanLink.id).where(_plan_column(side) == plan_id)).one_or_none()


def links_for_group(session: Session, group: GroupRef) -> list[PlanLink]:
    group_id = group.id if not isinstance(group, int) else group
    query = select(PlanLink).where(PlanLink.group_connection_id == group_id)
    return list(session.scalars(query.order_by(PlanLink.created_at, PlanLink.id)))


def get_link(session: Session, link: LinkRef) -> PlanLink:
    link_id = link.id if isinstance(link, PlanLink) else link
    found = session.get(PlanLink, link_id)
    if found is None:
        raise RecordNotFound(f"plan link {link_id} is not stored")
    return found


def mark_create_intent(session: Session, link: LinkRef, side: Side) -> PlanLink:
    """Record, and commit, that a plan is about to be created on `side` under the link's id."""
    row = get_link(session, link)
    if row.plan_id(side) is not None:
        raise StorageError(f"plan link {row.id} already has {format_plan_ref(side, row.plan_id(side) or '')}")
    intent = row.create_intent
    if intent is None or intent.get("side") != side.value:
        row.create_intent = {"side": side.value, "started_at": utcnow().isoformat()}
    _commit(session, row.id)
    return row


def create_intent(link: PlanLink) -> tuple[Side, datetime] | None:
    """The side a create was started on, and when; None when no create is in flight."""
    if link.create_intent is None:
        return None
    return Side(link.create_intent["side"]), datetime.fromisoformat(link.create_intent["started_at"])


def pending_creates(session: Session) -> list[PlanLink]:
    """Links whose create may or may not have happened: look the plan up by link id first."""
    return list(session.scalars(select(PlanLink).where(PlanLink.create_intent.is_not(None))
                                .order_by(PlanLink.id)))


def record_created(session: Session, link: LinkRef, side: Side, plan_id: str) -> PlanLink:
    """The create on `side` is confirmed: store the plan id, clear the intent, commit."""
    row = get_link(session, link)
    known = row.plan_id(side)
    if known is not None and known != plan_id:
        raise StorageError(f"plan link {row.id} already has {format_plan_ref(side, known)}, not {plan_id}")
    owner = _owner_elsewhere(session, side, plan_id)
    if owner is not None and owner != row.id:
        raise PlanAlreadyLinked(f"{format_plan_ref(side, plan_id)} is already in link {owner}")
    if side is Side.PERFECTQUOTE:
        row.perfectquote_plan_id = plan_id
    else:
        row.benefitpoint_plan_id = plan_id
    row.create_intent = None
    _commit(session, row.id)
    return row


def advance_baselines(session: Session, link: LinkRef, perfectquote: Plan | None, benefitpoint: Plan | None,
                      *, state: LinkState = LinkState.LINKED) -> PlanLink:
    """Only once the writes are confirmed: store what each side now holds (None: unchanged), commit.

    Change-log rows and conflicts added since the last commit are committed with it.
    """
    row = get_link(session, link)
    if perfectquote is not None:
        row.baseline_perfectquote = plan_to_json(perfectquote)
    if benefitpoint is not None:
        row.baseline_benefitpoint = plan_to_json(benefitpoint)
    row.state = LinkState(state).value
    row.last_error = None
    row.last_error_at = None
    _commit(session, row.id)
    return row


def set_link_state(
    session: Session, link: LinkRef, state: LinkState, *, error: str | None = None
) -> PlanLink:
    """Move a link to `state`, recording `error` (or clearing it when None) against its plan; commit."""
    row = get_link(session, link)
    row.state = LinkState(state).value
    row.last_error = error
    row.last_error_at = None if error is None else utcnow()
    _commit(session, row.id)
    return row


def _commit(session: Session, link_id: str) -> None:
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        message = f"plan link {link_id} was changed elsewhere since it was read; read it again"
        raise StaleLink(message) from None
