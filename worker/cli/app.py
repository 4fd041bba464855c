"""The plansync command line: a thin shell over the service functions; every command is wired here."""

from __future__ import annotations

import sys

import typer

from config.logging import configure_logging
from config.settings import SettingsError, load_settings
from worker.cli import accounts, carriers, db, demo, plans, runs, sandbox, service

SERVICE_COMMANDS = frozenset({"worker", "clock"})

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Keep benefit plans in step between PerfectQuote and BenefitPoint.")

# The one place commands are wired: each module exposes plain command functions or a sub-app of its own.
COMMANDS = {
    "sandbox": sandbox.sandbox,
    "plans": plans.plans,
    "link": plans.link,
    "unlink": plans.unlink,
    "sync": runs.sync,
    "status": runs.status,
    "changes": runs.changes,
    "conflicts": runs.conflicts,
    "settle": runs.settle,
    "worker": service.worker,
    "clock": service.clock,
    "demo": demo.demo,
}
SUB_APPS = {
    "db": db.db_app,
    "accounts": accounts.accounts_app,
    "groups": accounts.groups_app,
    "carriers": carriers.carriers_app,
}
for name, command in COMMANDS.items():
    app.command(name)(command)
for name, sub_app in SUB_APPS.items():
    app.add_typer(sub_app, name=name)


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as error:
        typer.echo(f"plansync: {error}", err=True)
        raise SystemExit(2) from None
    # The services log to stdout for the dashboards; a command's stdout is its answer (--json).
    serving = len(sys.argv) > 1 and sys.argv[1] in SERVICE_COMMANDS
    configure_logging(level=settings.log_level, stream=sys.stdout if serving else sys.stderr)
    app()
