"""CLI command: sync a group now (or preview it), in this process or through the worker's queue."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from reconciliation.storage import repository as repo
from worker.cli.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, fail, one_line
from worker.cli.output import command_context, emit, progress, step_progress
from worker.cli.run_view import render_run
from worker.runtime.actors import current_actors
from worker.runtime.context import SyncContext
from worker.runtime.group_run import GroupBusy, run_group
from worker.runtime.jobs import plan_systems
from worker.runtime.processes import enqueue_sync
from worker.service.group_sync import sync_group
from worker.service.run_fence import FenceSource
from worker.service.run_report import RunReport

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
WAIT_S = 600.0


def _run_here(context: SyncContext, group_id: str, *, dry_run: bool, bar: bool) -> RunReport:
    """In this process; with a broker configured, under the group's lease like any worker's run."""

    def run(fence: FenceSource | None = None) -> RunReport:
        # With no broker the run's fence token comes from the database; under the lease, from the lease.
        with step_progress(label=f"Syncing {group_id}") as on_link:
            return sync_group(
                sessions=context.sessions,
                systems=plan_systems(context),
                group_id=group_id,
                trigger="dry_run" if dry_run else "manual",
                dry_run=dry_run,
                fence=fence,
                on_link=on_link if bar else None,
            )

    if dry_run or context.settings.redis_url is None:
        return run()
    actors = current_actors()
    try:
        return run_group(actors.runs.for_agency(context.agency.id), actors.sync_group, run, group_id=group_id,
                         trigger="manual", timing=actors.timing, agency_id=context.agency.id)
    except GroupBusy:
        typer.echo(
            f"plansync: group {group_id} is being synced by a worker right now; "
            "run again later, or drop --here to queue a run",
            err=True,
        )
        raise typer.Exit(1) from None


def sync(
    group_id: Annotated[str | None, typer.Argument(help="The PerfectQuote group id.")] = None,
    all_groups: Annotated[bool, typer.Option("--all", help="Every connected group.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the writes, field by field; write nothing.")
    ] = False,
    here: Annotated[
        bool, typer.Option("--here", help="Run in this process even when a broker is set.")
    ] = False,
    wait: Annotated[bool, typer.Option("--wait", help="With a broker: wait for the outcome.")] = False,
    wait_s: Annotated[float | None, typer.Option(
        "--wait-s", min=0.1, help=f"With a broker: wait this long for a worker's outcome (implies --wait; "
                                  f"default {WAIT_S:g} s).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Reconcile a group now: read both sides, reconcile every link, write, record."""
    if bool(group_id) == all_groups:
        typer.echo("plansync: give one PerfectQuote group id, or --all", err=True)
        raise typer.Exit(2)
    with command_context() as context:
        with context.sessions() as session:
            groups = (
                [group_id] if group_id else [g.group_id for g in repo.list_groups(session)]
            )
        in_process = dry_run or here or context.settings.redis_url is None
        limit_s = (wait_s or WAIT_S) if wait or wait_s is not None else None
        results: list[dict[str, Any]] = []
        with progress(groups, label="Syncing" if in_process or limit_s else "Enqueuing") as each_group:
            for each in each_group:
                try:
                    if in_process:
                        report = _run_here(context, each, dry_run=dry_run, bar=len(groups) == 1)
                        results.append(report.as_dict())
                    else:
                        results.append(_enqueue(each, limit_s=limit_s, agency_id=context.agency.id))
                except KeyboardInterrupt:
                    fail(interrupted_line(context, each, in_process=in_process, dry_run=dry_run),
                         EXIT_INTERRUPTED)

    def render() -> None:
        for result in results:
            if "counts" in _run_of(result):
                render_run(_run_of(result))
            elif result.get("status") == "timed_out":
                typer.echo(f"{result['group_id']}: queued, no outcome yet")
            elif result.get("status") == "enqueued":
                typer.echo(f"{result['group_id']}: enqueued for the workers; plansync status shows its "
                           "outcome (--wait waits for it)")
            else:
                detail = result.get("error") or ""
                typer.echo(f"{result['group_id']}: {result.get('status')} {detail}".rstrip())

    emit(results if all_groups else results[0], as_json=as_json, render=render)
    for result in results:
        run = _run_of(result)
        if result.get("status") == "timed_out":
            typer.echo(one_line(f"plansync: {result['error']}"), err=True)
        elif run.get("outcome") not in {None, "succeeded", "partial"} or result.get("status") == "failed":
            problem = run.get("error") or result.get("error") or "see plansync status"
            outcome = run.get("outcome") or "failed"
            typer.echo(one_line(f"plansync: run of {result.get('group_id')} {outcome}: {problem}"), err=True)
    code = sync_exit_code(results)
    if code != EXIT_OK:
        raise typer.Exit(code)


def _enqueue(group_id: str, *, limit_s: float | None, agency_id: int) -> dict[str, Any]:
    """Queued for the workers; with a limit, the outcome of the run that covers it, or why there is none."""
    if limit_s is not None and sys.stderr.isatty():
        typer.echo(f"Waiting up to {limit_s:g} s for a worker to run {group_id} (Ctrl-C stops waiting)...",
                   err=True)
    outcome = enqueue_sync(group_id, trigger="manual", wait_s=limit_s, agency_id=agency_id)
    if outcome is not None:
        return outcome
    if limit_s is None:
        return {"group_id": group_id, "status": "enqueued"}
    return {"group_id": group_id, "status": "timed_out",
            "error": f"no worker ran the sync of {group_id} within {limit_s:g} s: is `plansync worker` "
                     "running on this REDIS_URL? The sync stays queued and runs when a worker takes it"}


def sync_exit_code(results: list[dict[str, Any]]) -> int:
    """0 when every run succeeded (or was only enqueued), 3 when some links are in error or a system did not
    take a field written to it, else 1."""
    outcomes = {_run_of(r).get("outcome") for r in results}
    unfinished = any(r.get("status") in {"failed", "timed_out"} for r in results)
    if unfinished or outcomes - {None, "succeeded", "partial"}:
        return EXIT_FAILED
    not_taken = any(_run_of(r).get("not_taken") for r in results)
    return EXIT_PARTIAL if "partial" in outcomes or not_taken else EXIT_OK


def interrupted_line(context: SyncContext, group_id: str, *, in_process: bool, dry_run: bool) -> str:
    """What Ctrl-C left: a run made here is finished by the service as `interrupted`; say so."""
    if dry_run:
        return f"dry run of {group_id} interrupted (Ctrl-C); nothing was written"
    if not in_process:
        return f"stopped waiting (Ctrl-C); the worker's run of {group_id} goes on: see plansync status"
    with context.sessions() as session:
        runs = repo.recent_runs(session, group_id=group_id, limit=1)
    if not runs:
        return f"sync of {group_id} interrupted (Ctrl-C) before its run started; nothing was written"
    return (f"sync of {group_id} interrupted (Ctrl-C); run {runs[0].id} is recorded as "
            f"{runs[0].outcome.value}; what it wrote is in plansync changes {group_id}")


def _run_of(result: dict[str, Any]) -> dict[str, Any]:
    """The run itself: a run made here is the result; a worker's run is the summary of its outcome."""
    return result if "counts" in result else result.get("summary") or {}
