"""CLI command: revert a run, field by field, from its change log (or preview the revert)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from worker.cli.errors import EXIT_FAILED, EXIT_PARTIAL, fail
from worker.cli.output import command_context, emit, show_value
from worker.runtime.actors import current_actors
from worker.runtime.context import SyncContext
from worker.runtime.group_run import GroupBusy, run_group
from worker.runtime.jobs import plan_systems
from worker.service.revert import TRIGGER, revert_run, target_group
from worker.service.revert_report import RevertReport
from worker.service.run_fence import FenceSource

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
SYSTEM_NAMES = {"perfectquote": "PerfectQuote", "benefitpoint": "BenefitPoint"}
SAYS = {"write": "written back", "record": "written back (recorded now)", "done": "already reverted",
        "changed": "changed since: left alone", "not_taken": "not taken by its system",
        "gone": "plan gone: nothing written"}


def revert_here(context: SyncContext, run_id: int, *, dry_run: bool) -> RevertReport:
    """In this process; with a broker configured, under the group's lease like any run of the group."""

    def run(fence: FenceSource | None = None) -> RevertReport:
        return revert_run(sessions=context.sessions, systems=plan_systems(context), run_id=run_id,
                          dry_run=dry_run, fence=fence)

    if dry_run or context.settings.redis_url is None:
        return run()
    group_id = target_group(sessions=context.sessions, run_id=run_id)
    actors = current_actors()
    return run_group(actors.runs.for_agency(context.agency.id), actors.sync_group, run, group_id=group_id,
                     trigger=TRIGGER, timing=actors.timing, agency_id=context.agency.id)


def revert(
    run_id: Annotated[int, typer.Argument(help="The run to revert (plansync changes shows runs).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be written back only.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Write back what a run changed, where nobody changed it since; plans it created are unlinked."""
    with command_context() as context:
        try:
            report = revert_here(context, run_id, dry_run=dry_run)
        except GroupBusy as busy:
            fail(f"group {busy.group_id} is being synced right now; revert run {run_id} again in a moment",
                 EXIT_FAILED)
    data = report.as_dict()
    emit(data, as_json=as_json, render=lambda: render_revert(data))
    if data["outcome"] not in {"succeeded", "partial"}:
        fail(f"revert of run {run_id} {data['outcome']}: {data['error']}", EXIT_FAILED)
    # As `sync`: 3 when links could not be reverted or a system did not take a value written back.
    if data["outcome"] == "partial" or any(f["verdict"] == "not_taken" for f in data["fields"]):
        raise typer.Exit(EXIT_PARTIAL)


def render_revert(data: dict[str, Any]) -> None:
    label = "Dry run of the revert (nothing written)" if data["dry_run"] else f"Run {data['run_id']}"
    written = sum(1 for f in data["fields"] if f["verdict"] in {"write", "record"})
    typer.echo(f"{label}: revert of run {data['target_run_id']} of {data['group_id']}: {data['outcome']} — "
               f"{written} field(s) written back, {data['counts']['conflicts']} changed since, "
               f"{len(data['unlinked'])} plan(s) unlinked")
    for f in data["fields"]:
        where = f"  {f['side']} plan {f['plan_id']} {f['field']}"
        line = f"{where}: {show_value(f['after'])} -> {show_value(f['before'])}"
        if f["verdict"] == "changed":
            line = f"{where}: the run wrote {show_value(f['after'])}, it holds {show_value(f['current'])} now"
        typer.echo(f"{line} ({SAYS[f['verdict']]})")
    for entry in data["unlinked"]:
        system = SYSTEM_NAMES.get(str(entry["side"]), entry["side"])
        typer.echo(f"  link {entry['link_id']} unlinked: the run created {system} plan {entry['plan_id']}; "
                   f"plansync deletes nothing: remove it in {system} if it should go")
    for link_id, message in data["link_errors"].items():
        typer.echo(f"  error on link {link_id}: {message}")
