"""Runs: the recent runs of every group, filtered by outcome or group, one run's writes, and its revert."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciliation.states import RunOutcome
from worker.cli.revert import revert_here
from worker.console.web import act, blocking, context_of, render
from worker.runtime.group_run import GroupBusy
from worker.service import console_reads
from worker.service.revert import RevertRefused


async def runs_page(request: Request) -> Response:
    wanted = request.query_params.get("outcome", "")
    outcome = RunOutcome(wanted) if wanted in {o.value for o in RunOutcome} else None
    group_id = request.query_params.get("group", "").strip()
    runs = await blocking(
        console_reads.recent_runs,
        sessions=context_of(request).sessions,
        outcome=outcome,
        group_id=group_id or None,
        limit=100,
    )
    return render(
        request,
        "runs.html",
        runs=runs,
        outcome=outcome.value if outcome else "",
        group_id=group_id,
        outcomes=[o.value for o in RunOutcome],
    )


async def run_page(request: Request) -> Response:
    run = await blocking(
        console_reads.run_detail, sessions=context_of(request).sessions, run_id=request.path_params["run_id"]
    )
    by_link: dict[tuple[str, str], list[dict[str, object]]] = {}
    for change in run["changes"]:
        by_link.setdefault((change["link_id"], change["direction"]), []).append(change)
    return render(request, "run.html", run=run, writes=by_link)


def revert_summary(data: dict[str, Any]) -> str:
    """The flash after a revert: what went back, what was left alone and why, what a person must remove."""
    written = sum(1 for f in data["fields"] if f["verdict"] in {"write", "record"})
    parts = [f"Run {data['run_id']} reverted run {data['target_run_id']}: {data['outcome']}; "
             f"{written} field(s) written back"]
    changed = [f"{f['side']} {f['field']} (the run wrote {f['after']}, it holds {f['current']} now)"
               for f in data["fields"] if f["verdict"] == "changed"]
    if changed:
        parts.append(f"changed since, left alone: {', '.join(changed)}")
    if data["unlinked"]:
        made = ", ".join(f"{e['side']} plan {e['plan_id']}" for e in data["unlinked"])
        parts.append(f"unlinked, never deleted: remove {made} in its system if it should go")
    parts += [f"link {link_id}: {message}" for link_id, message in data["link_errors"].items()]
    if data["error"]:
        parts.append(str(data["error"]))
    return "; ".join(parts) + "."


async def revert(request: Request) -> Response:
    """Revert the run, under the group's lease like any run; then show the revert's own run."""
    run_id: int = request.path_params["run_id"]
    context = context_of(request)

    def call() -> dict[str, Any]:
        try:
            return revert_here(context, run_id, dry_run=False).as_dict()
        except GroupBusy as busy:
            raise RevertRefused(f"group {busy.group_id} is being synced right now; revert run {run_id} again "
                                "in a moment") from None

    return await act(request, call, back=f"/runs/{run_id}", done=revert_summary,
                     then=lambda data: f"/runs/{data['run_id']}" if data["run_id"] else None)


routes = [
    Route("/runs", runs_page, methods=["GET"]),
    Route("/runs/{run_id:int}", run_page, methods=["GET"]),
    Route("/runs/{run_id:int}/revert", revert, methods=["POST"]),
]
