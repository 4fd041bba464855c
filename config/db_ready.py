"""Is the database there and at the newest schema? One clear error, naming it, when it is not."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy.exc import ArgumentError, DBAPIError

from config.migrate import alembic_config, current_revision, safe_url, upgrade_database
from config.settings import SettingsError, mask_url


class DatabaseNotReady(Exception):
    """The database cannot be used as it is; the message says which one and what to do."""


class DatabaseUnreachable(DatabaseNotReady):
    """Refused, unknown, or not answering: the server, the file or the credentials."""


class DatabaseNotMigrated(DatabaseNotReady):
    """Reachable, but not at the schema this release needs."""


def shown(database_url: str) -> str:
    """The URL fit for a message: its password masked."""
    try:
        return safe_url(database_url)
    except (ArgumentError, ValueError):
        return mask_url(database_url)


def reason(error: BaseException) -> str:
    """The driver's first line (`connection refused`, `no such table: runs`), without SQLAlchemy's echo."""
    original = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    lines = [line.strip() for line in str(original).strip().splitlines() if line.strip()]
    return mask_url(lines[0] if lines else type(original).__name__)


def unreachable(database_url: str, error: BaseException) -> DatabaseUnreachable:
    what = ("that its folder exists and is writable" if database_url.startswith("sqlite")
            else "that the database server is running")
    return DatabaseUnreachable(f"cannot use database {shown(database_url)}: {reason(error)}; "
                               f"check DATABASE_URL and {what}")


def check_database(database_url: str) -> str:
    """The database's revision when it is the newest; else DatabaseNotReady saying what to do."""
    try:
        current = current_revision(database_url)
    except DBAPIError as error:
        raise unreachable(database_url, error) from None
    except (ArgumentError, ValueError) as error:
        raise SettingsError(f"DATABASE_URL={shown(database_url)!r}: {error}") from None
    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head()
    if current == head and current is not None:
        return current
    where = shown(database_url)
    if current is None:
        raise DatabaseNotMigrated(f"database {where} has no plansync tables yet: run `plansync db upgrade`")
    if current not in {script.revision for script in scripts.walk_revisions()}:
        raise DatabaseNotMigrated(f"database {where} is at revision {current}, newer than this release "
                                  f"knows ({head}): run the newer plansync release")
    raise DatabaseNotMigrated(f"database {where} is at revision {current}, this release needs {head}: "
                              "run `plansync db upgrade`")


def prepare_database(database_url: str) -> None:
    """What every command does first: the embedded SQLite file is brought to the newest schema;
    any other database must be there already (`plansync db upgrade`, once per release)."""
    if not database_url.startswith("sqlite"):
        check_database(database_url)
        return
    try:
        upgrade_database(database_url)
    except DBAPIError as error:
        raise unreachable(database_url, error) from None
