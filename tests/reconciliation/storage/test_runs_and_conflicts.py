from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from reconciliation.decisions import ConflictFound, FieldChange, Write, WriteKind
from reconciliation.link_entry import LinkEntry
from reconciliation.plan import Plan, Rates
from reconciliation.records import Group, Link
from reconciliation.side import Side
from reconciliation.storage import repository as repo
from reconciliation.storage.groups import hold_group
from reconciliation.storage.links import settlements_by_link

ConnectGroup = Callable[..., Group]
PLAN = Plan(name="Gold PPO", coverage="medical", carrier="aetna")
BOTH = {Side.PERFECTQUOTE: PLAN, Side.BENEFITPOINT: PLAN}


@pytest.fixture
def link(session: Session, connect: ConnectGroup) -> Link:
    added = repo.add_links(session, connect(1).group_id, [LinkEntry.merge("pln_1", "9001",
                                                                          source_of_truth=Side.PERFECTQUOTE)])
    session.commit()
    return added[0]


def test_a_run_round_trips_with_its_counts(session_factory: sessionmaker, session: Session,
                                           connect: ConnectGroup) -> None:
    group = connect(1)
    run = repo.start_run(session, trigger="feed", group_id=group.group_id)
    session.commit()
    with session_factory() as other:
        running = repo.get_run(other, run.id)
        assert running == run
        assert (running.outcome, running.finished_at) == ("running", None)
        assert running.group_id == group.group_id
    counts = repo.RunCounts(read=12, created=1, updated=3, conflicts=1, orphaned=2, errors=1)
    closed = repo.finish_run(session, run.id, outcome=repo.RunOutcome.PARTIAL, counts=counts,
                             error="pln_9: rate refused", unreviewed=4)
    session.commit()
    with session_factory() as other:
        finished = repo.get_run(other, run.id)
        assert finished == closed
        assert (finished.outcome, finished.trigger) == ("partial", "feed")
        assert finished.error == "pln_9: rate refused"
        assert finished.counts == counts
        assert finished.unreviewed == 4 and repo.last_unreviewed_count(other, group.group_id) == 4
        assert finished.finished_at is not None and finished.finished_at >= finished.started_at


def test_a_cycle_run_has_no_group_and_runs_list_newest_first(session: Session, connect: ConnectGroup) -> None:
    group = connect(1)
    cycle = repo.start_run(session, trigger="feed")
    mine = repo.start_run(session, trigger="manual", group_id=group.group_id)
    session.commit()
    assert cycle.group_id is None
    assert repo.recent_runs(session) == [mine, cycle]
    assert [run.id for run in repo.recent_runs(session, group_id=group.group_id)] == [mine.id]


def test_a_run_cannot_finish_as_running_or_start_without_a_trigger(session: Session) -> None:
    run = repo.start_run(session, trigger="daily")
    with pytest.raises(repo.StorageError, match=f"sync run {run.id}"):
        repo.finish_run(session, run.id, outcome=repo.RunOutcome.RUNNING)
    with pytest.raises(ValueError, match="trigger is empty"):
        repo.start_run(session, trigger=" ")


def test_a_write_is_logged_field_by_field_with_json_values(session_factory: sessionmaker, session: Session,
                                                           link: Link) -> None:
    run = repo.start_run(session, trigger="feed")
    rates = Rates(structure="composite", tiers={"ee": "512.5"})
    write = Write(side=Side.BENEFITPOINT, kind=WriteKind.UPDATE, plan=PLAN, changes=(
        FieldChange(path="benefits.deductible.individual", before=Decimal("1000.00"),
                    after=Decimal("1500.00")),
        FieldChange(path="rates", before=None, after=rates),
    ))
    logged = repo.log_write(session, run.id, link.id, write)
    repo.advance_baselines(session, link, BOTH)
    session.commit()
    with session_factory() as other:
        entries = repo.changes_for_run(other, run.id)
        assert entries == logged
        assert [(entry.direction, entry.path, entry.before, entry.after) for entry in entries] == [
            ("pq->bp", "benefits.deductible.individual", "1000.00", "1500.00"),
            ("pq->bp", "rates", None, {"structure": "composite", "frequency": "monthly",
                                       "tiers": {"ee": "512.50"}, "age_bands": []}),
        ]
        by_link = repo.changes_for_link(other, link.id)
        assert [entry.id for entry in by_link] == [entry.id for entry in entries]


def test_change_log_rows_are_committed_with_the_baselines_not_before(
    session_factory: sessionmaker, session: Session, link: Link
) -> None:
    run = repo.start_run(session, trigger="feed")
    session.commit()
    repo.log_change(session, run.id, link.id, direction=repo.Direction.BP_TO_PQ, path="name", before="A",
                    after="B")
    with session_factory() as other:
        assert repo.changes_for_run(other, run.id) == []
    session.rollback()  # the write was not confirmed
    assert repo.changes_for_run(session, run.id) == []


def test_a_held_conflict_is_settled_then_applied(session_factory: sessionmaker, session: Session,
                                                 link: Link) -> None:
    run = repo.start_run(session, trigger="feed")
    found = ConflictFound(path="benefits.copays.specialist", baseline=Decimal("40.00"),
                          values={Side.PERFECTQUOTE: Decimal("50.00"), Side.BENEFITPOINT: Decimal("60.00")},
                          winner=None)
    conflict = repo.record_conflict(session, run.id, link.id, found)
    held_link = repo.set_link_state(session, link, repo.LinkState.HELD,
                                    error="conflict on benefits.copays.specialist")
    session.commit()
    with session_factory() as reviewer:
        [held] = repo.open_conflicts(reviewer)
        assert held == conflict
        assert (held.baseline, held.values[Side.PERFECTQUOTE], held.values[Side.BENEFITPOINT]) == (
            "40.00", "50.00", "60.00")
        assert (held.winner, held.status) == (None, "open")
        settled = repo.settle_conflict(reviewer, held.id, Side.BENEFITPOINT)
        reviewer.commit()
        assert (settled.status, settled.settled_side) == ("settled", "benefitpoint")
        assert settled.settled_at is not None
    with session_factory() as sync:
        assert repo.open_conflicts(sync) == []
        assert repo.settlements_for_link(sync, link.id) == {"benefits.copays.specialist": Side.BENEFITPOINT}
        # A run reads every link's settlements at once: the same answer, and none for a link without.
        assert settlements_by_link(sync, [link.id, "lnk_other"]) == {
            link.id: {"benefits.copays.specialist": Side.BENEFITPOINT}}
        # A run's read of the group's links finds the link with settlements and reads those.
        assert repo.group_links(sync, link.group_id).settlements == {
            link.id: {"benefits.copays.specialist": Side.BENEFITPOINT}}
        assert repo.group_links(sync, link.group_id, baselines_for=[(Side.PERFECTQUOTE, "other")]
                                ).settlements == {}
        assert repo.mark_settlements_applied(sync, link.id, ["benefits.copays.specialist"]) == 1
        repo.advance_baselines(sync, held_link, BOTH)
        sync.commit()
    with session_factory() as later:
        assert repo.settlements_for_link(later, link.id) == {}
        assert settlements_by_link(later, [link.id]) == {}
        assert repo.group_links(later, link.group_id).settlements == {}
        assert repo.get_conflict(later, conflict.id).status == "applied"


def test_only_an_open_conflict_can_be_settled(session: Session, link: Link) -> None:
    run = repo.start_run(session, trigger="feed")
    decided = repo.record_conflict(session, run.id, link.id, ConflictFound(
        path="name", baseline="A", values={Side.PERFECTQUOTE: "B", Side.BENEFITPOINT: "C"},
        winner=Side.PERFECTQUOTE))
    session.commit()
    assert (decided.status, decided.winner) == ("applied", "perfectquote")
    with pytest.raises(repo.ConflictNotOpen, match=f"conflict {decided.id} on name is applied"):
        repo.settle_conflict(session, decided.id, Side.BENEFITPOINT)
    with pytest.raises(repo.RecordNotFound, match="conflict 987654"):
        repo.settle_conflict(session, 987654, Side.BENEFITPOINT)


def test_a_conflict_still_held_next_hour_is_updated_not_repeated(session: Session, link: Link) -> None:
    first_run = repo.start_run(session, trigger="feed")
    repo.record_conflict(session, first_run.id, link.id, ConflictFound(
        path="name", baseline="A", values={Side.PERFECTQUOTE: "B", Side.BENEFITPOINT: "C"}, winner=None))
    next_run = repo.start_run(session, trigger="feed")
    repo.record_conflict(session, next_run.id, link.id, ConflictFound(
        path="name", baseline="A", values={Side.PERFECTQUOTE: "B", Side.BENEFITPOINT: "D"}, winner=None))
    session.commit()
    [held] = repo.open_conflicts(session)
    assert (held.run_id, held.values[Side.BENEFITPOINT]) == (next_run.id, "D")
    assert repo.conflicts_of_run(session, first_run.id) == []
    assert repo.conflicts_of_run(session, next_run.id) == [held]


def test_open_conflicts_by_group(session: Session, connect: ConnectGroup, link: Link) -> None:
    other_group = connect(2)
    [other_link] = repo.add_links(session, other_group.group_id, [LinkEntry.copy(Side.PERFECTQUOTE, "pln_9")])
    run = repo.start_run(session, trigger="feed")
    for each in (link, other_link):
        repo.record_conflict(session, run.id, each.id, ConflictFound(
            path="name", baseline="A", values={Side.PERFECTQUOTE: "B", Side.BENEFITPOINT: "C"}, winner=None))
    session.commit()
    held = repo.open_conflicts(session, group_id=other_group.group_id)
    assert [conflict.link_id for conflict in held] == [other_link.id]
    assert len(repo.open_conflicts(session)) == 2


def test_a_run_left_running_by_a_dead_worker_is_closed_when_the_group_runs_again(
        session_factory: sessionmaker, session: Session, connect: ConnectGroup) -> None:
    group, other_group = connect(1), connect(2)
    held = hold_group(session, group.group_id)
    assert held is not None and not held.running
    abandoned = repo.start_run(session, trigger="feed", group_id=group.group_id, running=held.running)
    session.commit()
    elsewhere = repo.start_run(session, trigger="feed", group_id=other_group.group_id)
    session.commit()
    # The group's next run finds the dead one still running, and closes it as it starts.
    held = hold_group(session, group.group_id)
    assert held is not None and held.running
    repo.start_run(session, trigger="manual", group_id=group.group_id, running=held.running)
    session.commit()
    with session_factory() as other:
        closed = repo.get_run(other, abandoned.id)
        assert closed.outcome == repo.RunOutcome.SUPERSEDED.value
        assert closed.finished_at is not None and "abandoned" in (closed.error or "")
        assert repo.get_run(other, elsewhere.id).outcome == repo.RunOutcome.RUNNING.value
        # Only the run just started is running now.
        assert [run.outcome for run in repo.recent_runs(other, group_id=group.group_id)] == [
            repo.RunOutcome.RUNNING.value, repo.RunOutcome.SUPERSEDED.value]


def test_a_field_the_system_did_not_take_is_marked_not_applied(
        session_factory: sessionmaker, session: Session, link: Link) -> None:
    first = repo.start_run(session, trigger="feed")
    repo.log_change(session, first.id, link.id, direction=repo.Direction.PQ_TO_BP, path="rates", before="a",
                    after="b")
    second = repo.start_run(session, trigger="feed")
    logged = [repo.log_change(session, second.id, link.id, direction=repo.Direction.PQ_TO_BP, path=path,
                              before="b", after="c") for path in ("rates", "name")]
    assert all(change.applied for change in logged)  # applied unless said otherwise
    marked = repo.mark_not_applied(session, link.id, direction=repo.Direction.PQ_TO_BP, paths=["rates"])
    assert marked == 1
    assert repo.mark_not_applied(session, link.id, direction=repo.Direction.BP_TO_PQ, paths=["rates"]) == 0
    session.commit()
    with session_factory() as other:
        # Only the newest row of the field (the write just logged) is marked; earlier runs' rows stay.
        assert [(c.run_id, c.path, c.applied) for c in repo.changes_for_link(other, link.id)] == [
            (first.id, "rates", True), (second.id, "rates", False), (second.id, "name", True)]


def test_the_counts_dashboards_read(session: Session, connect: ConnectGroup, link: Link) -> None:
    never, succeeded = connect(2), repo.get_group(session, link.group_id)
    failed_run = repo.start_run(session, trigger="feed", group_id=succeeded.group_id)
    repo.finish_run(session, failed_run.id, outcome=repo.RunOutcome.FAILED)
    good_run = repo.start_run(session, trigger="feed", group_id=succeeded.group_id)
    ended = repo.finish_run(session, good_run.id, outcome=repo.RunOutcome.SUCCEEDED)
    repo.set_link_state(session, link, repo.LinkState.ERROR, error="refused")
    session.commit()
    last = repo.last_success_by_group(session)
    assert last[succeeded.group_id] == ended.finished_at
    assert last[never.group_id] == never.created_at
    assert repo.link_counts_by_state(session) == {"error": 1}
    assert repo.open_conflict_count(session) == 0
