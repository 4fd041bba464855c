"""Finding a BenefitPoint account, connecting it to a PerfectQuote group, and the group's conflict policy."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from config.logging import get_logger
from connectors.errors import NotFound
from connectors.ports import AccountDirectory, GroupDirectory, ListedAccount
from reconciliation.decisions import ConflictPolicy
from reconciliation.records import Account, Group
from reconciliation.storage import repository as repo
from worker.service.plan_choices import connected_group

log = get_logger(__name__)


class CannotConnect(ValueError):
    """A group or an account that cannot be connected; the message says which and why."""


def _account(listed: ListedAccount, *, name: str | None) -> Account:
    return Account(account_id=listed.account_id, name=name or "", active=listed.active is not False)


def refresh_accounts(*, sessions: sessionmaker[Session], benefitpoint: AccountDirectory) -> int:
    """Reload the account list from BenefitPoint ("I don't find my account"); returns how many."""
    # A listed account without a name is refused by the cache, naming it.
    listed = [_account(account, name=account.name) for account in benefitpoint.find_accounts()]
    with sessions.begin() as session:
        repo.upsert_accounts(session, listed)
        total = repo.account_count(session)
    log.info("accounts.refreshed", accounts=total)
    return total


def search_accounts(
    *, sessions: sessionmaker[Session], benefitpoint: AccountDirectory, query: str, refresh: bool = False
) -> list[Account]:
    """By name (part of it, any case) or by account number, from the cache; an empty cache fills itself."""
    with sessions() as session:
        empty = repo.account_count(session) == 0
    if refresh or empty:
        refresh_accounts(sessions=sessions, benefitpoint=benefitpoint)
    with sessions() as session:
        found = repo.search_accounts(session, query)
    if not found and query.strip().isdigit():
        # findAccounts has no number criterion: a number not in the cache is asked for directly.
        account = benefitpoint.get_account(query.strip())
        if account is not None:
            with sessions.begin() as session:
                repo.upsert_accounts(session, [_account(account, name=account.name or account.account_id)])
                found = repo.search_accounts(session, query)
    return found


def connect(
    *,
    sessions: sessionmaker[Session],
    perfectquote: GroupDirectory,
    benefitpoint: AccountDirectory,
    group_id: str,
    account_id: str,
) -> Group:
    """One to one: either side already connected is refused, naming the existing connection."""
    try:
        group = perfectquote.get_group(group_id)
    except NotFound:
        raise CannotConnect(f"PerfectQuote group {group_id!r} does not exist") from None
    account = benefitpoint.get_account(account_id)
    if account is None:
        raise CannotConnect(f"BenefitPoint account {account_id!r} does not exist")
    with sessions.begin() as session:
        connection = repo.connect_group(
            session,
            group_id=group.id,
            group_name=group.name,
            account_id=account.account_id,
            account_name=account.name or account.account_id,
        )
    log.info("group.connected", group_id=group.id, account_id=account.account_id)
    return connection


def set_conflict_policy(*, sessions: sessionmaker[Session], group_id: str, policy: ConflictPolicy) -> Group:
    """How the group's conflicts are decided from its next run on."""
    with sessions.begin() as session:
        connected_group(session, group_id)
        return repo.set_conflict_policy(session, group_id, policy)
