from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from config.db import make_engine
from config.migrate import alembic_config, current_revision, head_revision, target_metadata, upgrade_database
from reconciliation.storage import repository as repo
from reconciliation.storage.tables import RunRow

PLAN_SYNC_TABLES = {"group_connections", "plan_links", "sync_runs", "change_log", "conflicts",
                    "account_cache", "feed_watermarks"}


def test_migrations_apply_from_empty(database_url: str) -> None:
    assert current_revision(database_url) is None
    upgrade_database(database_url)
    assert current_revision(database_url) == head_revision()
    engine = make_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) >= PLAN_SYNC_TABLES
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing(migrated_url: str) -> None:
    upgrade_database(migrated_url)
    assert current_revision(migrated_url) == head_revision()


def test_migrated_schema_matches_the_models(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, target_metadata())
    finally:
        engine.dispose()
    assert differences == []


def test_the_first_revision_is_0001() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_revision("0001").down_revision is None


def test_timestamps_come_back_aware_utc(session: Session) -> None:
    run = repo.start_run(session, trigger="manual")
    run_id = run.id
    session.expunge_all()
    stored = repo.get_run(session, run_id)
    assert stored.started_at.tzinfo is not None
    assert stored.started_at.utcoffset() == timedelta(0)
    assert abs(stored.started_at - datetime.now(UTC)) < timedelta(minutes=5)


def test_a_timestamp_in_another_zone_is_stored_as_the_same_instant(session: Session) -> None:
    run = repo.start_run(session, trigger="manual")
    eastern = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    row = session.get(RunRow, run.id)
    assert row is not None
    row.started_at = eastern
    session.commit()
    session.expunge_all()
    assert repo.get_run(session, run.id).started_at == datetime(2026, 3, 1, 14, 30, tzinfo=UTC)


def test_a_naive_timestamp_is_refused(session: Session) -> None:
    run = repo.start_run(session, trigger="manual")
    row = session.get(RunRow, run.id)
    assert row is not None
    row.finished_at = datetime(2026, 3, 1, 9, 30)
    with pytest.raises(StatementError, match="no time zone"):
        session.commit()
