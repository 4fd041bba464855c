"""The cached list of BenefitPoint accounts, searched by name or account number."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from config.column_types import utcnow
from reconciliation.records import Account
from reconciliation.storage.tables import AccountRow


def _account_value(row: AccountRow) -> Account:
    return Account(account_id=row.account_id, name=row.name, active=row.active, refreshed_at=row.refreshed_at)


def upsert_accounts(session: Session, accounts: Iterable[Account]) -> int:
    """Add new accounts and refresh known ones; accounts no longer listed are kept. Returns how many."""
    now = utcnow()
    latest = {str(account.account_id).strip(): account for account in accounts}
    for account_id, account in latest.items():
        if not account_id:
            raise ValueError(f"account cache: account {account.name!r} has an empty account id")
        if not account.name.strip():
            raise ValueError(f"account cache: account {account_id} has an empty name")
    # The whole cache is one agency's account list: small enough to hold, and no bound-parameter limit.
    known = {row.account_id: row for row in session.scalars(select(AccountRow))}
    for account_id, account in latest.items():
        row = known.get(account_id) or AccountRow(account_id=account_id)
        row.name = " ".join(account.name.split())
        row.active = account.active
        row.refreshed_at = now
        session.add(row)
    session.flush()
    return len(latest)


def search_accounts(session: Session, query: str, *, limit: int = 20,
                    active_only: bool = False) -> list[Account]:
    """Accounts whose name contains `query` (any case), or whose account number is `query`."""
    text = query.strip()
    if not text:
        raise ValueError("account search: the query is empty (type part of a name or an account number)")
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    statement = select(AccountRow).where(
        or_(func.lower(AccountRow.name).like(pattern, escape="\\"), AccountRow.account_id == text)
    )
    if active_only:
        statement = statement.where(AccountRow.active.is_(True))
    # An exact account number first, then by name.
    exact_first = AccountRow.account_id != text
    statement = statement.order_by(exact_first, AccountRow.name, AccountRow.account_id).limit(limit)
    return [_account_value(row) for row in session.scalars(statement)]


def account_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AccountRow)) or 0
