"""Pending work and unreadable feed entities, stored on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reconciliation.pending import PENDING_GRACE, RETRY_CAP, UnreadableChange, retry_due
from reconciliation.records import Group
from reconciliation.side import Side
from reconciliation.storage import repository as repo
from reconciliation.storage.tables import PendingPlanRow

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def _pending(session: Session, group_id: str) -> dict[tuple[Side, str], tuple[int, str | None, datetime]]:
    return {p.ref: (p.attempts, p.last_error, p.due_at) for p in repo.pending_for_group(session, group_id)}


def test_the_plans_a_feed_named_are_kept_once_per_group_side_and_plan(
        session: Session, connect: Callable[..., Group]) -> None:
    connect(1), connect(2)
    written = repo.add_pending(session, {"grp_001": [(PQ, "pln_1"), (BP, "700001"), (PQ, "pln_1")],
                                         "grp_002": [(BP, "700001")], "grp_404": [(PQ, "pln_x")]},
                               due_at=NOW + PENDING_GRACE)
    session.commit()
    assert written == 3
    assert _pending(session, "grp_001") == {(PQ, "pln_1"): (0, None, NOW + PENDING_GRACE),
                                            (BP, "700001"): (0, None, NOW + PENDING_GRACE)}
    assert list(_pending(session, "grp_002")) == [(BP, "700001")]
    first_seen = repo.pending_for_group(session, "grp_001")[0].first_seen_at
    # Named again an hour later: still one row, first seen when it was first seen, due later.
    repo.add_pending(session, {"grp_001": [(PQ, "pln_1")]}, due_at=NOW + timedelta(hours=1))
    session.commit()
    again = {p.ref: p for p in repo.pending_for_group(session, "grp_001")}
    assert len(again) == 2
    assert again[(PQ, "pln_1")].first_seen_at == first_seen
    assert again[(PQ, "pln_1")].due_at == NOW + timedelta(hours=1)


def test_one_row_per_group_side_and_plan_is_a_rule_of_the_table(
        session: Session, connect: Callable[..., Group]) -> None:
    group = connect(1)
    repo.add_pending(session, {group.group_id: [(PQ, "pln_1")]}, due_at=NOW)
    session.commit()
    [row] = session.query(PendingPlanRow).all()
    session.add(PendingPlanRow(group_connection_id=row.group_connection_id, side="perfectquote",
                               plan_id="pln_1", due_at=NOW, attempts=0))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_a_run_removes_what_it_reconciled_and_keeps_a_failed_links_plans_with_backoff(
        session: Session, connect: Callable[..., Group]) -> None:
    connect(1)
    refs = [(PQ, "pln_1"), (BP, "700001"), (PQ, "pln_2")]
    repo.add_pending(session, {"grp_001": refs}, due_at=NOW)
    run = repo.start_run(session, trigger="feed", group_id="grp_001")
    claimed = repo.claim_pending(session, "grp_001", run_id=run.id, scope=None,
                                 due_at=NOW + timedelta(minutes=15))
    session.commit()
    assert [p.ref for p in claimed] == refs
    repo.settle_pending(session, group_id="grp_001", run_id=run.id,
                        failed={(PQ, "pln_2"): "refused: bad rate"}, run_error=None, now=NOW)
    session.commit()
    assert _pending(session, "grp_001") == {(PQ, "pln_2"): (1, "refused: bad rate", retry_due(NOW, 1))}
    # Failing again, it waits longer each time, at most an hour.
    for attempt in range(2, 12):
        run = repo.start_run(session, trigger="sweep", group_id="grp_001")
        repo.claim_pending(session, "grp_001", run_id=run.id, scope=None, due_at=NOW)
        repo.settle_pending(session, group_id="grp_001", run_id=run.id,
                            failed={(PQ, "pln_2"): "still bad"}, run_error=None, now=NOW)
        session.commit()
        assert _pending(session, "grp_001")[(PQ, "pln_2")] == (attempt, "still bad", retry_due(NOW, attempt))
    assert retry_due(NOW, 1) == NOW + PENDING_GRACE
    assert retry_due(NOW, 2) == NOW + 2 * PENDING_GRACE
    assert retry_due(NOW, 11) == NOW + RETRY_CAP


def test_a_failed_link_no_feed_named_becomes_pending_work_retried_with_backoff(
        session: Session, connect: Callable[..., Group]) -> None:
    connect(1)
    repo.add_pending(session, {"grp_001": [(PQ, "pln_1")]}, due_at=NOW)
    # A whole-group run (manual, daily) takes on what is pending; pln_2's link fails in it.
    run = repo.start_run(session, trigger="manual", group_id="grp_001")
    repo.claim_pending(session, "grp_001", run_id=run.id, scope=None, due_at=NOW)
    repo.settle_pending(session, group_id="grp_001", run_id=run.id,
                        failed={(PQ, "pln_2"): "malformed answer", (BP, "700002"): "malformed answer"},
                        run_error=None, now=NOW, retry={(PQ, "pln_2"): "malformed answer"})
    session.commit()
    assert _pending(session, "grp_001") == {(PQ, "pln_2"): (1, "malformed answer", retry_due(NOW, 1))}
    assert repo.take_due_pending(session, now=retry_due(NOW, 1), due_again=NOW) == ["grp_001"]


def test_a_run_that_did_not_get_through_keeps_everything_it_took_on(
        session: Session, connect: Callable[..., Group]) -> None:
    connect(1)
    repo.add_pending(session, {"grp_001": [(PQ, "pln_1"), (BP, "700001")]}, due_at=NOW)
    run = repo.start_run(session, trigger="feed", group_id="grp_001")
    repo.claim_pending(session, "grp_001", run_id=run.id, scope=None, due_at=NOW)
    repo.settle_pending(session, group_id="grp_001", run_id=run.id, failed={},
                        run_error="benefitpoint findProducts: HTTP 503", now=NOW)
    session.commit()
    assert {ref: attempts for ref, (attempts, _, _) in _pending(session, "grp_001").items()} == {
        (PQ, "pln_1"): 1, (BP, "700001"): 1}


def test_a_plan_named_again_while_the_run_went_on_is_no_longer_the_runs_to_remove(
        session: Session, connect: Callable[..., Group]) -> None:
    connect(1)
    repo.add_pending(session, {"grp_001": [(PQ, "pln_1"), (PQ, "pln_2")]}, due_at=NOW)
    run = repo.start_run(session, trigger="feed", group_id="grp_001")
    repo.claim_pending(session, "grp_001", run_id=run.id, scope=None, due_at=NOW)
    session.commit()
    # The next feed cycle names pln_1 again: the run may have read it before that change.
    repo.add_pending(session, {"grp_001": [(PQ, "pln_1")]}, due_at=NOW + PENDING_GRACE)
    session.commit()
    repo.settle_pending(session, group_id="grp_001", run_id=run.id, failed={}, run_error=None, now=NOW)
    session.commit()
    assert list(_pending(session, "grp_001")) == [(PQ, "pln_1")]


def test_a_run_of_some_plans_takes_on_only_those(session: Session, connect: Callable[..., Group]) -> None:
    connect(1)
    repo.add_pending(session, {"grp_001": [(PQ, "pln_1"), (PQ, "pln_2")]}, due_at=NOW)
    run = repo.start_run(session, trigger="feed", group_id="grp_001")
    claimed = repo.claim_pending(session, "grp_001", run_id=run.id, scope=[(PQ, "pln_2")], due_at=NOW)
    repo.settle_pending(session, group_id="grp_001", run_id=run.id, failed={}, run_error=None, now=NOW)
    session.commit()
    assert [p.ref for p in claimed] == [(PQ, "pln_2")]
    assert list(_pending(session, "grp_001")) == [(PQ, "pln_1")]


def test_the_sweeper_takes_the_groups_whose_pending_work_is_due_and_postpones_it(
        session: Session, connect: Callable[..., Group]) -> None:
    connect(1), connect(2), connect(3)
    repo.add_pending(session, {"grp_001": [(PQ, "pln_1")], "grp_002": [(BP, "700002"), (BP, "700003")]},
                     due_at=NOW)
    repo.add_pending(session, {"grp_003": [(PQ, "pln_3")]}, due_at=NOW + timedelta(minutes=3))
    session.commit()
    assert repo.take_due_pending(session, now=NOW - timedelta(seconds=1), due_again=NOW) == []
    assert repo.take_due_pending(session, now=NOW, due_again=NOW + PENDING_GRACE) == ["grp_001", "grp_002"]
    session.commit()
    # Nudged: not again until its grace passed, while grp_003 comes due.
    later = NOW + timedelta(minutes=3)
    assert repo.take_due_pending(session, now=later, due_again=later + PENDING_GRACE) == ["grp_003"]
    assert repo.take_due_pending(session, now=NOW + PENDING_GRACE, due_again=NOW + 2 * PENDING_GRACE) == [
        "grp_001", "grp_002"]


def _unreadable(entity_id: str, error: str = "getRate: productID None is not a number") -> UnreadableChange:
    return UnreadableChange(side=BP, entity_type="Rate", entity_id=entity_id, error=error)


def test_unreadable_feed_entities_are_kept_until_a_cycle_reads_them(session: Session) -> None:
    kept = repo.replace_unreadable(session, BP, [_unreadable("900001"), _unreadable("900002")], now=NOW)
    session.commit()
    assert [(c.entity_id, c.attempts, c.first_seen_at) for c in kept] == [
        ("900001", 1, NOW), ("900002", 1, NOW)]
    assert [c.key for c in repo.unreadable_changes(session, BP)] == [("Rate", "900001"), ("Rate", "900002")]
    assert repo.unreadable_changes(session, PQ) == []
    # The next cycle asked again: 900001 read fine, 900002 did not, and a new one failed.
    later = NOW + timedelta(hours=1)
    kept = repo.replace_unreadable(session, BP, [_unreadable("900002", "getRate: truncated"),
                                                 _unreadable("900003")], now=later)
    session.commit()
    stored = {c.entity_id: c for c in repo.unreadable_changes(session, BP)}
    assert sorted(stored) == ["900002", "900003"] == sorted(c.entity_id for c in kept)
    assert (stored["900002"].attempts, stored["900002"].error, stored["900002"].first_seen_at) == (
        2, "getRate: truncated", NOW)
    assert (stored["900003"].attempts, stored["900003"].first_seen_at) == (1, later)
    repo.replace_unreadable(session, BP, [], now=later)
    session.commit()
    assert repo.unreadable_changes(session, BP) == []
