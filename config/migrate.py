"""Alembic, configured in code: upgrade a database to the newest schema, report its revision."""

from __future__ import annotations

import importlib
import importlib.util

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, make_url, text

from config.db import Base, make_engine
from config.logging import get_logger

SCRIPT_LOCATION = "config:migrations"
# Any fixed number: two processes upgrading one PostgreSQL database at once take turns.
_ADVISORY_LOCK_KEY = 7_251_003_114

log = get_logger(__name__)


def target_metadata() -> MetaData:
    """Every model the migrations cover: plan sync always, carrier integration once it exists."""
    importlib.import_module("reconciliation.storage.tables")
    if importlib.util.find_spec("carriers.storage.tables") is not None:
        importlib.import_module("carriers.storage.tables")
    return Base.metadata


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(database_url: str) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def safe_url(database_url: str) -> str:
    """The URL with its password masked, fit for output and logs."""
    return make_url(database_url).render_as_string(hide_password=True)


def new_revision(database_url: str, *, message: str, revision_id: str) -> str:
    """Write a migration script for what the models have that the database (at head) lacks; its path."""
    engine = make_engine(database_url)
    config = alembic_config()
    try:
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            script = command.revision(config, message=message, autogenerate=True, rev_id=revision_id)
    finally:
        engine.dispose()
    if script is None or isinstance(script, list):
        raise RuntimeError(f"revision {revision_id}: alembic wrote no single script")
    return script.path


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the upgrade left {len(broken)} rows whose foreign key points nowhere "
                           f"(first: table {broken[0][0]}, row {broken[0][1]})")


def upgrade_database(database_url: str) -> None:
    """Apply every migration not yet applied; safe to run again and from several processes."""
    engine = make_engine(database_url)
    config = alembic_config()
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # A batch migration copies a table and drops the old one, which SQLite refuses (or, worse,
                # cascades) while foreign keys are enforced; they are checked once the copy is done.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                       {"key": _ADVISORY_LOCK_KEY})
                before = MigrationContext.configure(connection).get_current_revision()
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                after = MigrationContext.configure(connection).get_current_revision()
                if sqlite:
                    _check_foreign_keys(connection)
    finally:
        engine.dispose()
    if before != after:  # Every command on the embedded database calls this: only a change is news.
        log.info("db.upgraded", database=safe_url(database_url), from_revision=before, to_revision=after)
