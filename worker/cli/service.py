"""CLI commands: the worker and clock processes."""

from __future__ import annotations

import typer
from dramatiq.cli import main as dramatiq_main
from dramatiq.cli import make_argument_parser

from config.settings import load_settings
from worker.runtime.actors import current_actors
from worker.runtime.processes import make_clock, run_embedded


def worker(
    processes: int = typer.Option(2, "--processes", min=1, help="Worker processes."),
    threads: int = typer.Option(4, "--threads", min=1, help="Worker threads per process."),
) -> None:
    """Run the worker: syncs and carrier checks from the queues (embedded: also the clock)."""
    settings = load_settings()
    if settings.redis_url is None:
        run_embedded(threads=threads)
        return
    args = make_argument_parser().parse_args(
        ["worker.runtime.actors:setup", "--processes", str(processes), "--threads", str(threads)])
    raise SystemExit(dramatiq_main(args))


def clock() -> None:
    """Run the clock: enqueue the hourly sync, the daily full reconcile and the carrier cycle."""
    settings = load_settings()
    if settings.redis_url is None:
        typer.echo("plansync clock: no REDIS_URL; in embedded mode `plansync worker` runs the clock",
                   err=True)
        raise SystemExit(2)
    make_clock(current_actors()).run()
