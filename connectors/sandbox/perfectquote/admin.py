"""The sandbox's admin side: deleting and editing plans, adding enrollment changes, the OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from connectors.sandbox.faults import ADMIN_PATH as FAULTS_PATH
from connectors.sandbox.perfectquote.admin_edits import EDIT_ROUTES
from connectors.sandbox.perfectquote.enrollment import check_change
from connectors.sandbox.perfectquote.errors import ApiError, bad_request, invalid
from connectors.sandbox.perfectquote.openapi import API_PREFIX, openapi_document
from connectors.sandbox.perfectquote.store import PerfectQuoteStore


async def json_body(request: Request) -> Any:
    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise bad_request("the request body is not JSON") from None


async def admin_delete_plan(request: Request) -> Response:
    try:
        request.app.state.store.delete_plan(request.path_params["plan_id"])
    except ApiError as error:
        return JSONResponse(error.body(), status_code=error.status)
    return Response(status_code=204)


async def admin_add_enrollment_change(request: Request) -> Response:
    store: PerfectQuoteStore = request.app.state.store
    try:
        body = await json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("group_id"), str):
            raise invalid([{"field": "group_id", "problem": "is required"}])
        store.group(body["group_id"])
        check_change(body.get("change"))
    except ApiError as error:
        return JSONResponse(error.body(), status_code=error.status)
    return JSONResponse(store.enrollment.add(body["group_id"], body["change"]), status_code=201)


async def admin_calls(request: Request) -> Response:
    store: PerfectQuoteStore = request.app.state.store
    # Requests are counted on the server's event loop, the thread this answer runs on.
    return JSONResponse({"calls": dict(store.calls)})


async def openapi(_request: Request) -> Response:
    return JSONResponse(openapi_document())


class AdminBeforeFaults:
    """Admin endpoints and the OpenAPI document answer even while faults are injected."""

    def __init__(self, app: ASGIApp, *, admin: Router) -> None:
        self.app = app
        self.admin = admin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        direct = (path.startswith("/_sandbox/") and path != FAULTS_PATH) or path.endswith("/openapi.json")
        await (self.admin if scope["type"] == "http" and direct else self.app)(scope, receive, send)


ADMIN_ROUTES = [
    Route("/openapi.json", openapi, methods=["GET"]),
    Route(API_PREFIX + "/openapi.json", openapi, methods=["GET"]),
    Route("/_sandbox/plans/{plan_id}", admin_delete_plan, methods=["DELETE"]),
    Route("/_sandbox/enrollment_changes", admin_add_enrollment_change, methods=["POST"]),
    Route("/_sandbox/calls", admin_calls, methods=["GET"]),
    *EDIT_ROUTES,
]
