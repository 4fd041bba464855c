"""CLI commands: sync now (or preview), and what ops read: status, change log, conflicts."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from reconciliation.side import Side
from reconciliation.storage import repository as repo
from worker.cli.output import command_context, emit, table
from worker.runtime.actors import current_actors
from worker.runtime.context import SyncContext
from worker.runtime.group_run import GroupBusy, run_group
from worker.runtime.jobs import plan_systems
from worker.runtime.processes import enqueue_sync
from worker.service import overview
from worker.service.group_sync import sync_group
from worker.service.run_report import RunReport

CHANGE_WIDTH = 70
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
WAIT_S = 600.0


def _short(text: str) -> str:
    """Long values (rates) are cut in the table; --json has them whole."""
    return text if len(text) <= CHANGE_WIDTH else text[: CHANGE_WIDTH - 1] + "…"


def _render_run(run: dict[str, Any]) -> None:
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
            typer.echo(f"    {change['field']}: {change['before']!r} -> {change['after']!r}")
    for link_id, message in run.get("link_errors", {}).items():
        typer.echo(f"  error on link {link_id}: {message}")
    if run.get("unreviewed"):
        typer.echo(f"  {run['unreviewed']} plan(s) unreviewed: choose for them with 'plansync link'")


def _run_here(context: SyncContext, group_id: str, *, dry_run: bool) -> RunReport:
    """In this process; with a broker configured, under the group's lease like any worker's run."""

    def run() -> RunReport:
        return sync_group(
            sessions=context.sessions,
            systems=plan_systems(context),
            group_id=group_id,
            trigger="dry_run" if dry_run else "manual",
            dry_run=dry_run,
        )

    if dry_run or context.settings.redis_url is None:
        return run()
    actors = current_actors()
    try:
        return run_group(actors.runs, actors.sync_group, run, group_id=group_id, trigger="manual",
                         timing=actors.timing)
    except GroupBusy:
        typer.echo(
            f"plansync: group {group_id} is being synced by a worker right now; "
            "run again later, or drop --here to queue a run",
            err=True,
        )
        raise typer.Exit(1) from None


def sync(
    pq_group_id: Annotated[str | None, typer.Argument(help="The PerfectQuote group id.")] = None,
    all_groups: Annotated[bool, typer.Option("--all", help="Every connected group.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the writes, field by field; write nothing.")
    ] = False,
    here: Annotated[
        bool, typer.Option("--here", help="Run in this process even when a broker is set.")
    ] = False,
    wait: Annotated[bool, typer.Option("--wait", help="With a broker: wait for the outcome.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Reconcile a group now: read both sides, reconcile every link, write, record."""
    if bool(pq_group_id) == all_groups:
        typer.echo("plansync: give one PerfectQuote group id, or --all", err=True)
        raise typer.Exit(2)
    with command_context() as context:
        with context.sessions() as session:
            groups = (
                [pq_group_id] if pq_group_id else [g.group_id for g in repo.list_groups(session)]
            )
        in_process = dry_run or here or context.settings.redis_url is None
        results: list[dict[str, Any]] = []
        for group_id in groups:
            if in_process:
                results.append(_run_here(context, group_id, dry_run=dry_run).as_dict())
            else:
                outcome = enqueue_sync(group_id, trigger="manual", wait_s=WAIT_S if wait else None)
                results.append(outcome or {"group_id": group_id, "status": "enqueued"})

    def render() -> None:
        for result in results:
            if "counts" in _run_of(result):
                _render_run(_run_of(result))
            else:
                detail = result.get("error") or ""
                typer.echo(f"{result['group_id']}: {result.get('status')} {detail}".rstrip())

    emit(results[0] if pq_group_id else results, as_json=as_json, render=render)
    failed = {"failed", "aborted"}
    if any(_run_of(r).get("outcome") in failed or r.get("status") == "failed" for r in results):
        raise typer.Exit(1)


def _run_of(result: dict[str, Any]) -> dict[str, Any]:
    """The run itself: a run made here is the result; a worker's run is the summary of its outcome."""
    return result if "counts" in result else result.get("summary") or {}


def status(as_json: JsonOption = False) -> None:
    """Connected groups, the last run of each, open conflicts, orphaned, failing links, unreviewed plans."""
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
                f"{len(g['orphaned'])} orphaned, {len(g['errors'])} in error, {len(g['held'])} held"
                + ("" if g["unreviewed"] is None else f", {g['unreviewed']} unreviewed plans")
            )

    emit(data, as_json=as_json, render=render)


def changes(
    pq_group_id: Annotated[str, typer.Argument(help="The PerfectQuote group id.")],
    as_json: JsonOption = False,
) -> None:
    """The change log: when, link, direction, field, before -> after, run."""
    with command_context() as context:
        rows = overview.changes(sessions=context.sessions, group_id=pq_group_id)
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
                    _short(f"{r['before']!r} -> {r['after']!r}"),
                    r["run_id"],
                )
                for r in rows
            ],
            headers=("when", "link", "direction", "field", "change", "run"),
        ),
    )


def conflicts(
    pq_group_id: Annotated[str | None, typer.Argument(help="Only this group.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Conflicts held for a person: both values, and the baseline they both changed from."""
    with command_context() as context:
        rows = overview.conflicts(sessions=context.sessions, group_id=pq_group_id)
    emit(
        rows,
        as_json=as_json,
        render=lambda: table(
            [
                (
                    r["conflict_id"],
                    r["link_id"],
                    r["field"],
                    r["perfectquote"],
                    r["benefitpoint"],
                    r["baseline"],
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

