"""Stored group connections: connect a PerfectQuote group to a BenefitPoint account, find them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reconciliation.decisions import ConflictPolicy
from reconciliation.side import Side
from reconciliation.storage.errors import GroupAlreadyConnected, RecordNotFound
from reconciliation.storage.tables import GroupConnection, PlanLink

GroupRef = GroupConnection | int
T = TypeVar("T")
# Well under every backend's bound-parameter limit.
_CHUNK = 500


def connect_group(
    session: Session,
    *,
    perfectquote_group_id: str,
    perfectquote_group_name: str,
    benefitpoint_account_id: str | int,
    benefitpoint_account_name: str,
    conflict_policy: ConflictPolicy = ConflictPolicy.SOURCE_OF_TRUTH_WINS,
) -> GroupConnection:
    """Connect one to one; either side already connected is refused, naming what it is connected to."""
    account_id = str(benefitpoint_account_id).strip()
    group_id = perfectquote_group_id.strip()
    if not group_id or not account_id:
        raise ValueError("connect group: a PerfectQuote group id and a BenefitPoint account id are required")
    existing = get_group_by_pq_id(session, group_id)
    if existing is not None:
        raise GroupAlreadyConnected(
            f"PerfectQuote group {group_id} is already connected to BenefitPoint account "
            f"{existing.benefitpoint_account_id} ({existing.benefitpoint_account_name})"
        )
    existing = get_group_by_account_id(session, account_id)
    if existing is not None:
        raise GroupAlreadyConnected(
            f"BenefitPoint account {account_id} is already connected to PerfectQuote group "
            f"{existing.perfectquote_group_id} ({existing.perfectquote_group_name})"
        )
    group = GroupConnection(
        perfectquote_group_id=group_id,
        perfectquote_group_name=perfectquote_group_name,
        benefitpoint_account_id=account_id,
        benefitpoint_account_name=benefitpoint_account_name,
        conflict_policy=ConflictPolicy(conflict_policy).value,
    )
    session.add(group)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise GroupAlreadyConnected(
            f"PerfectQuote group {group_id} or BenefitPoint account {account_id} was connected meanwhile"
        ) from None
    return group


def get_group(session: Session, group: GroupRef) -> GroupConnection:
    group_id = group.id if isinstance(group, GroupConnection) else group
    found = session.get(GroupConnection, group_id)
    if found is None:
        raise RecordNotFound(f"group connection {group_id} is not stored")
    return found


def get_group_by_pq_id(session: Session, perfectquote_group_id: str) -> GroupConnection | None:
    query = select(GroupConnection).where(GroupConnection.perfectquote_group_id == perfectquote_group_id)
    return session.scalars(query).one_or_none()


def get_group_by_account_id(session: Session, benefitpoint_account_id: str | int) -> GroupConnection | None:
    account_id = str(benefitpoint_account_id).strip()
    query = select(GroupConnection).where(GroupConnection.benefitpoint_account_id == account_id)
    return session.scalars(query).one_or_none()


def set_conflict_policy(session: Session, group: GroupRef, policy: ConflictPolicy) -> GroupConnection:
    """How the group's conflicts are decided from the next run on; commits."""
    row = get_group(session, group)
    row.conflict_policy = ConflictPolicy(policy).value
    session.commit()
    return row


def list_groups(session: Session) -> list[GroupConnection]:
    return list(session.scalars(select(GroupConnection).order_by(GroupConnection.perfectquote_group_id)))


def group_ids_for_plans(session: Session, *, side: Side, plan_ids: Iterable[str]) -> set[str]:
    """PerfectQuote group ids of the connections with a link to any of `plan_ids` on `side`."""
    column = PlanLink.perfectquote_plan_id if side is Side.PERFECTQUOTE else PlanLink.benefitpoint_plan_id
    found: set[str] = set()
    for chunk in _chunks(sorted({str(plan_id) for plan_id in plan_ids})):
        query = (
            select(GroupConnection.perfectquote_group_id)
            .join(PlanLink, PlanLink.group_connection_id == GroupConnection.id)
            .where(column.in_(chunk))
        )
        found.update(session.scalars(query))
    return found


def groups_by_plan(session: Session, *, side: Side, plan_ids: Iterable[str]) -> dict[str, str]:
    """Plan id -> PerfectQuote group id, for the plans of `plan_ids` that a link on `side` points at."""
    column = PlanLink.perfectquote_plan_id if side is Side.PERFECTQUOTE else PlanLink.benefitpoint_plan_id
    found: dict[str, str] = {}
    for chunk in _chunks(sorted({str(plan_id) for plan_id in plan_ids})):
        query = (
            select(column, GroupConnection.perfectquote_group_id)
            .join(PlanLink, PlanLink.group_connection_id == GroupConnection.id)
            .where(column.in_(chunk))
        )
        found.update({plan_id: group_id for plan_id, group_id in session.execute(query) if plan_id})
    return found


def group_ids_for_accounts(session: Session, account_ids: Iterable[str | int]) -> set[str]:
    """PerfectQuote group ids of the connections to any of these BenefitPoint accounts."""
    found: set[str] = set()
    for chunk in _chunks(sorted({str(account_id).strip() for account_id in account_ids})):
        query = select(GroupConnection.perfectquote_group_id).where(
            GroupConnection.benefitpoint_account_id.in_(chunk)
        )
        found.update(session.scalars(query))
    return found


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]
