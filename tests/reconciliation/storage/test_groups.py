from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from reconciliation.decisions import ConflictPolicy
from reconciliation.link_entry import LinkEntry
from reconciliation.records import Group
from reconciliation.side import Side
from reconciliation.storage import groups
from reconciliation.storage import repository as repo
from reconciliation.storage.tables import GroupRow


def test_a_connected_group_round_trips(session_factory: sessionmaker) -> None:
    with session_factory() as session:
        connected = repo.connect_group(session, group_id="grp_007", group_name="Acme Widgets",
                                       account_id=48207, account_name="Acme Widgets LLC",
                                       conflict_policy=ConflictPolicy.HOLD_FOR_REVIEW)
        session.commit()
    with session_factory() as session:
        group = repo.find_group(session, "grp_007")
        assert group is not None and group == connected
        assert group.account_id == "48207"
        assert group.account_name == "Acme Widgets LLC"
        assert group.group_name == "Acme Widgets"
        assert group.conflict_policy == "hold_for_review"
        assert group.created_at.tzinfo is not None
        assert (group.id_in(Side.PERFECTQUOTE), group.id_in(Side.BENEFITPOINT)) == ("grp_007", "48207")
        assert repo.find_group_by_account(session, 48207) == group
        assert repo.get_group(session, "grp_007") == group


def test_a_group_cannot_be_connected_twice(session: Session, connect: Callable[..., Group]) -> None:
    connect(1)
    taken_group = "grp_001 is already connected to BenefitPoint account 48201"
    with pytest.raises(repo.GroupAlreadyConnected, match=taken_group):
        repo.connect_group(session, group_id="grp_001", group_name="Again", account_id=99999,
                           account_name="Other")
    taken_account = "account 48201 is already connected to PerfectQuote group grp_001"
    with pytest.raises(repo.GroupAlreadyConnected, match=taken_account):
        repo.connect_group(session, group_id="grp_999", group_name="Other", account_id="48201",
                           account_name="Again")
    assert [group.group_id for group in repo.list_groups(session)] == ["grp_001"]


def test_a_connection_made_meanwhile_is_refused_at_flush(session: Session, connect: Callable[..., Group],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    connect(1)
    # As if another session connected account 48201 after this one looked: only the constraint sees it.
    monkeypatch.setattr(groups, "find_group_by_account", lambda _session, _account_id: None)
    meanwhile = "grp_002 or BenefitPoint account 48201 was connected meanwhile"
    with pytest.raises(repo.GroupAlreadyConnected, match=meanwhile):
        repo.connect_group(session, group_id="grp_002", group_name="x", account_id="48201", account_name="y")
    session.rollback()
    assert [group.group_id for group in repo.list_groups(session)] == ["grp_001"]


def test_the_unique_constraints_hold_without_the_checks(session: Session,
                                                        connect: Callable[..., Group]) -> None:
    connect(1)
    session.add(GroupRow(perfectquote_group_id="grp_900", perfectquote_group_name="x",
                         benefitpoint_account_id="48201", benefitpoint_account_name="y",
                         conflict_policy="source_of_truth_wins"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_groups_are_listed_by_group_id(session: Session, connect: Callable[..., Group]) -> None:
    for number in (3, 1, 2):
        connect(number)
    listed = [group.group_id for group in repo.list_groups(session)]
    assert listed == ["grp_001", "grp_002", "grp_003"]


def test_an_unknown_group_is_named(session: Session) -> None:
    with pytest.raises(repo.RecordNotFound, match="group connection grp_4242"):
        repo.get_group(session, "grp_4242")
    assert repo.find_group(session, "grp_404") is None
    assert repo.find_group_by_account(session, "404") is None


def test_a_policy_change_is_returned_and_stored(session_factory: sessionmaker, session: Session,
                                                connect: Callable[..., Group]) -> None:
    connect(1)
    changed = repo.set_conflict_policy(session, "grp_001", ConflictPolicy.HOLD_FOR_REVIEW)
    session.commit()
    assert changed.conflict_policy is ConflictPolicy.HOLD_FOR_REVIEW
    with session_factory() as other:
        assert repo.get_group(other, "grp_001") == changed


def test_group_ids_for_accounts(session: Session, connect: Callable[..., Group]) -> None:
    connect(1)
    connect(2)
    connect(3)
    assert repo.group_ids_for_accounts(session, [48201, "48203", 11111]) == {"grp_001", "grp_003"}
    assert repo.group_ids_for_accounts(session, []) == set()


def test_group_ids_for_plans(session: Session, connect: Callable[..., Group]) -> None:
    first, second = connect(1), connect(2)
    repo.add_links(session, first.group_id, [LinkEntry.merge("pln_1", "9001",
                                                             source_of_truth=Side.PERFECTQUOTE)])
    repo.add_links(session, second.group_id, [LinkEntry.copy(Side.BENEFITPOINT, "9002")])
    found = repo.group_ids_for_plans(session, side=Side.PERFECTQUOTE, plan_ids=["pln_1", "pln_x"])
    assert found == {"grp_001"}
    assert repo.group_ids_for_plans(session, side=Side.BENEFITPOINT, plan_ids={"9001", "9002"}) == {
        "grp_001", "grp_002"}
    assert repo.group_ids_for_plans(session, side=Side.PERFECTQUOTE, plan_ids=["9001"]) == set()


def test_many_plan_ids_are_looked_up_in_chunks(session: Session,
                                               connect: Callable[..., Group]) -> None:
    group = connect(1)
    repo.add_links(session, group.group_id, [LinkEntry.copy(Side.PERFECTQUOTE, "pln_1777")])
    plan_ids = [f"pln_{number}" for number in range(2000)]
    assert repo.group_ids_for_plans(session, side=Side.PERFECTQUOTE, plan_ids=plan_ids) == {"grp_001"}
