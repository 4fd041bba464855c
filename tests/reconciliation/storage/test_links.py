from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from connectors.sandbox.demo_world import EMPLOYERS, seed_plans
from reconciliation.decisions import Choice
from reconciliation.link_entry import LinkEntry
from reconciliation.plan import Plan
from reconciliation.records import Group
from reconciliation.side import Side
from reconciliation.storage import links
from reconciliation.storage import repository as repo

ConnectGroup = Callable[..., Group]
PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


def _plans() -> list[Plan]:
    seeds = seed_plans(EMPLOYERS[0], seed=3)
    return [plan for seed in seeds for plan in (seed.perfectquote, seed.benefitpoint) if plan is not None]


def test_links_round_trip_with_their_choices(session_factory: sessionmaker, session: Session,
                                             connect: ConnectGroup) -> None:
    group = connect(1)
    entries = [
        LinkEntry.merge("pln_1", "9001", source_of_truth=Side.BENEFITPOINT),
        LinkEntry.copy(Side.PERFECTQUOTE, "pln_2"),
        LinkEntry.skip(Side.BENEFITPOINT, "9003"),
    ]
    created = repo.add_links(session, group.group_id, entries)
    session.commit()
    assert all(link.id.startswith("lnk_") and len(link.id) == 36 for link in created)
    with session_factory() as other:
        stored = repo.links_for_group(other, group.group_id)
        assert {link.entry for link in stored} == set(entries)
        # Links stored in one flush may share a created_at to the microsecond; their id then orders them.
        assert sorted(stored, key=lambda link: link.id) == sorted(created, key=lambda link: link.id)
        merge = repo.get_link(other, created[0].id)
        assert (merge.choice, merge.source_of_truth, merge.state) == ("merge", "benefitpoint", "pending")
        assert merge.plan_ids[PQ] == "pln_1"
        assert merge.plan_ids[BP] == "9001"
        assert merge.baselines[PQ] is None
        assert merge.version == 1
        assert merge.group_id == "grp_001"


def test_a_plan_cannot_be_in_two_links(session: Session, connect: ConnectGroup) -> None:
    first, second = connect(1), connect(2)
    repo.add_links(session, first.group_id, [LinkEntry.merge("pln_1", "9001",
                                                             source_of_truth=Side.PERFECTQUOTE)])
    session.commit()
    with pytest.raises(repo.PlanAlreadyLinked, match="bp:9001 is already in link lnk_"):
        repo.add_links(session, first.group_id, [LinkEntry.copy(Side.BENEFITPOINT, "9001")])
    with pytest.raises(repo.PlanAlreadyLinked, match="pq:pln_1"):
        repo.add_links(session, second.group_id, [LinkEntry.skip(Side.PERFECTQUOTE, "pln_1")])


def test_adding_links_is_all_or_nothing(session: Session, connect: ConnectGroup) -> None:
    group = connect(1)
    repo.add_links(session, group.group_id, [LinkEntry.copy(Side.PERFECTQUOTE, "pln_1")])
    session.commit()
    batch = [LinkEntry.copy(Side.PERFECTQUOTE, "pln_2"), LinkEntry.copy(Side.BENEFITPOINT, "9002"),
             LinkEntry.merge("pln_3", "9002", source_of_truth=Side.PERFECTQUOTE)]
    with pytest.raises(repo.PlanAlreadyLinked, match="bp:9002"):
        repo.add_links(session, group.group_id, batch)
    assert [link.plan_ids[PQ] for link in repo.links_for_group(session, group.group_id)] == ["pln_1"]


def test_a_plan_linked_meanwhile_is_refused_at_flush(session: Session, connect: ConnectGroup,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    group = connect(1)
    repo.add_links(session, group.group_id, [LinkEntry.copy(Side.PERFECTQUOTE, "pln_1")])
    session.commit()
    # As if another session linked pln_1 after this one looked: only the unique constraint sees it.
    monkeypatch.setattr(links, "_owners", lambda _session, _entries: {})
    with pytest.raises(repo.PlanAlreadyLinked, match="linked meanwhile; nothing was stored"):
        repo.add_links(session, group.group_id, [LinkEntry.copy(Side.BENEFITPOINT, "9001"),
                                                 LinkEntry.skip(Side.PERFECTQUOTE, "pln_1")])
    session.rollback()
    assert [link.plan_ids[PQ] for link in repo.links_for_group(session, group.group_id)] == ["pln_1"]


def test_a_plan_named_twice_in_one_list_is_refused(session: Session, connect: ConnectGroup) -> None:
    group = connect(1)
    batch = [LinkEntry.copy(Side.PERFECTQUOTE, "pln_1"), LinkEntry.skip(Side.PERFECTQUOTE, "pln_1")]
    named_twice = "pq:pln_1 is already in the choice copy pq:pln_1 of this list"
    with pytest.raises(repo.PlanAlreadyLinked, match=named_twice):
        repo.add_links(session, group.group_id, batch)
    assert repo.links_for_group(session, group.group_id) == []


def test_the_same_choice_stored_again_is_kept_not_doubled(session: Session, connect: ConnectGroup) -> None:
    group = connect(1)
    entry = LinkEntry.merge("pln_1", "9001", source_of_truth=Side.PERFECTQUOTE)
    first = repo.add_links(session, group.group_id, [entry])
    session.commit()
    again = repo.add_links(session, group.group_id, [entry, LinkEntry.copy(Side.BENEFITPOINT, "9002")])
    session.commit()
    assert again[0].id == first[0].id
    assert len(repo.links_for_group(session, group.group_id)) == 2


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        (LinkEntry(choice=Choice.MERGE, perfectquote_plan_id="pln_1", source_of_truth=Side.PERFECTQUOTE),
         "a merge links one perfectquote plan and one benefitpoint plan"),
        (LinkEntry(choice=Choice.COPY, perfectquote_plan_id="pln_1", source_of_truth=Side.BENEFITPOINT),
         "a copy is copied from the side of its plan"),
        (LinkEntry.unreviewed(Side.PERFECTQUOTE, "pln_1"), "unreviewed is not a choice to store"),
    ],
)
def test_a_choice_that_makes_no_sense_is_refused(session: Session, connect: ConnectGroup, entry: LinkEntry,
                                                 complaint: str) -> None:
    group = connect(1)
    with pytest.raises(repo.InvalidLinkEntry, match=complaint):
        repo.add_links(session, group.group_id, [entry])
    assert repo.links_for_group(session, group.group_id) == []


def test_baselines_round_trip_exactly(session_factory: sessionmaker, session: Session,
                                      connect: ConnectGroup) -> None:
    plans = _plans()
    group = connect(1)
    links = repo.add_links(session, group.group_id, [LinkEntry.copy(Side.PERFECTQUOTE, f"pln_{n}")
                                                     for n in range(len(plans))])
    for link, plan in zip(links, plans, strict=True):
        created = repo.record_created(session, link, Side.BENEFITPOINT, f"bp_{link.plan_ids[PQ]}")
        repo.advance_baselines(session, created, {PQ: plan, BP: plan.with_changes(name=plan.name + " (BP)")})
    session.commit()
    with session_factory() as other:
        for link, plan in zip(links, plans, strict=True):
            stored = repo.get_link(other, link.id)
            assert stored.baselines[PQ] == plan
            assert stored.baselines[BP] == plan.with_changes(name=plan.name + " (BP)")
            assert stored.state == "linked"
    rated = next(plan for plan in plans if plan.rates is not None and plan.rates.tiers)
    stored_json = next(link for link, plan in zip(links, plans, strict=True) if plan is rated)
    with session_factory() as other:
        baseline = repo.get_link(other, stored_json.id).baselines[PQ]
        assert baseline is not None and baseline.rates is not None
        assert all(isinstance(amount, Decimal) and amount.as_tuple().exponent == -2
                   for amount in baseline.rates.tiers.values())
        assert isinstance(baseline.effective_date, date)


def test_a_baseline_keeps_odd_cents_and_benefit_text(session_factory: sessionmaker, session: Session,
                                                     connect: ConnectGroup) -> None:
    plan = Plan(name="Silver HMO", coverage="medical", carrier="aetna", effective_date="2026-02-28",
                benefits={"deductible.individual": "1234.005", "rx.generic": "$10 copay"})
    link = repo.add_links(session, connect(1).group_id, [LinkEntry.copy(Side.PERFECTQUOTE, "pln_1")])[0]
    repo.advance_baselines(session, link, {PQ: plan, BP: None})
    session.commit()
    with session_factory() as other:
        baseline = repo.get_link(other, link.id).baselines[PQ]
        assert baseline == plan
        assert baseline is not None
        assert baseline.benefits["deductible.individual"] == Decimal("1234.00")
        assert baseline.benefits["rx.generic"] == "$10 copay"
        assert repo.get_link(other, link.id).baselines[BP] is None


def test_a_none_baseline_leaves_that_side_as_it_was(session: Session, connect: ConnectGroup) -> None:
    first, second = _plans()[:2]
    link = repo.add_links(session, connect(1).group_id, [LinkEntry.merge("pln_1", "9001",
                                                                         source_of_truth=Side.PERFECTQUOTE)])[0]
    link = repo.advance_baselines(session, link, {PQ: first, BP: first})
    link = repo.advance_baselines(session, link, {PQ: second, BP: None})
    assert link.baselines[PQ] == second
    assert link.baselines[BP] == first


def test_a_create_intent_survives_a_crash(session_factory: sessionmaker, connect: ConnectGroup,
                                          session: Session) -> None:
    link = repo.add_links(session, connect(1).group_id, [LinkEntry.copy(Side.PERFECTQUOTE, "pln_1")])[0]
    session.commit()
    crashed = session_factory()
    repo.mark_create_intent(crashed, link, Side.BENEFITPOINT)
    crashed.commit()  # the service layer's recovery point, before the create call
    crashed.close()  # the worker dies here, before the create call returns
    with session_factory() as recovering:
        pending = repo.pending_creates(recovering)
        assert [row.id for row in pending] == [link.id]
        intent = pending[0].create_intent
        assert intent is not None and intent.side is Side.BENEFITPOINT
        assert intent.started_at.tzinfo is not None
        repo.record_created(recovering, pending[0], Side.BENEFITPOINT, "9555")
        recovering.commit()
    with session_factory() as later:
        assert repo.pending_creates(later) == []
        stored = repo.get_link(later, link.id)
        assert stored.plan_ids[BP] == "9555"
        assert stored.create_intent is None


def test_nothing_is_stored_until_the_caller_commits(session_factory: sessionmaker, connect: ConnectGroup,
                                                    session: Session) -> None:
    link = repo.add_links(session, connect(1).group_id, [LinkEntry.copy(Side.PERFECTQUOTE, "pln_1")])[0]
    session.commit()
    crashed = session_factory()
    marked = repo.mark_create_intent(crashed, link, Side.BENEFITPOINT)
    assert marked.create_intent is not None and marked.version == link.version + 1
    crashed.close()  # no commit: the intent is gone with the session
    with session_factory() as later:
        assert repo.pending_creates(later) == []
        assert repo.get_link(later, link.id) == link


def test_marking_the_same_intent_again_keeps_its_start(session: Session, connect: ConnectGroup) -> None:
    link = repo.add_links(session, connect(1).group_id, [LinkEntry.copy(Side.PERFECTQUOTE, "pln_1")])[0]
    first = repo.mark_create_intent(session, link, Side.BENEFITPOINT)
    second = repo.mark_create_intent(session, first, Side.BENEFITPOINT)
    assert first.create_intent == second.create_intent
    assert second.version == first.version


def test_an_intent_on_a_side_that_has_its_plan_is_refused(session: Session, connect: ConnectGroup) -> None:
    link = repo.add_links(session, connect(1).group_id, [LinkEntry.copy(Side.PERFECTQUOTE, "pln_1")])[0]
    with pytest.raises(repo.StorageError, match="already has pq:pln_1"):
        repo.mark_create_intent(session, link, Side.PERFECTQUOTE)


def test_a_second_plan_id_on_the_same_side_is_refused(session: Session, connect: ConnectGroup) -> None:
    link = repo.add_links(session, connect(1).group_id, [LinkEntry.copy(Side.PERFECTQUOTE, "pln_1")])[0]
    link = repo.record_created(session, link, Side.BENEFITPOINT, "9555")
    link = repo.record_created(session, link, Side.BENEFITPOINT, "9555")
    with pytest.raises(repo.StorageError, match="already has bp:9555, not 9556"):
        repo.record_created(session, link, Side.BENEFITPOINT, "9556")


def test_a_created_plan_id_held_by_another_link_is_refused(session: Session, connect: ConnectGroup) -> None:
    first, _ = repo.add_links(session, connect(1).group_id, [LinkEntry.copy(Side.PERFECTQUOTE, "pln_1"),
                                                             LinkEntry.copy(Side.BENEFITPOINT, "9002")])
    with pytest.raises(repo.PlanAlreadyLinked, match="bp:9002 is already in link"):
        repo.record_created(session, first, Side.BENEFITPOINT, "9002")


def test_an_error_is_recorded_on_its_link_and_cleared_by_a_good_sync(session_factory: sessionmaker,
                                                                     session: Session,
                                                                     connect: ConnectGroup) -> None:
    bad, good = repo.add_links(session, connect(1).group_id, [LinkEntry.copy(Side.PERFECTQUOTE, "pln_1"),
                                                              LinkEntry.copy(Side.PERFECTQUOTE, "pln_2")])
    problem = "carrier 'acme' is not in the crosswalk"
    bad = repo.set_link_state(session, bad, repo.LinkState.ERROR, error=problem)
    session.commit()
    with session_factory() as other:
        stored = repo.get_link(other, bad.id)
        assert (stored.state, stored.last_error) == ("error", problem)
        assert stored.last_error_at is not None
        assert repo.get_link(other, good.id).last_error is None
    bad = repo.advance_baselines(session, bad, {PQ: _plans()[0]})
    assert (bad.state, bad.last_error, bad.last_error_at) == ("linked", None, None)


def test_a_link_changed_elsewhere_is_not_overwritten(session_factory: sessionmaker, session: Session,
                                                      connect: ConnectGroup) -> None:
    link = repo.add_links(session, connect(1).group_id, [LinkEntry.copy(Side.PERFECTQUOTE, "pln_1")])[0]
    session.commit()
    with session_factory() as first, session_factory() as second:
        mine, theirs = repo.get_link(first, link.id), repo.get_link(second, link.id)
        repo.set_link_state(second, theirs, repo.LinkState.HELD, error="more than half the plans missing")
        second.commit()
        with pytest.raises(repo.StaleLink, match=f"plan link {link.id} was changed elsewhere"):
            repo.set_link_state(first, mine, repo.LinkState.LINKED)
    with session_factory() as check:
        stored = repo.get_link(check, link.id)
        assert (stored.state, stored.version) == ("held", 2)
        # A value read before the change is refused in any session, not only in the one that read it.
        with pytest.raises(repo.StaleLink, match=f"plan link {link.id} was changed elsewhere"):
            repo.advance_baselines(check, link, {PQ: _plans()[0]})


def test_an_unlinked_link_frees_its_plans_and_keeps_its_history(session: Session,
                                                              connect: ConnectGroup) -> None:
    first, other = connect(1), connect(2)
    link = repo.add_links(session, first.group_id, [LinkEntry.merge("pln_1", "9001",
                                                                    source_of_truth=Side.PERFECTQUOTE)])[0]
    with pytest.raises(repo.RecordNotFound, match=f"plan link {link.id} does not belong to this group"):
        repo.unlink(session, other.group_id, link.id)
    unlinked = repo.unlink(session, first.group_id, link.id)
    assert (unlinked.state, unlinked.plan_ids) == ("unlinked", {PQ: None, BP: None})
    assert unlinked.last_error == "unlinked (was pq:pln_1 + bp:9001)"
    assert repo.unlink(session, first.group_id, link.id) == unlinked
    again = repo.add_links(session, first.group_id, [LinkEntry.copy(Side.PERFECTQUOTE, "pln_1")])
    assert [link.plan_ids[PQ] for link in again] == ["pln_1"]


def test_an_unknown_link_is_named(session: Session) -> None:
    with pytest.raises(repo.RecordNotFound, match="plan link lnk_missing"):
        repo.get_link(session, "lnk_missing")


def test_a_run_of_a_few_links_decodes_only_their_baselines(session: Session, connect: ConnectGroup) -> None:
    group = connect(1)
    entries = [LinkEntry.merge("pln_1", "9001", source_of_truth=PQ),
               LinkEntry.merge("pln_2", "9002", source_of_truth=PQ)]
    named, other = repo.add_links(session, group.group_id, entries)
    plan = _plans()[0]
    named = repo.advance_baselines(session, named, {PQ: plan, BP: plan})
    other = repo.advance_baselines(session, other, {PQ: plan, BP: plan})
    session.commit()

    scoped = {link.id: link for link in repo.links_for_group(session, group.group_id,
                                                             baselines_for=[(BP, "9001")])}

    assert scoped[named.id] == named  # named by one of its plans: whole, baselines included
    # Counted with its plan ids, never reconciled: its baselines are not decoded.
    assert scoped[other.id].baselines == {PQ: None, BP: None}
    assert scoped[other.id].plan_ids == other.plan_ids
    assert repo.links_for_group(session, group.group_id) == [named, other]


def test_a_link_that_is_not_stored_cannot_advance(session: Session, connect: ConnectGroup) -> None:
    link = repo.add_links(session, connect(1).group_id, [LinkEntry.copy(PQ, "pln_1")])[0]
    session.rollback()
    with pytest.raises(repo.RecordNotFound, match=f"plan link {link.id} is not stored"):
        repo.advance_baselines(session, link, {PQ: _plans()[0]})
