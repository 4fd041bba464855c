"""The plansync command line: a thin shell over the service functions; every command is wired here."""

from __future__ import annotations

import sys

import typer

from config.logging import configure_logging
from config.settings import SettingsError, load_settings
from worker.cli import accounts, carriers, console, db, demo, plans, runs, sandbox, service, sync
from worker.cli.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, one_line, unexpected, usage_line

try:  # Typer carries its own copy of Click from 0.2x on.
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
except ImportError:  # pragma: no cover - an older Typer on Click
    from click.exceptions import ClickException, NoArgsIsHelpError

SERVICE_COMMANDS = frozenset({"worker", "clock", "console"})

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Keep benefit plans in step between PerfectQuote and BenefitPoint.")

# The one place commands are wired: each module exposes plain command functions or a sub-app of its own.
COMMANDS = {
    "sandbox": sandbox.sandbox,
    "plans": plans.plans,
    "link": plans.link,
    "unlink": plans.unlink,
    "sync": sync.sync,
    "status": runs.status,
    "changes": runs.changes,
    "conflicts": runs.conflicts,
    "settle": runs.settle,
    "worker": service.worker,
    "clock": service.clock,
    "demo": demo.demo,
    "console": console.console,
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
    """The `plansync` command: answers on stdout; a failure is one line on stderr and an exit code
    (0 ok, 1 failed, 2 bad input, 3 partial, 130 interrupted), never a traceback."""
    try:
        settings = load_settings()
    except SettingsError as error:
        typer.echo(f"plansync: {one_line(str(error))}", err=True)
        raise SystemExit(EXIT_BAD_INPUT) from None
    # The services log to stdout for the dashboards; a command's stdout is its answer (--json).
    serving = len(sys.argv) > 1 and sys.argv[1] in SERVICE_COMMANDS
    configure_logging(level=settings.log_level, stream=sys.stdout if serving else sys.stderr)
    try:
        code = app(standalone_mode=False, prog_name="plansync")
    except NoArgsIsHelpError as error:  # the help is printed already
        raise SystemExit(error.exit_code) from None
    except ClickException as error:  # a wrong option or argument: one line, not a usage panel
        typer.echo(usage_line(error), err=True)
        raise SystemExit(error.exit_code) from None
    except (KeyboardInterrupt, typer.Abort):
        typer.echo("plansync: interrupted (Ctrl-C)", err=True)
        raise SystemExit(EXIT_INTERRUPTED) from None
    except Exception as error:
        unexpected(error)
    raise SystemExit(code if isinstance(code, int) else 0)
