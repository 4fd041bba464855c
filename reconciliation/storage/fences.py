"""Run fencing in the database: each group keeps the token of its latest run; an older run is superseded.

A token only ever rises: registering one is a single conditional UPDATE (`... WHERE fence_token < :t`),
so two runs registering at once cannot both win and a late, older run cannot take the fence back.
Checking it is one read of the group's row by its unique key, in the caller's transaction.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from reconciliation.storage.errors import RecordNotFound
from reconciliation.storage.named_agency import execute_named, names_agency, of_agency
from reconciliation.storage.tables import GroupRow

# Built once on the table, naming their agency: a run reads its fence three times, registers it once.
_GROUPS = GroupRow.__table__
_TOKEN = select(_GROUPS.c.fence_token).where(_GROUPS.c.perfectquote_group_id == bindparam("group_id"),
                                             of_agency(_GROUPS))
_TOKEN_HELD = names_agency(_TOKEN.with_for_update(read=True))
_TOKEN = names_agency(_TOKEN)
_REGISTER = names_agency(update(_GROUPS)
                         .where(_GROUPS.c.perfectquote_group_id == bindparam("group_id"),
                                _GROUPS.c.fence_token < bindparam("token"), of_agency(_GROUPS))
                         .values(fence_token=bindparam("token")))


def fence_token(session: Session, group_id: str, *, lock: bool = False) -> int:
    """The token of the group's latest run (0 before any); `lock` holds it (FOR SHARE) until commit.

    With `lock`, a newer run's registration waits for this transaction's commit: what a run commits
    right after a locked check is never committed after its successor took over.
    """
    read = execute_named(session, _TOKEN_HELD if lock else _TOKEN, {"group_id": group_id})
    token = read.scalar_one_or_none()
    if token is None:
        raise RecordNotFound(f"group connection {group_id} is not stored")
    return token


def register_fence(session: Session, group_id: str, token: int) -> bool:
    """Make `token` the group's fence if it is newer than the stored one; False: a newer run holds it."""
    result = execute_named(session, _REGISTER, {"group_id": group_id, "token": token})
    return result.rowcount == 1  # type: ignore[attr-defined]


def next_fence_token(session: Session, group_id: str) -> int:
    """A run with no lease-issued token (no broker): the stored token plus one, taken atomically."""
    result = session.execute(
        update(GroupRow)
        .where(GroupRow.perfectquote_group_id == group_id)
        .values(fence_token=GroupRow.fence_token + 1)
        .returning(GroupRow.fence_token)
        .execution_options(synchronize_session=False)
    )
    token = result.scalar_one_or_none()
    if token is None:
        raise RecordNotFound(f"group connection {group_id} is not stored")
    return token
