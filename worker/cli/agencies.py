"""CLI commands: agencies (add, list, show, set, disable, enable, rotate-key); secrets are never shown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.db_ready import prepare_database
from config.secrets import NEW_SECRET_KEY_VARIABLE, SECRET_KEY_VARIABLE, new_key
from config.settings import Settings, load_settings
from reconciliation.agency import SECRET_FIELDS, AgencyListing
from reconciliation.agency_input import AgencyChanges
from worker.cli.errors import cli_errors
from worker.cli.output import emit, show_value, table
from worker.service import agencies as service

T = TypeVar("T")
PREFIX = "plansync agencies"
ASK = "-"  # a secret option given as `-` is asked for, unechoed, so it stays out of the shell's history

agencies_app = typer.Typer(no_args_is_help=True, help="Agencies: a PerfectQuote tenant, a BenefitPoint "
                           "instance and a carrier-exchange key each, credentials encrypted.")
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document (secrets only as set).")]
Name = Annotated[str, typer.Argument(metavar="NAME", help="The agency's name: a-z, 0-9 and -.")]
PqUrl = Annotated[str | None, typer.Option("--perfectquote-url", help="The tenant's API, https://.../api/v1.")]
PqToken = Annotated[str | None, typer.Option("--perfectquote-token", help="Its API token; - to be asked.")]
BpUrl = Annotated[str | None, typer.Option("--benefitpoint-url")]
BpUser = Annotated[str | None, typer.Option("--benefitpoint-username")]
BpPassword = Annotated[str | None, typer.Option("--benefitpoint-password", help="- to be asked.")]
BpField = Annotated[int | None, typer.Option("--benefitpoint-link-field-id",
                                             help="The custom field that carries plansync's link id.")]
BpRates = Annotated[bool | None, typer.Option("--benefitpoint-rates-writable/--benefitpoint-rates-read-only",
                                              help="Whether plansync may write BenefitPoint rates "
                                                   "(a new agency: writable).")]
ExUrl = Annotated[str | None, typer.Option("--exchange-url",
                                           help="Left out: the CARRIER_EXCHANGE_URL of the environment.")]
ExKey = Annotated[str | None, typer.Option("--exchange-api-key", help="- to be asked.")]
LIST_COLUMNS = ("Name", "PerfectQuote", "BenefitPoint", "Link field", "Rates", "Status")


@contextmanager
def _wiring() -> Iterator[tuple[sessionmaker[Session], Settings]]:
    with cli_errors(prefix=PREFIX):
        settings = load_settings()
        prepare_database(settings.database_url)
        engine = make_engine(settings.database_url)
        try:
            yield make_session_factory(engine), settings
        finally:
            engine.dispose()


def _run(call: Callable[[sessionmaker[Session], Settings], T]) -> T:
    """One operation: bad input (a malformed name or URL, an unknown agency, a wrong key) exits 2."""
    with _wiring() as (sessions, settings):
        return call(sessions, settings)


def _secret(value: str | None, *, label: str) -> str | None:
    return typer.prompt(label, hide_input=True) if value == ASK else value


def _changes(**given: Any) -> AgencyChanges:
    labels = {"perfectquote_token": "PerfectQuote token", "benefitpoint_password": "BenefitPoint password",
              "carrier_exchange_api_key": "Carrier exchange API key"}
    return AgencyChanges(**{name: _secret(value, label=labels[name]) if name in SECRET_FIELDS else value
                            for name, value in given.items()})


def _show(listing: AgencyListing, *, as_json: bool) -> None:
    shown = listing.as_dict()

    def render() -> None:
        for key, value in shown.items():
            if key == "carrier_exchange_url" and value is None:
                value = "(CARRIER_EXCHANGE_URL)"
            typer.echo(f"{key + ':':<30}{show_value(value)}")

    emit(shown, as_json=as_json, render=render)


@agencies_app.command("add")
def add_command(name: Name, perfectquote_url: PqUrl = None, perfectquote_token: PqToken = None,
                benefitpoint_url: BpUrl = None, benefitpoint_username: BpUser = None,
                benefitpoint_password: BpPassword = None, benefitpoint_link_field_id: BpField = None,
                benefitpoint_rates_writable: BpRates = None, exchange_url: ExUrl = None,
                exchange_api_key: ExKey = None, as_json: JsonOption = False) -> None:
    """Store a new agency; its token, password and API key are encrypted with PLANSYNC_SECRET_KEY."""
    changes = _changes(perfectquote_url=perfectquote_url, perfectquote_token=perfectquote_token,
                       benefitpoint_url=benefitpoint_url, benefitpoint_username=benefitpoint_username,
                       benefitpoint_password=benefitpoint_password,
                       benefitpoint_link_field_id=benefitpoint_link_field_id,
                       benefitpoint_rates_writable=True if benefitpoint_rates_writable is None
                       else benefitpoint_rates_writable,
                       carrier_exchange_url=exchange_url, carrier_exchange_api_key=exchange_api_key)
    added = _run(lambda sessions, _settings: service.add(sessions, name=name, changes=changes))
    emit(added.as_dict(), as_json=as_json, render=lambda: typer.echo(
        f"Agency {added.name} added. The worker and clock run it from their next start."))


@agencies_app.command("list")
def list_command(as_json: JsonOption = False) -> None:
    """Every stored agency; with none, the environment's settings are the one (default) agency."""
    listed = _run(lambda sessions, settings: service.list_agencies(sessions, settings=settings))

    def render() -> None:
        if not listed:
            typer.echo("No agencies stored: the environment's settings are the agency (`plansync agencies "
                       "show default`).")
            return
        table([(a.name, a.perfectquote_url, a.benefitpoint_url, a.benefitpoint_link_field_id,
                "writable" if a.benefitpoint_rates_writable else "read-only",
                "disabled" if a.disabled else "enabled") for a in listed], headers=LIST_COLUMNS)

    emit([listing.as_dict() for listing in listed], as_json=as_json, render=render)


@agencies_app.command("show")
def show_command(name: Name, as_json: JsonOption = False) -> None:
    """One agency's settings (`default`: the environment's); each secret only as set or not set."""
    _show(_run(lambda sessions, settings: service.show(sessions, name, settings=settings)), as_json=as_json)


@agencies_app.command("set")
def set_command(name: Name, perfectquote_url: PqUrl = None, perfectquote_token: PqToken = None,
                benefitpoint_url: BpUrl = None, benefitpoint_username: BpUser = None,
                benefitpoint_password: BpPassword = None, benefitpoint_link_field_id: BpField = None,
                benefitpoint_rates_writable: BpRates = None, exchange_url: ExUrl = None,
                exchange_api_key: ExKey = None, as_json: JsonOption = False) -> None:
    """Change some of an agency's settings; the worker and clock take them at their next start."""
    changes = _changes(perfectquote_url=perfectquote_url, perfectquote_token=perfectquote_token,
                       benefitpoint_url=benefitpoint_url, benefitpoint_username=benefitpoint_username,
                       benefitpoint_password=benefitpoint_password,
                       benefitpoint_link_field_id=benefitpoint_link_field_id,
                       benefitpoint_rates_writable=benefitpoint_rates_writable,
                       carrier_exchange_url=exchange_url, carrier_exchange_api_key=exchange_api_key)
    changed = _run(lambda sessions, _settings: service.change(sessions, name, changes=changes))
    emit(changed.as_dict(), as_json=as_json, render=lambda: typer.echo(
        f"Agency {changed.name} changed: {', '.join(sorted(changes.given()))}."))


@agencies_app.command("disable")
def disable_command(name: Name, as_json: JsonOption = False) -> None:
    """Disable an agency: the worker and clock refuse to run it (stop them first)."""
    disabled = _run(lambda sessions, _settings: service.disable(sessions, name, now=datetime.now(UTC)))
    emit(disabled.as_dict(), as_json=as_json, render=lambda: typer.echo(
        f"Agency {disabled.name} disabled: the worker and clock will not start on it."))


@agencies_app.command("enable")
def enable_command(name: Name, as_json: JsonOption = False) -> None:
    """Enable a disabled agency again."""
    enabled = _run(lambda sessions, _settings: service.enable(sessions, name))
    emit(enabled.as_dict(), as_json=as_json, render=lambda: typer.echo(f"Agency {enabled.name} enabled."))


@agencies_app.command("rotate-key")
def rotate_key_command(new: Annotated[str | None, typer.Option(
        "--new-key", help=f"The new key; left out: {NEW_SECRET_KEY_VARIABLE}. - to be asked.")] = None,
) -> None:
    """Re-encrypt every stored credential from PLANSYNC_SECRET_KEY to the new key, all or nothing."""
    key = _secret(new, label="New key")
    count = _run(lambda sessions, _settings: service.rotate_key(sessions, new_key=key))
    agencies = "1 agency" if count == 1 else f"{count} agencies"
    typer.echo(f"Credentials of {agencies} re-encrypted with the new key. Next: set "
               f"{SECRET_KEY_VARIABLE} to the new key wherever plansync runs, restart the worker and clock, "
               f"and unset {NEW_SECRET_KEY_VARIABLE}; the old key opens nothing any more.")


@agencies_app.command("new-key")
def new_key_command() -> None:
    """Print a fresh random key for PLANSYNC_SECRET_KEY (or PLANSYNC_NEW_SECRET_KEY before rotate-key)."""
    typer.echo(new_key())
