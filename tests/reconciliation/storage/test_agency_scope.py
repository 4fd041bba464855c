"""A statement built once serves every agency's sessions, each with its own rows; one built per call is not
kept once it is gone; a statement that names its agency runs only in that agency's session."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.column_types import utcnow
from config.db import make_engine, make_session_factory
from config.migrate import upgrade_database
from reconciliation.decisions import Choice
from reconciliation.link_entry import LinkEntry
from reconciliation.side import Side
from reconciliation.states import LinkState
from reconciliation.storage import agency_scope
from reconciliation.storage import repository as repo
from reconciliation.storage.agency_scope import AgencyScopedError, all_agencies, sessions_for
from reconciliation.storage.groups import hold_group
from reconciliation.storage.named_agency import execute_named, names_agency, of_agency
from reconciliation.storage.tables import AgencyRow, GroupRow, LinkRow

PQ = Side.PERFECTQUOTE


@pytest.fixture
def base(database_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions of a migrated database, of the default agency unless bound to another."""
    upgrade_database(database_url)
    engine = make_engine(database_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def _two_agencies(base: sessionmaker[Session]) -> dict[str, int]:
    with base.begin() as session:
        session.add_all([AgencyRow(name="acme"), AgencyRow(name="globex")])
    with base() as session:
        return {name: agency_id for name, agency_id in
                session.execute(select(AgencyRow.name, AgencyRow.id))}


def test_a_statement_built_once_reads_each_agencys_own_rows(base: sessionmaker[Session]) -> None:
    ids = _two_agencies(base)
    for name, token in (("acme", 7), ("globex", 3)):
        with sessions_for(base, ids[name]).begin() as session:
            repo.connect_group(session, group_id="grp_same", group_name=name, account_id="5001",
                               account_name=name)
            assert repo.register_fence(session, "grp_same", token)
    # Alternating agencies on the same statement objects (the fence read, the group held by a run).
    for _ in range(2):
        for name, token in (("acme", 7), ("globex", 3)):
            with sessions_for(base, ids[name])() as session:
                assert repo.fence_token(session, "grp_same") == token
                assert repo.fence_token(session, "grp_same", lock=True) == token
                held = hold_group(session, "grp_same")
                assert held is not None and held.group.group_name == name and held.fence_token == token
    with sessions_for(base, ids["acme"])() as session:
        kept = len(agency_scope._SCOPED)
        for number in range(50):
            query = select(GroupRow.id).where(GroupRow.perfectquote_group_id == f"g{number}")
            session.scalars(query).all()
        del query
        gc.collect()
        assert len(agency_scope._SCOPED) <= kept


def test_statements_that_name_their_agency_read_and_write_each_agencys_own_rows(
        base: sessionmaker[Session]) -> None:
    ids = _two_agencies(base)
    for name in ("acme", "globex"):
        with sessions_for(base, ids[name]).begin() as session:
            repo.connect_group(session, group_id="grp_same", group_name=name, account_id="5001",
                               account_name=name)
            repo.add_links(session, "grp_same", [LinkEntry(choice=Choice.COPY, source_of_truth=PQ,
                                                           perfectquote_plan_id=f"pq-{name}")])
            repo.add_pending(session, {"grp_same": [(PQ, f"pq-{name}")]}, due_at=utcnow())
    for name in ("acme", "globex"):
        with sessions_for(base, ids[name]).begin() as session:
            [link] = repo.links_for_group(session, "grp_same")
            assert link.plan_ids[PQ] == f"pq-{name}"
            pending = repo.pending_for_group(session, "grp_same")
            assert [plan.plan_id for plan in pending] == [f"pq-{name}"]
            run = repo.start_run(session, trigger="feed", group_id="grp_same", fence_token=1)
            claimed = repo.claim_pending(session, "grp_same", run_id=run.id, scope=None, due_at=utcnow())
            assert [plan.plan_id for plan in claimed] == [f"pq-{name}"]
            repo.set_link_state(session, link, LinkState.HELD, error=f"held in {name}")
    with all_agencies(base)() as session:
        stored = session.execute(select(LinkRow.agency_id, LinkRow.last_error)).all()
        assert sorted(stored) == sorted((ids[name], f"held in {name}") for name in ("acme", "globex"))


def test_a_statement_that_names_its_agency_runs_in_that_agencys_session_only(
        base: sessionmaker[Session]) -> None:
    with base.begin() as session:
        repo.connect_group(session, group_id="grp_001", group_name="g", account_id="5001", account_name="a")
    with pytest.raises(AgencyScopedError, match="every agency"), all_agencies(base)() as session:
        repo.fence_token(session, "grp_001")
    statement = names_agency(select(GroupRow.__table__.c.fence_token).where(of_agency(GroupRow.__table__)))
    with pytest.raises(AgencyScopedError, match="agency 0"), base() as session:
        session.execute(statement, {agency_scope.AGENCY_PARAMETER: 7})
    with base() as session:
        assert execute_named(session, statement).scalar_one() == 0


def test_a_statement_marked_as_naming_its_agency_without_it_is_refused_when_built() -> None:
    with pytest.raises(AgencyScopedError, match="scope_agency_id"):
        names_agency(select(GroupRow.__table__.c.fence_token))
