from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from connectors.sandbox.demo_world import EMPLOYERS
from reconciliation.records import Account
from reconciliation.side import Side
from reconciliation.storage import repository as repo


@pytest.fixture
def accounts(session: Session) -> None:
    repo.upsert_accounts(session, [Account(account_id=str(employer.benefitpoint_account_id),
                                           name=employer.name) for employer in EMPLOYERS])
    session.commit()


@pytest.mark.usefixtures("accounts")
def test_accounts_are_found_by_part_of_the_name_in_any_case(session: Session) -> None:
    found = repo.search_accounts(session, "HARBOR")
    assert [account.name for account in found] == ["Blue Harbor Logistics", "Harborview Family Clinic"]
    assert [account.name for account in repo.search_accounts(session, "  coffee ")] == ["Driftwood Coffee Co"]


@pytest.mark.usefixtures("accounts")
def test_an_account_is_found_by_its_number(session: Session) -> None:
    [found] = repo.search_accounts(session, "48205")
    assert (found.account_id, found.name, found.active) == ("48205", "Evergreen Landscaping", True)
    assert repo.search_accounts(session, "4820") == []


@pytest.mark.usefixtures("accounts")
def test_search_wildcards_are_taken_literally(session: Session) -> None:
    assert repo.search_accounts(session, "%") == []
    assert repo.search_accounts(session, "_") == []
    repo.upsert_accounts(session, [Account(account_id="1", name="100% Dental_Co")])
    assert [account.account_id for account in repo.search_accounts(session, "0% dental_")] == ["1"]


@pytest.mark.usefixtures("accounts")
def test_search_limits_and_can_skip_inactive_accounts(session: Session) -> None:
    assert len(repo.search_accounts(session, "e", limit=3)) == 3
    repo.upsert_accounts(session, [Account(account_id="48201", name="Acme Widgets", active=False)])
    assert repo.search_accounts(session, "acme", active_only=True) == []
    assert [account.active for account in repo.search_accounts(session, "acme")] == [False]


def test_an_empty_search_is_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="account search: the query is empty"):
        repo.search_accounts(session, "   ")


def test_an_account_without_a_name_is_refused_and_nothing_stored(session: Session) -> None:
    batch = [Account(account_id="1", name="Fine"), Account(account_id="2", name=" ")]
    with pytest.raises(ValueError, match="account 2 has an empty name"):
        repo.upsert_accounts(session, batch)
    assert repo.account_count(session) == 0


def test_a_refresh_updates_known_accounts_and_keeps_the_rest(session_factory: sessionmaker,
                                                             session: Session) -> None:
    repo.upsert_accounts(session, [Account(account_id="1", name="Old Name"),
                                   Account(account_id="2", name="Gone From The List")])
    session.commit()
    first_refresh = repo.search_accounts(session, "1")[0].refreshed_at
    assert first_refresh is not None
    assert repo.upsert_accounts(session, [Account(account_id=" 1", name="  New   Name ")]) == 1
    session.commit()
    with session_factory() as other:
        assert [account.name for account in repo.search_accounts(other, "1")] == ["New Name"]
        assert repo.search_accounts(other, "1")[0].refreshed_at >= first_refresh
        assert repo.account_count(other) == 2


def test_watermarks_are_stored_per_system(session_factory: sessionmaker, session: Session) -> None:
    assert repo.get_watermark(session, Side.PERFECTQUOTE) is None
    repo.set_watermark(session, Side.PERFECTQUOTE, "2026-11-22T03:00:00Z")
    repo.set_watermark(session, Side.BENEFITPOINT, "2026-11-22T02:59:58.120")
    repo.set_watermark(session, Side.PERFECTQUOTE, "2026-11-22T04:00:00Z")
    session.commit()
    with session_factory() as other:
        assert repo.get_watermark(other, "perfectquote") == "2026-11-22T04:00:00Z"
        assert repo.get_watermark(other, Side.BENEFITPOINT) == "2026-11-22T02:59:58.120"


def test_an_empty_watermark_is_refused_and_the_old_one_kept(session: Session) -> None:
    repo.set_watermark(session, "benefitpoint", "w1")
    with pytest.raises(ValueError, match="watermark for benefitpoint: empty"):
        repo.set_watermark(session, "benefitpoint", "")
    assert repo.get_watermark(session, "benefitpoint") == "w1"
