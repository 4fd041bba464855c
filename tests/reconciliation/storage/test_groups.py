from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from reconciliation.decisions import ConflictPolicy
from reconciliation.link_entry import LinkEntry
from reconciliation.side import Side
from reconciliation.storage import repository as repo
from reconciliation.storage.tables import GroupConnection


def test_a_connected_group_round_trips(session_factory: sessionmaker) -> None:
    with session_factory() as session:
        repo.connect_group(session, perfectquote_group_id="grp_007", perfectquote_group_name="Acme Widgets",
                           benefitpoint_account_id=48207, benefitpoint_account_name="Acme Widgets LLC",
                           conflict_policy=ConflictPolicy.HOLD_FOR_REVIEW)
    with session_factory() as session:
        group = repo.get_group_by_pq_id(session, "grp_007")
        assert group is not None
        assert group.benefitpoint_account_id == "48207"
        assert group.benefitpoint_account_name == "Acme Widgets LLC"
        assert group.perfectquote_group_name == "Acme Widgets"
        assert group.conflict_policy == "hold_for_review"
        assert group.created_at.tzinfo is not None
        assert repo.get_group_by_account_id(session, 48207) == group
        assert repo.get_group(session, group.id) == group


def test_a_group_cannot_be_connected_twice(session: Session, connect: Callable[..., GroupConnection]) -> None:
    connect(1)
    taken_group = "grp_001 is already connected to BenefitPoint account 48201"
    with pytest.raises(repo.GroupAlreadyConnected, match=taken_group):
        repo.connect_group(session, perfectquote_group_id="grp_001", perfectquote_group_name="Again",
                           benefitpoint_account_id=99999, benefitpoint_account_name="Other")
    taken_account = "account 48201 is already connected to PerfectQuote group grp_001"
    with pytest.raises(repo.GroupAlreadyConnected, match=taken_account):
        repo.connect_group(session, perfectquote_group_id="grp_999", perfectquote_group_name="Other",
                           benefitpoint_account_id="48201", benefitpoint_account_name="Again")
    assert [group.perfectquote_group_id for group in repo.list_groups(session)] == ["grp_001"]


def test_the_unique_constraints_hold_without_the_checks(session: Session,
                                                        connect: Callable[..., GroupConnection]) -> None:
    connect(1)
    session.add(GroupConnection(perfectquote_group_id="grp_900", perfectquote_group_name="x",
                                benefitpoint_account_id="48201", benefitpoint_account_name="y",
                                conflict_policy="source_of_truth_wins"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_groups_are_listed_by_group_id(session: Session, connect: Callable[..., GroupConnection]) -> None:
    for number in (3, 1, 2):
        connect(number)
    listed = [group.perfectquote_group_id for group in repo.list_groups(session)]
    assert listed == ["grp_001", "grp_002", "grp_003"]


def test_an_unknown_group_is_named(session: Session) -> None:
    with pytest.raises(repo.RecordNotFound, match="group connection 4242"):
        repo.get_group(session, 4242)
    assert repo.get_group_by_pq_id(session, "grp_404") is None


def test_group_ids_for_accounts(session: Session, connect: Callable[..., GroupConnection]) -> None:
    connect(1)
    connect(2)
    connect(3)
    assert repo.group_ids_for_accounts(session, [48201, "48203", 11111]) == {"grp_001", "grp_003"}
    assert repo.group_ids_for_accounts(session, []) == set()


def test_group_ids_for_plans(session: Session, connect: Callable[..., GroupConnection]) -> None:
    first, second = connect(1), connect(2)
    repo.add_links(session, first, [LinkEntry.merge("pln_1", "9001", source_of_truth=Side.PERFECTQUOTE)])
    repo.add_links(session, second, [LinkEntry.copy(Side.BENEFITPOINT, "9002")])
    found = repo.group_ids_for_plans(session, side=Side.PERFECTQUOTE, plan_ids=["pln_1", "pln_x"])
    assert found == {"grp_001"}
    assert repo.group_ids_for_plans(session, side=Side.BENEFITPOINT, plan_ids={"9001", "9002"}) == {
        "grp_001", "grp_002"}
    assert repo.group_ids_for_plans(session, side=Side.PERFECTQUOTE, plan_ids=["9001"]) == set()


def test_many_plan_ids_are_looked_up_in_chunks(session: Session,
                                               connect: Callable[..., GroupConnection]) -> None:
    group = connect(1)
    repo.add_links(session, group, [LinkEntry.copy(Side.PERFECTQUOTE, "pln_1777")])
    plan_ids = [f"pln_{number}" for number in range(2000)]
    assert repo.group_ids_for_plans(session, side=Side.PERFECTQUOTE, plan_ids=plan_ids) == {"grp_001"}
