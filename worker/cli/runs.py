"""CLI commands: what ops read (status, change log, conflicts) and settling a conflict."""

from __future__ import annotations

from typing import Annotated

import typer

from reconciliation.side import Side
from worker.cli.output import clip, command_context, emit, show_value, table
from worker.service import overview

CHANGE_WIDTH = 70  # a change (rates) is cut wider than other cells; --json has it whole
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def status(as_json: JsonOption = False) -> None:
    """Connected groups, each one's last run, open conflicts, orphaned, failing, partly taken links."""
    with command_context() as context:
        data = overview.status(sessions=context.sessions)

    def render() -> None:
        if not data["groups"]:
            typer.echo("No group is connected yet: plansync groups connect PQ_GROUP_ID BP_ACCOUNT_ID")
        for g in data["groups"]:
            run = g["last_run"]
            last = f"{run['outcome']} at {run['finished_at'] or run['started_at']}" if run else "never synced"
            typer.echo(
                f"{g['group_id']} {g['group_name']} <-> {g['account_id']} {g['account_name']}: "
                f"{g['links']} links, last run {last}, {g['open_conflicts']} open conflicts, "
                f"{len(g['orphaned'])} orphaned, {len(g['errors'])} in error, {len(g['held'])} held, "
                f"{len(g['not_taken'])} not taken"
                + ("" if g["unreviewed"] is None else f", {g['unreviewed']} unreviewed plans")
            )
            for link_id, note in g["not_taken"].items():
                typer.echo(f"  not taken on link {link_id}: {note}")

    emit(data, as_json=as_json, render=render)


def changes(
    group_id: Annotated[str, typer.Argument(help="The PerfectQuote group id.")],
    as_json: JsonOption = False,
) -> None:
    """The change log: when, link, direction, field, before -> after (or not applied), run."""
    with command_context() as context:
        rows = overview.changes(sessions=context.sessions, group_id=group_id)
    emit(
        rows,
        as_json=as_json,
        render=lambda: table(
            [
                (
                    r["recorded_at"][:19],
                    r["link_id"],
                    r["direction"],
                    r["field"],
                    clip(f"{show_value(r['before'])} -> {show_value(r['after'])}", CHANGE_WIDTH)
                    + ("" if r["applied"] else " (not applied)"),
                    r["run_id"],
                )
                for r in rows
            ],
            headers=("when", "link", "direction", "field", "change", "run"),
            width=CHANGE_WIDTH + len(" (not applied)"),
        ),
    )


def conflicts(
    group_id: Annotated[str | None, typer.Argument(help="Only this group.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Conflicts held for a person: both values, and the baseline they both changed from."""
    with command_context() as context:
        rows = overview.conflicts(sessions=context.sessions, group_id=group_id)
    emit(
        rows,
        as_json=as_json,
        render=lambda: table(
            [
                (
                    r["conflict_id"],
                    r["link_id"],
                    r["field"],
                    show_value(r["perfectquote"]),
                    show_value(r["benefitpoint"]),
                    show_value(r["baseline"]),
                )
                for r in rows
            ],
            headers=("conflict", "link", "field", "perfectquote", "benefitpoint", "was"),
        ),
    )


def settle(
    conflict_id: Annotated[int, typer.Argument(help="The conflict id (see 'plansync conflicts').")],
    side: Annotated[Side, typer.Option("--side", help="Whose value wins.")],
    as_json: JsonOption = False,
) -> None:
    """Settle a conflict by picking a side; the next sync writes that value."""
    with command_context() as context:
        data = overview.settle(sessions=context.sessions, conflict_id=conflict_id, side=side)
    emit(
        data,
        as_json=as_json,
        render=lambda: typer.echo(
            f"Conflict {conflict_id} on {data['field']}: {side.value} wins; the next sync writes it."
        ),
    )

