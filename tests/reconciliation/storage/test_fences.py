"""The fence in the database: a group's token only rises, older runs are closed as superseded."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from reconciliation.records import Group
from reconciliation.storage import repository as repo

ConnectGroup = Callable[..., Group]


def test_a_group_starts_at_zero_and_only_a_newer_token_registers(session: Session,
                                                                connect: ConnectGroup) -> None:
    group = connect(1)
    assert repo.fence_token(session, group.group_id) == 0
    assert repo.register_fence(session, group.group_id, 7)
    assert not repo.register_fence(session, group.group_id, 7)
    assert not repo.register_fence(session, group.group_id, 5)
    session.commit()
    assert repo.fence_token(session, group.group_id) == 7
    assert repo.register_fence(session, group.group_id, 8)
    assert repo.fence_token(session, group.group_id) == 8


def test_the_database_counter_always_takes_the_next_token(session: Session, connect: ConnectGroup) -> None:
    group, other = connect(1), connect(2)
    assert repo.register_fence(session, group.group_id, 41)
    assert repo.next_fence_token(session, group.group_id) == 42
    assert repo.next_fence_token(session, group.group_id) == 43
    assert repo.next_fence_token(session, other.group_id) == 1
    session.commit()
    assert repo.fence_token(session, group.group_id) == 43


def test_an_unknown_group_has_no_fence(session: Session) -> None:
    with pytest.raises(repo.RecordNotFound, match="grp_404"):
        repo.fence_token(session, "grp_404")
    with pytest.raises(repo.RecordNotFound, match="grp_404"):
        repo.next_fence_token(session, "grp_404")
    assert not repo.register_fence(session, "grp_404", 1)


def test_a_run_closes_only_the_older_runs_of_its_group_as_superseded(
        session_factory: sessionmaker, session: Session, connect: ConnectGroup) -> None:
    group = connect(1)
    older = repo.start_run(session, trigger="feed", group_id=group.group_id, fence_token=3)
    newer = repo.start_run(session, trigger="manual", group_id=group.group_id, fence_token=9)
    session.commit()
    # A late run with a lower token (it is itself superseded) must not close the newer one.
    late = repo.start_run(session, trigger="feed", group_id=group.group_id, fence_token=5)
    session.commit()
    with session_factory() as other:
        assert repo.get_run(other, older.id).outcome is repo.RunOutcome.SUPERSEDED
        assert repo.get_run(other, newer.id).outcome is repo.RunOutcome.RUNNING
        assert repo.get_run(other, late.id).fence_token == 5


# PostgreSQL only: its row lock is what production runs on; SQLite serializes whole-database writers instead.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_locked_check_makes_a_newer_registration_wait_for_the_commit(
        session_factory: sessionmaker, connect: ConnectGroup) -> None:
    group = connect(1)
    with session_factory() as first:
        assert repo.register_fence(first, group.group_id, 1)
        first.commit()
        assert repo.fence_token(first, group.group_id, lock=True) == 1
        registered = threading.Event()

        def newer_run() -> None:
            with session_factory() as second:
                assert repo.register_fence(second, group.group_id, 2)
                second.commit()
                registered.set()

        thread = threading.Thread(target=newer_run)
        thread.start()
        assert not registered.wait(0.5), "the registration went through while the older run's check held"
        first.commit()
        thread.join(timeout=10)
    assert registered.is_set()
    with session_factory() as check:
        assert repo.fence_token(check, group.group_id) == 2
