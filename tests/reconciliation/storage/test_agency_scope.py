"""A statement built once serves every agency's sessions, each with its own rows; one built per call is not
kept once it is gone."""

from __future__ import annotations

import gc

from sqlalchemy import select

from config.db import make_engine, make_session_factory
from config.migrate import upgrade_database
from reconciliation.storage import agency_scope
from reconciliation.storage import repository as repo
from reconciliation.storage.agency_scope import sessions_for
from reconciliation.storage.groups import hold_group
from reconciliation.storage.tables import AgencyRow, GroupRow


def test_a_statement_built_once_reads_each_agencys_own_rows(database_url: str) -> None:
    upgrade_database(database_url)
    engine = make_engine(database_url)
    try:
        base = make_session_factory(engine)
        with base.begin() as session:
            session.add_all([AgencyRow(name="acme"), AgencyRow(name="globex")])
        with base() as session:
            stored = session.execute(select(AgencyRow.name, AgencyRow.id))
            ids = {name: agency_id for name, agency_id in stored}
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
                    assert held is not None and held[0].group_name == name
        with sessions_for(base, ids["acme"])() as session:
            kept = len(agency_scope._SCOPED)
            for number in range(50):
                query = select(GroupRow.id).where(GroupRow.perfectquote_group_id == f"g{number}")
                session.scalars(query).all()
            del query
            gc.collect()
            assert len(agency_scope._SCOPED) <= kept
    finally:
        engine.dispose()
