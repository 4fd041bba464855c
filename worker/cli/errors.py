"""What an operator sees when a command cannot do its work: one line on stderr and an exit code."""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError

from carriers.status import StatusError
from carriers.storage.repository import NotFoundError
from config.crosswalk import UnknownCarrier
from config.db_ready import DatabaseNotReady, reason
from config.redaction import mask_text
from config.settings import SettingsError, mask_url
from connectors.errors import ConnectorError, TransientError
from connectors.paths import MalformedId
from reconciliation.link_entry import LinkMapError
from reconciliation.plan import PlanValueError
from reconciliation.storage.errors import StorageError
from worker.service.accounts import CannotConnect
from worker.service.agencies import AgencyDisabled
from worker.service.group_sync import GroupNotConnected

try:  # Typer carries its own copy of Click from 0.2x on.
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - an older Typer on Click
    from click.exceptions import ClickException

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_PARTIAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # as a shell reports a command stopped by Ctrl-C (128 + SIGINT)

# Operator mistakes: what was asked for does not exist, is malformed, or is not allowed now.
BAD_INPUT = (GroupNotConnected, CannotConnect, LinkMapError, StorageError, PlanValueError, SettingsError,
             MalformedId, StatusError, NotFoundError, UnknownCarrier, ValueError)
SYSTEMS = {"perfectquote": ("PerfectQuote", "PERFECTQUOTE_URL"),
           "benefitpoint": ("BenefitPoint", "BENEFITPOINT_URL"),
           "carrier_exchange": ("the carrier exchange", "CARRIER_EXCHANGE_URL")}


def one_line(text: str) -> str:
    """Secrets masked, and several lines (a map file's problems) joined into one."""
    return mask_url(mask_text(" ".join(line.strip() for line in str(text).splitlines() if line.strip())))


def fail(message: str, code: int, *, prefix: str = "plansync") -> NoReturn:
    typer.echo(f"{prefix}: {one_line(message)}", err=True)
    raise typer.Exit(code)


def connector_line(error: ConnectorError) -> str:
    """The connector's words, and where to look when the system cannot be reached at all."""
    name, variable = SYSTEMS.get(error.system, (error.system, None))
    if isinstance(error, TransientError) and error.status is None and variable:
        return f"{error}; check {variable} and that {name} is up"
    if isinstance(error, TransientError):
        return f"{error}; {name} is failing or busy: try again later"
    return str(error)


def database_line(error: DBAPIError) -> str:
    found = reason(error)
    lowered = found.lower()
    if "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered):
        return f"the database has no plansync tables ({found}): run `plansync db upgrade`"
    return f"the database failed: {found}; check DATABASE_URL and that the database server is running"


@contextmanager
def cli_errors(prefix: str = "plansync") -> Iterator[None]:
    """Known failures become one line and an exit code: 2 for bad input, 1 for a failed system, 130 for
    Ctrl-C. Anything else is a bug and goes up to `unexpected`."""
    try:
        yield
    except KeyboardInterrupt:
        fail("interrupted (Ctrl-C)", EXIT_INTERRUPTED, prefix=prefix)
    except ConnectorError as error:
        fail(connector_line(error), EXIT_FAILED, prefix=prefix)
    except (DatabaseNotReady, AgencyDisabled) as error:
        fail(str(error), EXIT_FAILED, prefix=prefix)
    except DBAPIError as error:
        fail(database_line(error), EXIT_FAILED, prefix=prefix)
    except RedisError as error:
        fail(f"cannot use Redis ({type(error).__name__}: {error}); check REDIS_URL and that Redis is running",
             EXIT_FAILED, prefix=prefix)
    except LinkMapError as error:
        problems = error.problems
        several = f"link map has {len(problems)} problems: {'; '.join(problems)}"
        fail(problems[0] if len(problems) == 1 else several, EXIT_BAD_INPUT, prefix=prefix)
    except BAD_INPUT as error:
        fail(str(error), EXIT_BAD_INPUT, prefix=prefix)


def usage_line(error: ClickException) -> str:
    """`plansync settle: invalid value for '--side': ... (see plansync settle --help)`."""
    context = getattr(error, "ctx", None)
    path = context.command_path if context is not None else "plansync"
    message = error.format_message().replace("Value error, ", "").rstrip(".")
    message = message[:1].lower() + message[1:]
    if getattr(error, "option_name", None) in {"-v", "--verbose"}:  # a global option, given after the command
        command = path.removeprefix("plansync").strip()
        message += f"; -v goes before the command: plansync -v {command}"
    return one_line(f"{path}: {message} (see {path} --help)")


def unexpected(error: BaseException) -> NoReturn:
    """A failure no command foresaw: one line; the traceback only when asked for (LOG_LEVEL=debug)."""
    detail = one_line(f"{type(error).__name__}: {error}")
    typer.echo(f"plansync: unexpected error ({detail[:300]}); this is a bug: please report it with the "
               "output of the same command run with LOG_LEVEL=debug", err=True)
    if os.environ.get("LOG_LEVEL", "").strip().lower() == "debug":
        traceback.print_exception(error)
    raise SystemExit(EXIT_FAILED)
