"""The plansync command line: a thin shell over the service functions."""

from __future__ import annotations

import sys

import typer

from config.logging import configure_logging
from config.settings import SettingsError, load_settings
from worker.cli import accounts, carriers, db, demo, plans, runs, sandbox, service

SERVICE_COMMANDS = frozenset({"worker", "clock"})

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
    # The services log to stdout for the dashboards; a command's stdout is its answer (--json).
    service = len(sys.argv) > 1 and sys.argv[1] in SERVICE_COMMANDS
    configure_logging(level=settings.log_level, stream=sys.stdout if service else sys.stderr)
    app()
