"""The plansync command line: a thin shell over the service functions."""

from __future__ import annotations

import typer

from config.logging import configure_logging
from config.settings import SettingsError, load_settings
from worker.commands import accounts, carriers, db, demo, plans, runs, sandbox, service

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Keep benefit plans in step between PerfectQuote and BenefitPoint.")

for module in (db, sandbox, accounts, plans, runs, service, carriers, demo):
    module.register(app)


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as error:
        typer.echo(f"plansync: {error}", err=True)
        raise SystemExit(2) from None
    configure_logging(level=settings.log_level)
    app()
