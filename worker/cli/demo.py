"""CLI command: `plansync demo`, the embedded default told as a story."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

SERVER_VARIABLES = ("REDIS_URL", "DATABASE_URL")


def demo(
    pace_s: float = typer.Option(1.0, "--pace-s", min=0.0,
                                 help="Wall-clock seconds per hour of story time (the fast clock)."),
    keep: bool = typer.Option(False, "--keep", help="Keep plansync-demo.db when the demo ends."),
) -> None:
    """Run everything in one process against the sandboxes and tell what happens, in about a minute."""
    configured = [name for name in SERVER_VARIABLES if os.environ.get(name)]
    if configured:
        typer.echo(f"plansync demo: {' and '.join(configured)} set; the demo is the embedded default "
                   "(in-process broker, a SQLite file); unset "
                   f"{'them' if len(configured) > 1 else 'it'} to run the demo.", err=True)
        raise typer.Exit(2)
    # Imported here: the sandboxes and the worker machinery are only needed once the demo runs.
    from worker.demo.runner import run_demo

    result = run_demo(directory=Path.cwd(), pace_s=pace_s, keep=keep, out=sys.stdout)
    raise typer.Exit(result.exit_code)
