"""How every command prints: a table for people, one JSON document with --json, errors on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, TypeVar

import typer

from config.db_ready import prepare_database
from config.settings import load_settings
from worker.cli.agency_option import chosen_agency
from worker.cli.errors import cli_errors
from worker.runtime.context import SyncContext
from worker.runtime.process_context import get_context, installed_context
from worker.service.agency_choice import AgencyDisabled

__all__ = ["cli_errors", "clip", "command_context", "emit", "progress", "show_value", "step_progress",
           "table"]

T = TypeVar("T")
CELL_WIDTH = 48  # wide enough for every id (a link id is 36); names and values longer than this are cut
LARGE_GROUP_LINKS = 20  # a group with fewer links syncs in a moment: no bar


def emit(data: Any, *, as_json: bool, render: Callable[[], None]) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
    else:
        render()


def clip(text: str, width: int = CELL_WIDTH) -> str:
    """A long name cut to `width` characters, its end marked; --json has it whole."""
    return text if len(text) <= width else text[: width - 1] + "…"


def show_value(value: Any) -> str:
    """A field's value as a person reads it: `-` for none, `20.00` for a number or text, JSON for the rest."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value if value.strip() == value and value else json.dumps(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return json.dumps(value, default=str, separators=(", ", ": "))


def table(rows: Sequence[Sequence[Any]], *, headers: Sequence[str], width: int = CELL_WIDTH) -> None:
    """Plain aligned columns, long cells cut: readable in a terminal and in a pasted ticket."""
    cells = [[str(h) for h in headers]] + [["-" if c is None else clip(str(c), width) for c in row]
                                           for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            typer.echo("  ".join("-" * width for width in widths))


@contextmanager
def progress(items: Sequence[T], *, label: str) -> Iterator[Iterable[T]]:
    """The items, with a progress bar on stderr when it is a terminal; pipes, logs and tests stay clean."""
    if len(items) < 2 or not sys.stderr.isatty():
        yield items
        return
    with typer.progressbar(items, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar


@contextmanager
def step_progress(*, label: str, min_total: int | None = None) -> Iterator[Callable[[int, int], None] | None]:
    """A callback `(done, total)` drawing a bar on stderr once `total` reaches `min_total` (default
    LARGE_GROUP_LINKS); None when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    bars: list[Any] = []

    def step(done: int, total: int) -> None:
        if total < (LARGE_GROUP_LINKS if min_total is None else min_total):
            return
        if not bars:
            bars.append(typer.progressbar(length=total, label=label, file=sys.stderr, show_pos=True))
            bars[0].__enter__()
        bars[0].update(done - bars[0].pos)

    try:
        yield step
    finally:
        for bar in bars:
            bar.__exit__(None, None, None)


@contextmanager
def command_context() -> Iterator[SyncContext]:
    """The chosen agency's context (`--agency`, else the only one in service), its database ready: SQLite
    brought to the newest schema, any other checked."""
    with cli_errors():
        installed = installed_context()
        prepare_database((installed.settings if installed else load_settings()).database_url)
        context = get_context(chosen_agency())
        if context.agency.disabled:
            name = context.agency.name
            raise AgencyDisabled(f"agency {name} is disabled: its cycles and commands run nothing "
                                 f"(`plansync agencies enable {name}`)")
        yield context
