"""How every command prints: a table for people, one JSON document with --json, errors on stderr."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer

from config.migrate import upgrade_database
from config.settings import SettingsError
from connectors.errors import ConnectorError
from reconciliation.link_entry import LinkMapError
from reconciliation.plan import PlanValueError
from reconciliation.storage.errors import StorageError
from worker.runtime.context import SyncContext, get_context
from worker.service.accounts import CannotConnect
from worker.service.group_sync import GroupNotConnected

BAD_INPUT = (
    GroupNotConnected,
    CannotConnect,
    LinkMapError,
    StorageError,
    PlanValueError,
    SettingsError,
    ValueError,
)


def emit(data: Any, *, as_json: bool, render: Callable[[], None]) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
    else:
        render()


def table(rows: Sequence[Sequence[Any]], *, headers: Sequence[str]) -> None:
    """Plain aligned columns: readable in a terminal and in a pasted ticket."""
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            typer.echo("  ".join("-" * width for width in widths))


@contextmanager
def command_context() -> Iterator[SyncContext]:
    """The process context, with the embedded SQLite database brought to the latest schema."""
    with cli_errors():
        context = get_context()
        if context.settings.database_url.startswith("sqlite"):
            upgrade_database(context.settings.database_url)
        yield context


@contextmanager
def cli_errors() -> Iterator[None]:
    """Known failures become one clear line and an exit code: 2 for bad input, 1 for a system."""
    try:
        yield
    except ConnectorError as error:
        typer.echo(f"plansync: {error}", err=True)
        raise typer.Exit(1) from None
    except BAD_INPUT as error:
        typer.echo(f"plansync: {error}", err=True)
        raise typer.Exit(2) from None
