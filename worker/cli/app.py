"""The plansync command line: a thin shell over the service functions; every command is wired here."""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version

import typer

from config.logging import configure_logging
from config.settings import SettingsError, load_settings
from worker.cli import (
    accounts,
    agencies,
    carriers,
    catalogue,
    console,
    db,
    demo,
    history,
    plans,
    revert,
    runs,
    sandbox,
    service,
    sync,
)
from worker.cli.agency_option import AGENCY_FLAG, AGENCY_VARIABLE, HELP, choose, hoisted
from worker.cli.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, one_line, unexpected, usage_line
from worker.cli.merge_option import PairedMergeCommand

try:  # Typer carries its own copy of Click from 0.2x on.
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
except ImportError:  # pragma: no cover - an older Typer on Click
    from click.exceptions import ClickException, NoArgsIsHelpError

SERVICE_COMMANDS = frozenset({"worker", "clock", "console"})
VERBOSE_FLAGS = frozenset({"-v", "--verbose"})
HELP_FLAGS = frozenset({"-h", "--help", "--version"})
_ORDER = ("debug", "info", "warning", "error")

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Keep benefit plans in step between PerfectQuote and BenefitPoint.\n\n"
                       "Exit codes: 0 done, 1 failed, 2 bad input, 3 partial (a run with links in error), "
                       "130 interrupted.")

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
    "revert": revert.revert,
    "history": history.history,
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
    "agencies": agencies.agencies_app,
    "catalogue": catalogue.catalogue_app,
}
COMMAND_CLASSES = {"link": PairedMergeCommand}
for name, command in COMMANDS.items():
    app.command(name, cls=COMMAND_CLASSES.get(name))(command)
for name, sub_app in SUB_APPS.items():
    app.add_typer(sub_app, name=name)


def package_version() -> str:
    try:
        return version("plansync")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


def _show_version(asked: bool) -> None:
    if asked:
        typer.echo(f"plansync {package_version()}")
        raise typer.Exit(0)


@app.callback()
def options(
    verbose: bool = typer.Option(False, "-v", "--verbose",
                                 help="Show the info log lines on stderr too (before the command: "
                                      "plansync -v sync GROUP)."),
    show_version: bool = typer.Option(False, "--version", is_eager=True, callback=_show_version,
                                      help="Print the version and exit."),
    agency: str | None = typer.Option(None, AGENCY_FLAG, envvar=AGENCY_VARIABLE, metavar="NAME", help=HELP),
) -> None:
    """The global options; they act before the command runs (`main` reads -v, --version is eager)."""
    choose(agency)


def command_of(args: list[str]) -> tuple[str | None, bool]:
    """The command named on the line, and whether -v came before it (the global options come first)."""
    verbose = False
    for arg in args:
        if not arg.startswith("-"):
            return arg, verbose
        verbose = verbose or arg in VERBOSE_FLAGS
    return None, verbose


def log_level(*, configured: str, serving: bool, verbose: bool) -> str:
    """The services log at LOG_LEVEL; a command for a person shows warnings and errors only, unless -v
    (info too) or LOG_LEVEL=debug (everything, for a bug report)."""
    if serving or configured == "debug":
        return configured
    if verbose:
        return "info"
    return max(configured, "warning", key=_ORDER.index)


def main() -> None:
    """The `plansync` command: answers on stdout; a failure is one line on stderr and an exit code
    (0 ok, 1 failed, 2 bad input, 3 partial, 130 interrupted), never a traceback."""
    command, verbose = command_of(sys.argv[1:])
    try:
        configured = load_settings().log_level
    except SettingsError as error:
        if not HELP_FLAGS.intersection(sys.argv[1:]):  # help and the version need no settings
            typer.echo(f"plansync: {one_line(str(error))}", err=True)
            raise SystemExit(EXIT_BAD_INPUT) from None
        configured = "info"
    # The services log JSON lines to stdout for the dashboards; a command's stdout is its answer (--json).
    serving = command in SERVICE_COMMANDS
    configure_logging(level=log_level(configured=configured, serving=serving, verbose=verbose),
                      stream=sys.stdout if serving else sys.stderr)
    try:
        code = app(args=hoisted(sys.argv[1:]), standalone_mode=False, prog_name="plansync")
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
