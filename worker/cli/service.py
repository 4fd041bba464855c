"""CLI commands: the worker and clock processes; neither starts on a database or broker it cannot use."""

from __future__ import annotations

import redis
import typer
from dramatiq.cli import main as dramatiq_main
from dramatiq.cli import make_argument_parser

from config.db_ready import prepare_database
from config.metrics import metrics_port, point_dramatiq_exposition
from config.settings import Settings, load_settings, mask_url
from worker.cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, cli_errors, fail
from worker.runtime.actors import current_actors
from worker.runtime.context import serviceable_agencies
from worker.runtime.processes import make_clock, run_embedded

REDIS_CHECK_TIMEOUT_S = 5.0


def ready_to_serve() -> Settings:
    """The settings, once the database is at the newest schema and Redis answers: else one line, and out.

    The embedded SQLite file is brought to the newest schema, as every command does; any other database
    must be upgraded first (`plansync db upgrade`): a service never retries a missing table forever.
    """
    with cli_errors():
        settings = load_settings()
        prepare_database(settings.database_url)
        serviceable_agencies(settings)  # every agency disabled, a wrong key: one line, before anything starts
        if settings.redis_url is not None:
            client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=REDIS_CHECK_TIMEOUT_S,
                                          socket_timeout=REDIS_CHECK_TIMEOUT_S)
            try:
                client.ping()
            except redis.RedisError as error:
                fail(f"cannot use Redis at {mask_url(settings.redis_url)} ({error}); check REDIS_URL and "
                     "that Redis is running", EXIT_FAILED)
            finally:
                client.close()
    return settings


def worker(
    processes: int = typer.Option(2, "--processes", min=1, help="Worker processes."),
    threads: int = typer.Option(4, "--threads", min=1, help="Worker threads per process."),
) -> None:
    """Run the worker: syncs and carrier checks from the queues (embedded: also the clock)."""
    settings = ready_to_serve()
    if settings.redis_url is None:
        run_embedded(threads=threads)
        return
    with cli_errors():
        exported = metrics_port() is not None
    if exported:
        # Before any worker process starts: Dramatiq's exposition server (forked from this process) on
        # METRICS_PORT, over the multiprocess files, last start's removed.
        point_dramatiq_exposition(clear=True)
    args = make_argument_parser().parse_args(
        ["worker.runtime.actors:setup", "--processes", str(processes), "--threads", str(threads)])
    raise SystemExit(dramatiq_main(args))


def clock() -> None:
    """Run the clock: the feed cycle (every FEED_CYCLE_S, default 60 s), daily full reconcile, carriers."""
    if load_settings().redis_url is None:
        fail("no REDIS_URL; in embedded mode `plansync worker` runs the clock", EXIT_BAD_INPUT,
             prefix="plansync clock")
    ready_to_serve()
    make_clock(current_actors()).run()
