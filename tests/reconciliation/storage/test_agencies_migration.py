"""Migration 0008 on both backends: the agencies and their catalogues, from a database at 0007 and back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from config.db import make_engine
from config.migrate import alembic_config, current_revision, head_revision, upgrade_database

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _migrate(database_url: str, revision: str, *, down: bool = False) -> None:
    engine = make_engine(database_url)
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)
    finally:
        engine.dispose()


def test_0008_adds_both_tables_to_a_database_at_0007_and_keeps_its_data(database_url: str) -> None:
    _migrate(database_url, "0007")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO feed_watermarks (system, watermark, updated_at) "
                                    "VALUES ('perfectquote', 'w-1', :now)"), {"now": NOW})
        assert "agencies" not in inspect(engine).get_table_names()
        upgrade_database(database_url)
        assert current_revision(database_url) == head_revision()
        schema = inspect(engine)
        assert {c["name"] for c in schema.get_columns("agencies")} == {
            "id", "name", "perfectquote_url", "perfectquote_token", "benefitpoint_url",
            "benefitpoint_username", "benefitpoint_password", "benefitpoint_link_field_id",
            "benefitpoint_rates_writable", "carrier_exchange_url", "carrier_exchange_api_key", "disabled_at",
            "created_at"}
        assert {c["name"] for c in schema.get_columns("agency_catalogues")} == {"agency_id", "mapping",
                                                                                 "applied_at"}
        with engine.connect() as connection:
            assert connection.execute(text("SELECT watermark FROM feed_watermarks")).scalar_one() == "w-1"
    finally:
        engine.dispose()


def test_an_agency_name_is_unique_and_a_catalogue_needs_its_agency(database_url: str) -> None:
    upgrade_database(database_url)
    engine = make_engine(database_url)
    insert = text("INSERT INTO agencies (name, created_at) VALUES (:name, :now)")
    try:
        with engine.begin() as connection:
            connection.execute(insert, {"name": "acme", "now": NOW})
            agency_id = connection.execute(text("SELECT id FROM agencies WHERE name = 'acme'")).scalar_one()
            connection.execute(text("INSERT INTO agency_catalogues (agency_id, mapping, applied_at) "
                                    "VALUES (:id, '{}', :now)"), {"id": agency_id, "now": NOW})
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert, {"name": "acme", "now": NOW})
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("INSERT INTO agency_catalogues (agency_id, mapping, applied_at) "
                                    "VALUES (:id, '{}', :now)"), {"id": agency_id + 100, "now": NOW})
    finally:
        engine.dispose()


def test_0008_goes_down_to_0007_and_up_again(database_url: str) -> None:
    upgrade_database(database_url)
    _migrate(database_url, "0007", down=True)
    engine = make_engine(database_url)
    try:
        assert not {"agencies", "agency_catalogues"} & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    upgrade_database(database_url)
    assert current_revision(database_url) == head_revision()
