"""Carriers: the Configure tab (status, group number, Last Sync), the Manage tab (messages), diagnose."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from worker.console.web import act, blocking, context_of, form_of, render
from worker.service import carrier_views
from worker.service import carriers as service

SEVERITIES = ("Failure", "Warning", "Info")


def _now() -> datetime:
    return datetime.now(UTC)


def _read(request: Request, severity: str, open_only: bool) -> dict[str, Any]:
    sessions = context_of(request).sessions
    views = service.list_integrations(sessions, now=_now())
    integrations = [
        {**row, "group_id": view.integration.group_id, "active": view.integration.status.value}
        for row, view in zip(carrier_views.integration_rows(views), views, strict=True)
    ]
    messages = [
        row
        for row in carrier_views.message_rows(service.list_messages(sessions, now=_now()))
        if (not severity or row["severity"] == severity) and (not open_only or row["status"] == "open")
    ]
    carriers = context_of(request).crosswalk.carriers
    return {"integrations": integrations, "messages": messages, "carriers": carriers}


async def carriers_page(request: Request) -> Response:
    severity = request.query_params.get("severity", "")
    severity = severity if severity in SEVERITIES else ""
    open_only = request.query_params.get("open") == "1"
    found = await blocking(_read, request, severity, open_only)
    return render(
        request, "carriers.html", **found, severity=severity, open_only=open_only, severities=SEVERITIES
    )


async def configure(request: Request) -> Response:
    form = await form_of(request)
    sessions = context_of(request).sessions

    def call() -> Any:
        renewal = form.get("renewal_date", "").strip()
        return service.configure(
            sessions,
            crosswalk=context_of(request).crosswalk,
            group_id=form.get("group_id", "").strip(),
            carrier_code=form.get("carrier", "").strip(),
            group_number=form.get("group_number", ""),
            now=_now(),
            plan_name=form.get("plan", "").strip() or None,
            plan_type=form.get("plan_type", "").strip() or None,
            renewal_date=date.fromisoformat(renewal) if renewal else None,
        )

    return await act(
        request,
        call,
        back="/carriers",
        done=lambda i: (
            f"Integration {i.id} with {i.carrier_name} configured: Pending. Continue "
            "managing eligibility with the carrier manually until it is Active."
        ),
    )


async def set_group_number(request: Request) -> Response:
    integration_id = request.path_params["integration_id"]
    number = (await form_of(request)).get("group_number", "")
    context = context_of(request)
    return await act(
        request,
        lambda: service.set_group_number(
            context.sessions, context.exchange, integration_id, number, now=_now()
        ),
        back="/carriers",
        done=lambda i: f"Integration {i.id} group number set to {i.group_number}.",
    )


async def enable(request: Request) -> Response:
    integration_id = request.path_params["integration_id"]
    number = (await form_of(request)).get("group_number", "")
    context = context_of(request)
    return await act(
        request,
        lambda: service.enable(
            context.sessions, context.exchange, integration_id, group_number=number, now=_now()
        ),
        back="/carriers",
        done=lambda i: f"Integration {i.id} turned back On: {carrier_views.status_label(i)}.",
    )


async def disable(request: Request) -> Response:
    integration_id = request.path_params["integration_id"]
    context = context_of(request)
    return await act(
        request,
        lambda: service.disable(context.sessions, context.exchange, integration_id, now=_now()),
        back="/carriers",
        done=lambda i: (
            f"Integration {i.id} disabled. Resume manual eligibility communication with the carrier."
        ),
    )


def changes_of(text: str) -> dict[str, str]:
    """The corrections, one FIELD=VALUE a line."""
    changes: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"correction {line.strip()!r} is not FIELD=VALUE")
        changes[name.strip()] = value.strip()
    return changes


async def resolve(request: Request) -> Response:
    message_id = request.path_params["message_id"]
    form = await form_of(request)
    context = context_of(request)
    return await act(
        request,
        lambda: service.resolve(
            context.sessions,
            context.exchange,
            message_id,
            text=form.get("message", ""),
            now=_now(),
            changes=changes_of(form.get("changes", "")),
        ),
        back="/carriers",
        done=lambda m: (
            f"Message {m.id} resolved: resolution pending carrier sync. "
            "The correction reaches the carrier at its next sync."
        ),
    )


async def diagnose(request: Request) -> Response:
    """Why isn't this integration syncing? Each cause found, and what to do, in the help center's words."""
    integration_id = request.path_params["integration_id"]
    integration, findings = await blocking(
        service.diagnose_integration, context_of(request).sessions, integration_id, now=_now()
    )
    return render(
        request,
        "diagnose.html",
        integration=integration,
        label=carrier_views.status_label(integration),
        findings=carrier_views.finding_rows(findings),
    )


routes = [
    Route("/carriers", carriers_page, methods=["GET"]),
    Route("/carriers/configure", configure, methods=["POST"]),
    Route("/carriers/{integration_id:int}/group-number", set_group_number, methods=["POST"]),
    Route("/carriers/{integration_id:int}/enable", enable, methods=["POST"]),
    Route("/carriers/{integration_id:int}/disable", disable, methods=["POST"]),
    Route("/carriers/{integration_id:int}/diagnose", diagnose, methods=["GET"]),
    Route("/carriers/messages/{message_id:int}/resolve", resolve, methods=["POST"]),
]
