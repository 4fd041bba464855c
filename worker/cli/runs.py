"""CLI commands: what ops read (status, change log, conflicts) and settling a conflict."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from reconciliation.side import Side
from reconciliation.storage.history import ChangeFilter
from worker.cli.errors import EXIT_BAD_INPUT, fail
from worker.cli.output import clip, command_context, emit, show_value, table
from worker.service import history, overview

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


def _moment(text: str | None, option: str) -> datetime | None:
    """An ISO date or date-time; one without a zone is UTC."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date or date-time like 2026-03-01 or 2026-03-01T12:00",
                                 param_hint=option) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def changes(
    group_id: Annotated[str | None, typer.Argument(help="The PerfectQuote group id.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Recorded at or after (ISO, UTC).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Recorded before (ISO, UTC).")] = None,
    field: Annotated[str | None, typer.Option("--field", help="Only this field (name, benefits.KEY, rates).")]
    = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000, help="Rows per page.")] = 200,
    page: Annotated[int, typer.Option("--page", min=1, help="1: the newest page; 2: the one before.")] = 1,
    prune: Annotated[bool, typer.Option("--prune", help="Drop the rows of runs older than "
                                                       "CHANGE_LOG_RETENTION_DAYS (every group).")] = False,
    as_json: JsonOption = False,
) -> None:
    """The change log: when, link, direction, field, before -> after (or not applied), run."""
    if prune:
        _prune(as_json=as_json)
        return
    if group_id is None:
        fail("give a PerfectQuote group id (plansync changes GROUP), or --prune", EXIT_BAD_INPUT)
    wanted = ChangeFilter(since=_moment(since, "--since"), until=_moment(until, "--until"), field=field)
    with command_context() as context:
        found = history.change_rows(sessions=context.sessions, group_id=group_id, wanted=wanted, page=page,
                                    limit=limit)
    rows = found["changes"]

    def render() -> None:
        table(
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
        )
        if found["pages"] > 1:
            older = f"; --page {page + 1} for older" if page < found["pages"] else ""
            typer.echo(f"page {page} of {found['pages']} ({found['total']} changes){older}")

    emit(rows, as_json=as_json, render=render)


def _prune(*, as_json: bool) -> None:
    with command_context() as context:
        days = context.settings.change_log_retention_days
        pruned = history.prune_change_log(sessions=context.sessions, retention_days=days,
                                          now=datetime.now(UTC))
    emit({"pruned": pruned, "retention_days": days}, as_json=as_json,
         render=lambda: typer.echo(f"Pruned {pruned} change-log rows of runs started over {days} days ago."))


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

