"""Sync now: start a group's run, then the small JSON answer the page polls until the run ends."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from worker.console.jobs import SyncJobs
from worker.console.routes.group import page_of
from worker.console.web import blocking, context_of, redirect
from worker.service import console_reads


async def sync_now(request: Request) -> Response:
    group_id = request.path_params["group_id"]
    # Refuses a group that is not connected before anything is queued (a 404 page).
    await blocking(console_reads.group_settings, sessions=context_of(request).sessions, group_id=group_id)
    jobs: SyncJobs = request.app.state.jobs
    job = jobs.start(group_id)
    return redirect(page_of(group_id), job=job.id)


async def sync_status(request: Request) -> Response:
    jobs: SyncJobs = request.app.state.jobs
    job = jobs.get(request.path_params["job_id"])
    if job is None or job.group_id != request.path_params["group_id"]:
        return JSONResponse({"error": "no such sync (the console may have restarted)"}, status_code=404)
    return JSONResponse(job.as_dict(), headers={"Cache-Control": "no-store"})


routes = [
    Route("/groups/{group_id}/sync", sync_now, methods=["POST"]),
    Route("/groups/{group_id}/sync/{job_id}.json", sync_status, methods=["GET"]),
]
