"""The migration that gives every row an agency: a single-agency database made by the schema before it
moves whole into the default agency, and the same ids may then be used again by another agency."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from alembic import command
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Integer,
    MetaData,
    Table,
    create_engine,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection

from config.db import make_engine, make_session_factory
from config.migrate import alembic_config, upgrade_database
from reconciliation.agency import DEFAULT_AGENCY_ID
from reconciliation.storage import repository as repo
from reconciliation.storage.agency_scope import all_agencies, sessions_for
from reconciliation.storage.tables import AgencyRow

BEFORE_AGENCIES = "0008"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
# One row per table, each pointing at the others as a running single-agency service leaves them (ids
# well above what a sequence hands out next, which PostgreSQL does not advance for explicit ids).
ROWS: dict[str, dict[str, Any]] = {
    "group_connections": {"id": 1001, "perfectquote_group_id": "grp_m", "benefitpoint_account_id": "5001",
                          "conflict_policy": "source_of_truth_wins"},
    "plan_links": {"id": "link-m", "group_connection_id": 1001, "perfectquote_plan_id": "pq_m",
                   "benefitpoint_plan_id": "7001", "state": "linked", "choice": "merge", "version": 1},
    "sync_runs": {"id": 1001, "group_connection_id": 1001, "outcome": "succeeded", "trigger": "manual"},
    "change_log": {"id": 1001, "run_id": 1001, "link_id": "link-m", "field_path": "name",
                   "direction": "pq->bp", "before": "Old",
                   "after": "New"},
    "conflicts": {"id": 1001, "link_id": "link-m", "run_id": 1001, "field_path": "carrier"},
    "account_cache": {"account_id": "5001"},
    "feed_watermarks": {"system": "benefitpoint", "watermark": "2026-11-30T08:00:00"},
    "pending_plans": {"id": 1001, "group_connection_id": 1001, "side": "perfectquote", "plan_id": "pq_m"},
    "unreadable_changes": {"system": "benefitpoint", "entity_type": "Rate", "entity_id": "9"},
    "plan_snapshots": {"system": "benefitpoint", "plan_id": "7001", "native": {"productID": 7001}},
    "remote_entities": {"system": "benefitpoint", "entity_type": "Product", "entity_id": "7001",
                        "plan_id": "7001"},
    "carrier_integrations": {"id": 1001, "group_connection_id": 1001, "carrier_name": "Aetna",
                             "coverage_period_id": "cp-1"},
    "carrier_messages": {"id": 1001, "integration_id": 1001, "exchange_id": "msg-1"},
    "carrier_transmissions": {"id": 1001, "integration_id": 1001, "external_identifier": "tx-1"},
    "carrier_attempts": {"id": 1001, "integration_id": 1001},
}


def _filler(table: Table, given: dict[str, Any]) -> dict[str, Any]:
    """`given`, and a plausible value for every other column the table requires."""
    row = dict(given)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None:
            continue
        kind = column.type
        row[column.name] = (NOW if isinstance(kind, DateTime) else date(2026, 12, 1) if isinstance(kind, Date)
                            else True if isinstance(kind, Boolean) else 1 if isinstance(kind, Integer)
                            else {} if isinstance(kind, JSON) else "x")
    return row


def _upgrade_to(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def test_a_single_agency_database_moves_whole_into_the_default_agency(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            _upgrade_to(connection, BEFORE_AGENCIES)
            tables = MetaData()
            tables.reflect(connection)
            for name, given in ROWS.items():
                connection.execute(insert(tables.tables[name]).values(_filler(tables.tables[name], given)))
        upgrade_database(database_url)
        with engine.connect() as connection:
            tables = MetaData()
            tables.reflect(connection)
            for name in ROWS:
                agencies = connection.execute(select(tables.tables[name].c.agency_id)).scalars().all()
                assert agencies == [DEFAULT_AGENCY_ID], name
        base = make_session_factory(engine)
        with base() as session:  # a session bound to no agency is the default agency's
            group = repo.get_group(session, "grp_m")
            assert group.account_id == "5001"
            [link] = repo.links_for_group(session, "grp_m")
            assert link.id == "link-m"
            assert [change.after for change in repo.changes_for_run(session, 1001)] == ["New"]
            assert repo.get_run(session, 1001).outcome.value == "succeeded"
            assert repo.get_watermark(session, "benefitpoint") == "2026-11-30T08:00:00"
            assert session.get(AgencyRow, DEFAULT_AGENCY_ID).name == "default"
        # A second agency connects the same PerfectQuote group id and BenefitPoint account: two groups.
        with base.begin() as session:
            session.add(AgencyRow(name="acme"))
        with base() as session:
            acme_id = session.scalars(select(AgencyRow.id).where(AgencyRow.name == "acme")).one()
        with sessions_for(base, acme_id).begin() as session:
            assert repo.find_group(session, "grp_m") is None
            repo.connect_group(session, group_id="grp_m", group_name="Acme's", account_id="5001",
                               account_name="Acme's")
        with all_agencies(base)() as session:
            assert session.scalar(select(func.count()).select_from(tables.tables["group_connections"])) == 2
        with base() as session:
            assert repo.get_group(session, "grp_m").group_name != "Acme's"
    finally:
        engine.dispose()


def _analyzed(connection: Connection, table: str) -> bool:
    return connection.execute(text("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables "
                                    "WHERE relname = :table"), {"table": table}).scalar_one()


def test_statistics_are_taken_of_a_database_with_groups_never_of_an_empty_one(postgres_url: str) -> None:
    # Statistics of empty tables would have the planner plan for empty tables until autovacuum came round.
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        for with_group in (False, True):
            with engine.connect() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
                _upgrade_to(connection, BEFORE_AGENCIES)
                if with_group:
                    table = Table("group_connections", MetaData(), autoload_with=connection)
                    connection.execute(insert(table).values(_filler(table, ROWS["group_connections"])))
            upgrade_database(postgres_url)
            with engine.connect() as connection:
                assert _analyzed(connection, "group_connections") is with_group
                assert _analyzed(connection, "pending_plans") is with_group
    finally:
        engine.dispose()
