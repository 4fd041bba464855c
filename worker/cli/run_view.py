"""How a run reads in the terminal: its headline, then each write field by field as `before -> after`."""

from __future__ import annotations

from typing import Any

import typer

from worker.cli.output import show_value


def render_run(run: dict[str, Any]) -> None:
    label = "Dry run (nothing written)" if run.get("dry_run") else f"Run {run.get('run_id')}"
    counts = ", ".join(f"{name} {value}" for name, value in run.get("counts", {}).items())
    typer.echo(f"{label} of {run.get('group_id')}: {run.get('outcome')} — {counts}")
    if run.get("error"):
        typer.echo(f"  error: {run['error']}")
    for write in run.get("writes", []):
        typer.echo(
            f"  {write['kind']} {write['side']} plan {write['plan_id'] or '(new)'} [link {write['link_id']}]"
        )
        for change in write["changes"]:
            before, after = show_value(change["before"]), show_value(change["after"])
            typer.echo(f"    {change['field']}: {before} -> {after}")
    for link_id, message in run.get("link_errors", {}).items():
        typer.echo(f"  error on link {link_id}: {message}")
    for link_id, message in run.get("not_taken", {}).items():
        typer.echo(f"  not applied on link {link_id}: {message}")
    if run.get("unreviewed"):
        typer.echo(f"  {run['unreviewed']} plan(s) unreviewed: choose for them with 'plansync link'")
