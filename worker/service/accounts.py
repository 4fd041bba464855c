"""Finding a BenefitPoint account and connecting it to a PerfectQuote group."""

from __future__ import annotations

from sqlalchemy.orm import Session

from config.logging import get_logger
from reconciliation.storage import repository as repo
from reconciliation.storage.tables import CachedAccount, GroupConnection
from worker.runtime.context import SyncContext

log = get_logger(__name__)


class ConnectError(ValueError):
    """A group or an account that cannot be connected; the message says which and why."""


def refresh_accounts(context: SyncContext, session: Session) -> int:
    """Reload the account list from BenefitPoint ("I don't find my account"); returns how many."""
    records = [
        repo.AccountRecord(account_id=a.account_id, name=a.name, active=a.active is not False)
        for a in context.benefitpoint.find_accounts()
    ]
    repo.upsert_accounts(session, records)
    total = repo.account_count(session)
    log.info("accounts.refreshed", accounts=total)
    return total


def search_accounts(
    context: SyncContext, session: Session, query: str, *, refresh: bool = False
) -> list[CachedAccount]:
    """By name (part of it, any case) or by account number, from the cache; an empty cache fills itself."""
    if refresh or repo.account_count(session) == 0:
        refresh_accounts(context, session)
    found = repo.search_accounts(session, query)
    if not found and query.strip().isdigit():
        # findAccounts has no number criterion: a number not in the cache is asked for directly.
        account = context.benefitpoint.get_account(query.strip())
        if account is not None:
            repo.upsert_accounts(
                session,
                [
                    repo.AccountRecord(
                        account_id=account.account_id,
                        name=account.name or account.account_id,
                        active=account.active is not False,
                    )
                ],
            )
            found = repo.search_accounts(session, query)
    return found


def connect(
    context: SyncContext, session: Session, *, perfectquote_group_id: str, benefitpoint_account_id: str
) -> GroupConnection:
    """One to one: either side already connected is refused, naming the existing connection."""
    group = context.perfectquote.get_group(perfectquote_group_id)
    account = context.benefitpoint.get_account(benefitpoint_account_id)
    if account is None:
        raise ConnectError(f"BenefitPoint account {benefitpoint_account_id!r} does not exist")
    connection = repo.connect_group(
        session,
        perfectquote_group_id=group.id,
        perfectquote_group_name=group.name,
        benefitpoint_account_id=account.account_id,
        benefitpoint_account_name=account.name or account.account_id,
    )
    log.info("group.connected", group_id=group.id, account_id=account.account_id)
    return connection
