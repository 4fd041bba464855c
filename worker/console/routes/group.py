"""A group: both systems' plans and the chooser, a dry-run preview, the change log, conflicts to settle,
and where each value of a plan's fields came from."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.errors import ConnectorError
from reconciliation.decisions import ConflictPolicy
from reconciliation.side import Side
from worker.console.chooser import columns, entries_from_form
from worker.console.jobs import SyncJobs
from worker.console.web import act, blocking, context_of, form_of, problem, render
from worker.runtime.jobs import plan_systems
from worker.service import accounts, console_reads, history, overview, plan_choices
from worker.service.group_sync import sync_group


def page_of(group_id: str) -> str:
    return f"/groups/{quote(group_id)}"


def _read(request: Request, group_id: str) -> dict[str, Any]:
    """Everything the group page shows; the plans are read from both systems, the rest from the database."""
    sessions = context_of(request).sessions
    found: dict[str, Any] = {"group": console_reads.group_settings(sessions=sessions, group_id=group_id)}
    found["status"] = next(
        g for g in overview.status(sessions=sessions)["groups"] if g["group_id"] == group_id
    )
    found["changes"] = list(reversed(overview.changes(sessions=sessions, group_id=group_id)))
    found["conflicts"] = overview.conflicts(sessions=sessions, group_id=group_id)
    found["history"], found["history_error"] = _history(request, group_id)
    try:
        found["plans"] = columns(
            plan_choices.side_by_side(
                sessions=sessions, systems=plan_systems(context_of(request)), group_id=group_id
            )
        )
        found["plans_error"] = None
    except ConnectorError as error:
        found["plans"], found["plans_error"] = None, f"{error.system} could not be read: {problem(error)}"
    return found


def _history(request: Request, group_id: str) -> tuple[dict[str, Any] | None, str | None]:
    """The provenance asked for on the page (`?history=PLAN&field=F`), or why there is none."""
    plan = request.query_params.get("history", "").strip()
    if not plan:
        return None, None
    field = request.query_params.get("field", "").strip() or None
    try:
        return history.field_history(sessions=context_of(request).sessions, group_id=group_id, plan=plan,
                                     field=field), None
    except history.PlanNotLinked as error:
        return None, problem(error)


async def group_page(request: Request) -> Response:
    group_id = request.path_params["group_id"]
    found = await blocking(_read, request, group_id)
    jobs: SyncJobs = request.app.state.jobs
    job = jobs.get(request.query_params.get("job", ""))
    return render(
        request,
        "group.html",
        **found,
        policies=[p.value for p in ConflictPolicy],
        job=job.as_dict() if job and job.group_id == group_id else None,
    )


async def choose(request: Request) -> Response:
    group_id = request.path_params["group_id"]
    form = await form_of(request)
    context = context_of(request)

    def call() -> list[Any]:
        return plan_choices.choose(
            sessions=context.sessions,
            systems=plan_systems(context),
            group_id=group_id,
            entries=entries_from_form(form),
        )

    return await act(
        request,
        call,
        back=page_of(group_id),
        done=lambda links: f"Saved {len(links)} choice(s). Preview the sync, then Sync now.",
    )


async def unlink(request: Request) -> Response:
    group_id = request.path_params["group_id"]
    link_id = (await form_of(request)).get("link_id", "")
    sessions = context_of(request).sessions
    return await act(
        request,
        lambda: plan_choices.unlink(sessions=sessions, group_id=group_id, link_id=link_id),
        back=page_of(group_id),
        done=f"Unlinked {link_id}: nothing was deleted; its plans are unreviewed again.",
    )


async def set_policy(request: Request) -> Response:
    group_id = request.path_params["group_id"]
    chosen = (await form_of(request)).get("policy", "")
    sessions = context_of(request).sessions
    return await act(
        request,
        lambda: accounts.set_conflict_policy(
            sessions=sessions, group_id=group_id, policy=ConflictPolicy(chosen)
        ),
        back=page_of(group_id),
        done=f"Conflicts are now decided by {chosen}.",
    )


async def preview(request: Request) -> Response:
    """The dry run: every write the next sync would make, field by field; nothing is written."""
    group_id = request.path_params["group_id"]
    context = context_of(request)
    report = await blocking(
        sync_group,
        sessions=context.sessions,
        systems=plan_systems(context),
        group_id=group_id,
        trigger="dry_run",
        dry_run=True,
    )
    return render(request, "preview.html", group_id=group_id, run=report.as_dict())


async def settle(request: Request) -> Response:
    conflict_id = request.path_params["conflict_id"]
    form = await form_of(request)
    side_text, back = form.get("side", ""), page_of(form.get("group_id", ""))
    sessions = context_of(request).sessions
    return await act(
        request,
        lambda: overview.settle(sessions=sessions, conflict_id=conflict_id, side=Side(side_text)),
        back=back if form.get("group_id") else "/",
        done=lambda c: f"Conflict {conflict_id} on {c['field']}: {side_text} wins; the next sync writes it.",
    )


routes = [
    Route("/groups/{group_id}", group_page, methods=["GET"]),
    Route("/groups/{group_id}/choose", choose, methods=["POST"]),
    Route("/groups/{group_id}/unlink", unlink, methods=["POST"]),
    Route("/groups/{group_id}/policy", set_policy, methods=["POST"]),
    Route("/groups/{group_id}/preview", preview, methods=["GET"]),
    Route("/conflicts/{conflict_id:int}/settle", settle, methods=["POST"]),
]
