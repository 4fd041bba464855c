"""Runs: the recent runs of every group, filtered by outcome or group, and one run's writes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciliation.states import RunOutcome
from worker.console.web import blocking, context_of, render
from worker.service import console_reads


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


routes = [
    Route("/runs", runs_page, methods=["GET"]),
    Route("/runs/{run_id:int}", run_page, methods=["GET"]),
]
