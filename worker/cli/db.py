"""CLI commands: db (migrate the database named by DATABASE_URL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy.exc import ArgumentError, DBAPIError

from config.db_ready import shown, unreachable
from config.migrate import current_revision, head_revision, upgrade_database
from config.settings import SettingsError, load_settings
from worker.cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, fail
from worker.cli.output import emit

T = TypeVar("T")

db_app = typer.Typer(no_args_is_help=True, help="The plansync database.")
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _database_url() -> str:
    try:
        return load_settings().database_url
    except SettingsError as error:
        fail(str(error), EXIT_BAD_INPUT)


def _reaching(database_url: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except DBAPIError as error:
        fail(str(unreachable(database_url, error)), EXIT_FAILED)
    except (ArgumentError, ValueError) as error:
        fail(f"DATABASE_URL={shown(database_url)!r}: {error}", EXIT_BAD_INPUT)


@db_app.command("upgrade")
def upgrade(as_json: JsonOption = False) -> None:
    """Bring the database named by DATABASE_URL to the newest schema (safe to run again)."""
    database_url = _database_url()
    before = _reaching(database_url, lambda: current_revision(database_url))
    _reaching(database_url, lambda: upgrade_database(database_url))
    after = current_revision(database_url)
    where = shown(database_url)
    said = (f"Database {where} is up to date (revision {after})." if before == after
            else f"Database {where} upgraded from {before or 'empty'} to revision {after}.")
    emit({"database": where, "from_revision": before, "revision": after}, as_json=as_json,
         render=lambda: typer.echo(said))


@db_app.command("status")
def status(as_json: JsonOption = False) -> None:
    """Show the database's schema revision and the newest one available."""
    database_url = _database_url()
    current = _reaching(database_url, lambda: current_revision(database_url))
    head = head_revision()
    state = "up to date" if current == head else "needs `plansync db upgrade`"
    where = shown(database_url)
    data = {"database": where, "revision": current, "newest": head, "up_to_date": current == head}
    emit(data, as_json=as_json, render=lambda: typer.echo(
        f"Database {where}: revision {current or 'none'}, newest {head} ({state})."))
