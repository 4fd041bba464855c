"""The fence in the database: a group's token only rises, older runs are closed as superseded."""

from __future__ import annotations

import threading
import time
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


def _newer_run(session_factory: sessionmaker, group_id: str, *, token: int) -> tuple[threading.Thread,
                                                                                     threading.Event]:
    """A newer run registering `token` on a thread of its own; the event is set once it committed."""
    registered = threading.Event()

    def register() -> None:
        with session_factory() as newer:
            assert repo.register_fence(newer, group_id, token)
            newer.commit()
            registered.set()

    thread = threading.Thread(target=register)
    thread.start()
    return thread, registered


# PostgreSQL only: its row lock is what production runs on; SQLite serializes whole-database writers instead.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("hold", ["locked check", "fenced end"])
def test_a_run_s_hold_on_its_fence_makes_a_newer_registration_wait_for_its_commit(
        session_factory: sessionmaker, connect: ConnectGroup, hold: str) -> None:
    group = connect(1)
    with session_factory() as first:
        assert repo.register_fence(first, group.group_id, 1)
        run = repo.start_run(first, trigger="feed", group_id=group.group_id, fence_token=1)
        first.commit()
        if hold == "locked check":
            assert repo.fence_token(first, group.group_id, lock=True) == 1
        else:
            repo.finish_run(first, run.id, outcome=repo.RunOutcome.SUCCEEDED, fence_token=1)
        thread, registered = _newer_run(session_factory, group.group_id, token=2)
        assert not registered.wait(0.5), f"the registration went through while the older run's {hold} held"
        first.commit()
        thread.join(timeout=10)
    assert registered.is_set()
    with session_factory() as check:
        assert repo.fence_token(check, group.group_id) == 2


def test_a_fenced_end_closes_the_run_only_while_its_group_holds_the_token(
        session: Session, connect: ConnectGroup) -> None:
    group = connect(1)
    assert repo.register_fence(session, group.group_id, 4)
    run = repo.start_run(session, trigger="feed", group_id=group.group_id, fence_token=4)
    session.commit()
    ended = repo.finish_run(session, run.id, outcome=repo.RunOutcome.SUCCEEDED, fence_token=4)
    assert ended.outcome is repo.RunOutcome.SUCCEEDED
    session.commit()
    late = repo.start_run(session, trigger="feed", group_id=group.group_id, fence_token=4)
    assert repo.register_fence(session, group.group_id, 6)
    session.commit()
    with pytest.raises(repo.FenceMoved, match=f"sync run {late.id}: .*fence token 4"):
        repo.finish_run(session, late.id, outcome=repo.RunOutcome.SUCCEEDED, fence_token=4)
    session.rollback()
    assert repo.get_run(session, late.id).outcome is repo.RunOutcome.RUNNING
    with pytest.raises(repo.RecordNotFound, match="sync run 999999"):
        repo.finish_run(session, 999_999, outcome=repo.RunOutcome.SUCCEEDED, fence_token=6)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_fenced_end_waits_for_a_registration_under_way_then_finds_the_fence_moved(
        session_factory: sessionmaker, connect: ConnectGroup) -> None:
    group = connect(1)
    with session_factory() as first:
        assert repo.register_fence(first, group.group_id, 2)
        run = repo.start_run(first, trigger="feed", group_id=group.group_id, fence_token=2)
        first.commit()
        with session_factory() as newer:
            assert repo.register_fence(newer, group.group_id, 3)
            ending = threading.Thread(target=lambda: (time.sleep(0.3), newer.commit()))
            ending.start()
            started = time.perf_counter()
            with pytest.raises(repo.FenceMoved):
                repo.finish_run(first, run.id, outcome=repo.RunOutcome.SUCCEEDED, fence_token=2)
            assert time.perf_counter() - started >= 0.25
            ending.join(timeout=10)
