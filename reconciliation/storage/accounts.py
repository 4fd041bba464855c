"""The cached list of BenefitPoint accounts, searched by name or account number."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from config.column_types import utcnow
from reconciliation.storage.tables import CachedAccount


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountRecord:
    """An account as BenefitPoint lists it."""

    account_id: str | int
    name: str
    active: bool = True


def upsert_accounts(session: Session, accounts: Iterable[AccountRecord]) -> int:
    """Add new accounts and refresh known ones; accounts no longer listed are kept. Commits."""
    now = utcnow()
    latest = {str(account.account_id).strip(): account for account in accounts}
    for account_id, account in latest.items():
        if not account_id:
            raise ValueError(f"account cache: account {account.name!r} has an empty account id")
        if not account.name.strip():
            raise ValueError(f"account cache: account {account_id} has an empty name")
    # The whole cache is one agency's account list: small enough to hold, and no bound-parameter limit.
    known = {row.account_id: row for row in session.scalars(select(CachedAccount))}
    for account_id, account in latest.items():
        row = known.get(account_id) or CachedAccount(account_id=account_id)
        row.name = " ".join(account.name.split())
        row.active = account.active
        row.refreshed_at = now
        session.add(row)
    session.commit()
    return len(latest)


def search_accounts(session: Session, query: str, *, limit: int = 20,
                    active_only: bool = False) -> list[CachedAccount]:
    """Accounts whose name contains `query` (any case), or whose account number is `query`."""
    text = query.strip()
    if not text:
        raise ValueError("account search: the query is empty (type part of a name or an account number)")
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    statement = select(CachedAccount).where(
        or_(func.lower(CachedAccount.name).like(pattern, escape="\\"), CachedAccount.account_id == text)
    )
    if active_only:
        statement = statement.where(CachedAccount.active.is_(True))
    # An exact account number first, then by name.
    exact_first = CachedAccount.account_id != text
    return list(session.scalars(statement.order_by(exact_first, CachedAccount.name,
                                                   CachedAccount.account_id).limit(limit)))


def account_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CachedAccount)) or 0
