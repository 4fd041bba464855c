"""How the carrier commands print: tables with long cells cut, an integration's change, masked text."""

from __future__ import annotations

import json
from typing import Any

import typer

from carriers.status import Integration
from config.redaction import mask_text
from worker.cli.errors import EXIT_PARTIAL, fail
from worker.cli.output import CELL_WIDTH, clip
from worker.service import carrier_views

PREFIX = "plansync carriers"
TEXT_WIDTH = 90  # a carrier message is cut later than a name; --json has it whole


def echo(text: str) -> None:
    typer.echo(mask_text(text))


def answer(integration: Integration, text: str, *, as_json: bool, pushed: bool = True) -> None:
    """What a change of an integration did, for a person or as JSON; then, when the change was pushed to
    the exchange at once (not a new integration: the status check creates it there), its exit code."""
    if as_json:
        echo(json.dumps({"id": integration.id, "group_id": integration.group_id,
                         "carrier": integration.carrier_name, "group_number": integration.group_number,
                         "status": carrier_views.status_label(integration),
                         "exchange_told": integration.remote_change is None}, indent=2))
    else:
        echo(text)
    if pushed:
        _exchange_told(integration)


def _exchange_told(integration: Integration) -> None:
    """A change stored here that the exchange could not be told yet is done in part: exit 3, and why."""
    if integration.remote_change is not None:
        fail(f"integration {integration.id}: stored, but the carrier exchange could not be told yet (see "
             f"plansync carriers diagnose {integration.id}); the next status check tells it", EXIT_PARTIAL,
             prefix=PREFIX)


def print_rows(rows: list[dict[str, Any]], *, as_json: bool, columns: tuple[tuple[str, str], ...],
               empty: str) -> None:
    if as_json:
        echo(json.dumps(rows, indent=2, default=str))
    else:
        shown = [{key: clip(value, TEXT_WIDTH if key == "message" else CELL_WIDTH) if isinstance(value, str)
                  else value for key, value in row.items()} for row in rows]
        echo(carrier_views.table(shown, columns) if rows else empty)
