"""CLI commands: db (migrate the database named by DATABASE_URL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer
from sqlalchemy.exc import ArgumentError, DBAPIError

from config.db_ready import shown, unreachable
from config.migrate import current_revision, head_revision, upgrade_database
from config.settings import SettingsError, load_settings
from worker.cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, fail

T = TypeVar("T")

db_app = typer.Typer(no_args_is_help=True, help="The plansync database.")


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
def upgrade() -> None:
    """Bring the database named by DATABASE_URL to the newest schema (safe to run again)."""
    database_url = _database_url()
    before = _reaching(database_url, lambda: current_revision(database_url))
    _reaching(database_url, lambda: upgrade_database(database_url))
    after = current_revision(database_url)
    where = shown(database_url)
    if before == after:
        typer.echo(f"Database {where} is up to date (revision {after}).")
    else:
        typer.echo(f"Database {where} upgraded from {before or 'empty'} to revision {after}.")


@db_app.command("status")
def status() -> None:
    """Show the database's schema revision and the newest one available."""
    database_url = _database_url()
    current = _reaching(database_url, lambda: current_revision(database_url))
    head = head_revision()
    state = "up to date" if current == head else "needs `plansync db upgrade`"
    typer.echo(f"Database {shown(database_url)}: revision {current or 'none'}, newest {head} ({state}).")
