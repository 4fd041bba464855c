"""CLI commands: carriers (the Configure and Manage tabs, and diagnose)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import TypeVar

import typer
from sqlalchemy.orm import Session, sessionmaker

from connectors.exchange.connector import CarrierExchangeConnector
from worker.cli.carrier_output import PREFIX, answer, echo, print_rows
from worker.cli.errors import EXIT_BAD_INPUT, cli_errors, fail
from worker.cli.output import command_context
from worker.service import carrier_views
from worker.service import carriers as service

T = TypeVar("T")
carriers_app = typer.Typer(no_args_is_help=True, help="Carrier integrations: Configure and Manage.")

LIST_COLUMNS = (("id", "ID"), ("carrier", "Carrier"), ("plan", "Plan"), ("type", "Type"),
                ("group_number", "Group number"), ("status", "Status"), ("renewal_date", "Renewal"),
                ("last_sync", "Last Sync"), ("next_sync", "Next sync"))
MESSAGE_COLUMNS = (("id", "ID"), ("carrier", "Carrier"), ("severity", "Severity"), ("code", "Code"),
                   ("member", "Member"), ("message", "Message"), ("status", "Status"), ("flags", "Flags"))

CHANGE_OPTION = typer.Option(None, "--change", help="The correction as FIELD=VALUE, repeatable.")
JSON_OPTION = typer.Option(False, "--json", help="Print JSON.")


@contextmanager
def _wiring() -> Iterator[tuple[sessionmaker[Session], CarrierExchangeConnector]]:
    """The chosen agency's database sessions (ready, as for every command) and its exchange connector."""
    with command_context() as context, cli_errors(prefix=PREFIX):
        yield context.sessions, context.exchange


def _run(call: Callable[[sessionmaker[Session], CarrierExchangeConnector, datetime], T]) -> T:
    """Run one operation: bad input (an unknown carrier or id, a group not connected) exits 2, as across
    the CLI; an unreachable exchange or database exits 1."""
    with _wiring() as (factory, exchange):
        return call(factory, exchange, datetime.now(UTC))


@carriers_app.command("list")
def list_command(as_json: bool = JSON_OPTION) -> None:
    """The Configure tab: every integration with its status, Last Sync and next sync."""
    views = _run(lambda factory, _exchange, now: service.list_integrations(factory, now=now))
    print_rows(carrier_views.integration_rows(views), as_json=as_json, columns=LIST_COLUMNS,
               empty="No carrier integrations configured.")


@carriers_app.command("configure")
def configure_command(group_id: str = typer.Argument(..., metavar="GROUP_ID",
                                                     help="Connected PerfectQuote group id, e.g. grp_001."),
                      carrier: str = typer.Argument(..., help="Carrier code, e.g. aetna."),
                      group_number: str = typer.Option(..., "--group-number"),
                      plan: str | None = typer.Option(None, "--plan"),
                      plan_type: str | None = typer.Option(None, "--plan-type"),
                      renewal_date: str | None = typer.Option(None, "--renewal-date",
                                                              help="YYYY-MM-DD"),
                      as_json: bool = JSON_OPTION) -> None:
    """Configure an integration: it starts Pending (no charge while Pending)."""
    with command_context() as context, cli_errors(prefix=PREFIX):
        try:
            renewal = date.fromisoformat(renewal_date) if renewal_date else None
        except ValueError:
            raise ValueError(f"--renewal-date {renewal_date!r} is not a date (YYYY-MM-DD)") from None
        integration = service.configure(context.sessions, group_id=group_id, carrier_code=carrier,
                                        group_number=group_number, now=datetime.now(UTC), plan_name=plan,
                                        plan_type=plan_type, renewal_date=renewal,
                                        crosswalk=context.crosswalk)
    answer(integration, f"Integration {integration.id} with {integration.carrier_name} configured: Pending.",
           as_json=as_json, pushed=False)


@carriers_app.command("enable")
def enable_command(integration_id: int = typer.Argument(..., metavar="ID"),
                   group_number: str = typer.Option(..., "--group-number"),
                   as_json: bool = JSON_OPTION) -> None:
    """Toggle back On; the group number is required again and the status returns to Pending."""
    integration = _run(lambda factory, exchange, now: service.enable(
        factory, exchange, integration_id, group_number=group_number, now=now))
    answer(integration, f"Integration {integration.id} enabled: {carrier_views.status_label(integration)}.",
           as_json=as_json)


@carriers_app.command("disable")
def disable_command(integration_id: int = typer.Argument(..., metavar="ID"),
                    as_json: bool = JSON_OPTION) -> None:
    """Turn off: no outbound communication with the carrier from now on."""
    integration = _run(lambda factory, exchange, now: service.disable(factory, exchange, integration_id,
                                                                      now=now))
    answer(integration, f"Integration {integration.id} disabled. Resume manual eligibility communication "
           "with the carrier.", as_json=as_json)


@carriers_app.command("set-group-number")
def set_group_number_command(integration_id: int = typer.Argument(..., metavar="ID"),
                             group_number: str = typer.Argument(..., metavar="N"),
                             as_json: bool = JSON_OPTION) -> None:
    """Correct the group number; it is sent to the exchange."""
    integration = _run(lambda factory, exchange, now: service.set_group_number(
        factory, exchange, integration_id, group_number, now=now))
    answer(integration, f"Integration {integration.id} group number set to {integration.group_number}.",
           as_json=as_json)


@carriers_app.command("messages")
def messages_command(failures: bool = typer.Option(False, "--failures", help="Failures only."),
                     as_json: bool = JSON_OPTION) -> None:
    """The Manage tab: carrier messages (Failures, Warnings, Info) and their flags."""
    views = _run(lambda factory, _exchange, now: service.list_messages(factory, now=now,
                                                                       failures_only=failures))
    print_rows(carrier_views.message_rows(views), as_json=as_json, columns=MESSAGE_COLUMNS,
               empty="No carrier messages.")


@carriers_app.command("resolve")
def resolve_command(message_id: int = typer.Argument(..., metavar="MESSAGE_ID"),
                    message: str = typer.Option(..., "--message", help="What was corrected."),
                    change: list[str] | None = CHANGE_OPTION,
                    as_json: bool = JSON_OPTION) -> None:
    """Resolve a carrier message; the correction reaches the carrier at its next sync."""
    changes: dict[str, str] = {}
    for item in change or []:
        field, sep, value = item.partition("=")
        if not sep or not field.strip():
            fail(f"--change {item!r} is not FIELD=VALUE", EXIT_BAD_INPUT, prefix=PREFIX)
        changes[field.strip()] = value
    resolved = _run(lambda factory, exchange, now: service.resolve(
        factory, exchange, message_id, text=message, now=now, changes=changes))
    if as_json:
        echo(json.dumps({"id": resolved.id, "status": "resolved", "resolution": message}, indent=2))
    else:
        echo(f"Message {resolved.id} resolved: resolution pending carrier sync.")


@carriers_app.command("diagnose")
def diagnose_command(integration_id: int = typer.Argument(..., metavar="ID"),
                     as_json: bool = JSON_OPTION) -> None:
    """Why isn't this integration syncing? Each cause found, and what to do about it."""
    integration, findings = _run(lambda factory, _exchange, now: service.diagnose_integration(
        factory, integration_id, now=now))
    rows = carrier_views.finding_rows(findings)
    if as_json:
        echo(json.dumps({"integration_id": integration.id, "findings": rows}, indent=2))
        return
    label = carrier_views.status_label(integration)
    echo(f"Integration {integration.id} ({integration.carrier_name}): {label}")
    if not rows:
        echo("No cause found. If it still isn't syncing, contact the Operations Team.")
    for row in rows:
        echo(f"- {row['cause']}: {row['detail']}\n  What to do: {row['what_to_do']}")

