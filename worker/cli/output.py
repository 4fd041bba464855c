"""How every command prints: a table for people, one JSON document with --json, errors on stderr."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer

from config.db_ready import prepare_database
from worker.cli.errors import cli_errors
from worker.runtime.context import SyncContext, get_context

__all__ = ["cli_errors", "command_context", "emit", "table"]


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
    """The process context, its database ready: SQLite brought to the newest schema, any other checked."""
    with cli_errors():
        context = get_context()
        prepare_database(context.settings.database_url)
        yield context
