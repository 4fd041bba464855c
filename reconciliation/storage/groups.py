"""Stored group connections: connect a PerfectQuote group to a BenefitPoint account, find them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reconciliation.decisions import ConflictPolicy
from reconciliation.records import Group
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from reconciliation.storage.errors import GroupAlreadyConnected, RecordNotFound
from reconciliation.storage.named_agency import execute_named, names_agency, of_agency
from reconciliation.storage.tables import GroupRow, LinkRow, RunRow

T = TypeVar("T")
# Well under every backend's bound-parameter limit.
CHUNK = 500
# A run's group row id, read once at its start: its other statements take it from there.
_HELD = "plansync.group_rows"


def group_value(row: GroupRow) -> Group:
    return Group(
        group_id=row.perfectquote_group_id,
        group_name=row.perfectquote_group_name,
        account_id=row.benefitpoint_account_id,
        account_name=row.benefitpoint_account_name,
        conflict_policy=ConflictPolicy(row.conflict_policy),
        created_at=row.created_at,
    )


def connect_group(
    session: Session,
    *,
    group_id: str,
    group_name: str,
    account_id: str | int,
    account_name: str,
    conflict_policy: ConflictPolicy = ConflictPolicy.SOURCE_OF_TRUTH_WINS,
) -> Group:
    """Connect one to one; either side already connected is refused, naming what it is connected to."""
    account_id = str(account_id).strip()
    group_id = group_id.strip()
    if not group_id or not account_id:
        raise ValueError("connect group: a PerfectQuote group id and a BenefitPoint account id are required")
    existing = find_group(session, group_id)
    if existing is not None:
        raise GroupAlreadyConnected(
            f"PerfectQuote group {group_id} is already connected to BenefitPoint account "
            f"{existing.account_id} ({existing.account_name})"
        )
    existing = find_group_by_account(session, account_id)
    if existing is not None:
        raise GroupAlreadyConnected(
            f"BenefitPoint account {account_id} is already connected to PerfectQuote group "
            f"{existing.group_id} ({existing.group_name})"
        )
    row = GroupRow(
        perfectquote_group_id=group_id,
        perfectquote_group_name=group_name,
        benefitpoint_account_id=account_id,
        benefitpoint_account_name=account_name,
        conflict_policy=ConflictPolicy(conflict_policy).value,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise GroupAlreadyConnected(
            f"PerfectQuote group {group_id} or BenefitPoint account {account_id} was connected meanwhile"
        ) from None
    return group_value(row)


def group_row(session: Session, group_id: str) -> GroupRow:
    """The stored row of a connected group (storage only: its integer id never leaves storage)."""
    row = session.scalars(select(GroupRow).where(GroupRow.perfectquote_group_id == group_id)).one_or_none()
    if row is None:
        raise RecordNotFound(f"group connection {group_id} is not stored")
    return row


def get_group(session: Session, group_id: str) -> Group:
    return group_value(group_row(session, group_id))


def find_group(session: Session, group_id: str) -> Group | None:
    row = session.scalars(select(GroupRow).where(GroupRow.perfectquote_group_id == group_id)).one_or_none()
    return None if row is None else group_value(row)


# A group's row id, as a subquery of the statements that read its pending plans or links; it names its
# agency, so they do too (`named_agency`).
_GROUPS = GroupRow.__table__
GROUP_ROW_ID = (select(_GROUPS.c.id)
                .where(_GROUPS.c.perfectquote_group_id == bindparam("group_id"), of_agency(_GROUPS))
                .scalar_subquery())
_RUNS = RunRow.__table__
# Whether a run of the group is still `running` (an index of those only): its process died, or it is
# running still; either way the next run's start closes it (`runs.start_run`), and only then.
_RUNNING = exists().where(_RUNS.c.group_connection_id == _GROUPS.c.id,
                          _RUNS.c.outcome == RunOutcome.RUNNING.value, of_agency(_RUNS)).label("running")
_HOLD = names_agency(select(_GROUPS, _RUNNING).where(_GROUPS.c.perfectquote_group_id == bindparam("group_id"),
                                                     of_agency(_GROUPS)))
# The same read, as the registration of a run's token (`fences.register_fence`): one statement for both.
_HOLD_REGISTERING = names_agency(
    update(_GROUPS).where(_GROUPS.c.perfectquote_group_id == bindparam("group_id"),
                          _GROUPS.c.fence_token < bindparam("token"), of_agency(_GROUPS))
    .values(fence_token=bindparam("token")).returning(*_GROUPS.c, _RUNNING))


@dataclass(frozen=True, slots=True)
class HeldGroup:
    """A run's group as its first transaction read it."""

    group: Group
    fence_token: int
    # A run of the group is still `running` (for a run started, none but the one it starts).
    running: bool
    # `fence_token` is the token the run registered (`hold_group`'s `registering`).
    registered: bool = False


def hold_group(session: Session, group_id: str, *, registering: int | None = None) -> HeldGroup | None:
    """A run's group, its fence token and whether a run of it is `running`, in one statement; the session
    keeps the row's id for the run's other statements (`group_row_id`), so they do not read it again. None:
    not connected.

    `registering`: a token to register with the read, if newer than the stored one (`register_fence`); when
    it is not, the group is read as it is (`registered` False), in a second statement.
    """
    if registering is not None:
        parameters = {"group_id": group_id, "token": registering}
        row = execute_named(session, _HOLD_REGISTERING, parameters).one_or_none()
        if row is not None:
            return _held(session, group_id, row, registered=True)
    row = execute_named(session, _HOLD, {"group_id": group_id}).one_or_none()
    return None if row is None else _held(session, group_id, row, registered=False)


def _held(session: Session, group_id: str, row: Any, *, registered: bool) -> HeldGroup:
    session.info.setdefault(_HELD, {})[group_id] = row.id
    return HeldGroup(group=group_value(row), fence_token=row.fence_token, running=bool(row.running),
                     registered=registered)


def group_row_id(session: Session, group_id: str) -> int:
    """The stored id of a connected group: the one its run holds (`hold_group`), or read."""
    held: int | None = session.info.get(_HELD, {}).get(group_id)
    return held if held is not None else group_row(session, group_id).id


def find_group_by_account(session: Session, account_id: str | int) -> Group | None:
    query = select(GroupRow).where(GroupRow.benefitpoint_account_id == str(account_id).strip())
    row = session.scalars(query).one_or_none()
    return None if row is None else group_value(row)


def set_conflict_policy(session: Session, group_id: str, policy: ConflictPolicy) -> Group:
    """How the group's conflicts are decided from the next run on."""
    row = group_row(session, group_id)
    row.conflict_policy = ConflictPolicy(policy).value
    session.flush()
    return group_value(row)


def list_groups(session: Session) -> list[Group]:
    rows = session.scalars(select(GroupRow).order_by(GroupRow.perfectquote_group_id))
    return [group_value(row) for row in rows]


def group_ids_for_plans(session: Session, *, side: Side, plan_ids: Iterable[str]) -> set[str]:
    """PerfectQuote group ids of the connections with a link to any of `plan_ids` on `side`."""
    return set(groups_by_plan(session, side=side, plan_ids=plan_ids).values())


def groups_by_plan(session: Session, *, side: Side, plan_ids: Iterable[str]) -> dict[str, str]:
    """Plan id -> PerfectQuote group id, for the plans of `plan_ids` that a link on `side` points at."""
    column = LinkRow.perfectquote_plan_id if side is Side.PERFECTQUOTE else LinkRow.benefitpoint_plan_id
    found: dict[str, str] = {}
    for chunk in chunks(sorted({str(plan_id) for plan_id in plan_ids})):
        query = (
            select(column, GroupRow.perfectquote_group_id)
            .join(LinkRow, LinkRow.group_connection_id == GroupRow.id)
            .where(column.in_(chunk))
        )
        found.update({plan_id: group_id for plan_id, group_id in session.execute(query) if plan_id})
    return found


def group_ids_for_accounts(session: Session, account_ids: Iterable[str | int]) -> set[str]:
    """PerfectQuote group ids of the connections to any of these BenefitPoint accounts."""
    found: set[str] = set()
    for chunk in chunks(sorted({str(account_id).strip() for account_id in account_ids})):
        query = select(GroupRow.perfectquote_group_id).where(GroupRow.benefitpoint_account_id.in_(chunk))
        found.update(session.scalars(query))
    return found


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]
