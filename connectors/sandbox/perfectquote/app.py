"""The PerfectQuote sandbox as a Starlette app: the contract's routes, auth, limits, admin."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

from connectors.sandbox.faults import FaultInjector, FaultMiddleware, FaultSettings
from connectors.sandbox.perfectquote import cursors
from connectors.sandbox.perfectquote.admin import ADMIN_ROUTES, AdminBeforeFaults, json_body
from connectors.sandbox.perfectquote.errors import ApiError
from connectors.sandbox.perfectquote.openapi import API_PREFIX
from connectors.sandbox.perfectquote.ratelimit import RateLimiter
from connectors.sandbox.perfectquote.store import PerfectQuoteStore

TOKEN = "sandbox-token"
MALFORMED_BODY = b"<html>oops</html>"
Handler = Callable[[Request, PerfectQuoteStore], Awaitable[Response]]


def _api(method: str, path: str, handler: Handler) -> Route:
    """A contract route: counted, authenticated, rate limited, errors in the contract's shape."""
    route_name = f"{method} {path}"

    async def endpoint(request: Request) -> Response:
        store: PerfectQuoteStore = request.app.state.store
        store.count(route_name)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer" or token != request.app.state.token:
                raise ApiError(401, "unauthorized", "a valid bearer token is required")
            limiter: RateLimiter | None = request.app.state.limiter
            wait_s = limiter.admit(token) if limiter else None
            if wait_s is not None:
                raise ApiError(429, "rate_limited", f"more than {limiter.per_second} requests a second",
                               headers={"Retry-After": str(wait_s)})
            return await handler(request, store)
        except ApiError as error:
            return JSONResponse(error.body(), status_code=error.status, headers=error.headers)

    return Route(API_PREFIX + path, endpoint, methods=[method])


def _plan_response(plan: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(plan, status_code=status, headers={"ETag": f'"{plan["version"]}"'})


def _paged(request: Request, items: list[Any], kind: str) -> JSONResponse:
    size = cursors.page_size(request.query_params.get("page_size"))
    return JSONResponse(cursors.page(items, kind=kind, cursor=request.query_params.get("cursor"), size=size))


def _log(request: Request, entries: list[Any], kind: str) -> JSONResponse:
    size = cursors.page_size(request.query_params.get("page_size"))
    start = request.query_params.get("cursor") or request.query_params.get("since")
    return JSONResponse(cursors.log_page(entries, kind=kind, cursor=start, size=size))


async def search_groups(request: Request, store: PerfectQuoteStore) -> Response:
    return _paged(request, store.search_groups(request.query_params.get("query", "")), "groups")


async def get_group(request: Request, store: PerfectQuoteStore) -> Response:
    return JSONResponse(store.group(request.path_params["group_id"]))


async def list_plans(request: Request, store: PerfectQuoteStore) -> Response:
    group_id = request.path_params["group_id"]
    return _paged(request, store.group_plans(group_id), f"plans.{group_id}")


async def create_plan(request: Request, store: PerfectQuoteStore) -> Response:
    status, plan = store.create_plan(request.path_params["group_id"], await json_body(request),
                                     key=request.headers.get("Idempotency-Key"))
    return _plan_response(plan, status)


async def get_plan(request: Request, store: PerfectQuoteStore) -> Response:
    return _plan_response(store.plan(request.path_params["plan_id"]))


async def replace_plan(request: Request, store: PerfectQuoteStore) -> Response:
    plan = store.replace_plan(request.path_params["plan_id"], await json_body(request),
                              if_match=request.headers.get("If-Match"))
    return _plan_response(plan)


async def patch_external_refs(request: Request, store: PerfectQuoteStore) -> Response:
    refs = await json_body(request)
    return _plan_response(store.merge_external_refs(request.path_params["plan_id"], refs))


async def plan_changes(request: Request, store: PerfectQuoteStore) -> Response:
    return _log(request, store.changes(), "changes")


async def enrollment_changes(request: Request, store: PerfectQuoteStore) -> Response:
    group_id = request.path_params["group_id"]
    store.group(group_id)
    return _log(request, store.enrollment.of_group(group_id), f"enrollment.{group_id}")


ROUTES = [
    _api("GET", "/groups", search_groups),
    _api("GET", "/groups/{group_id}", get_group),
    _api("GET", "/groups/{group_id}/plans", list_plans),
    _api("POST", "/groups/{group_id}/plans", create_plan),
    _api("GET", "/groups/{group_id}/enrollment_changes", enrollment_changes),
    _api("GET", "/plans/changes", plan_changes),
    _api("GET", "/plans/{plan_id}", get_plan),
    _api("PUT", "/plans/{plan_id}", replace_plan),
    _api("PATCH", "/plans/{plan_id}/external_refs", patch_external_refs),
    *ADMIN_ROUTES,
]


def create_app(*, seed: int = 0, faults: FaultSettings | None = None, fault_seed: int = 0,
               rate_limit_per_s: int | None = 20, clock: Callable[[], float] = time.monotonic,
               token: str = TOKEN) -> Starlette:
    """A fresh sandbox; `rate_limit_per_s=None` switches the limit off (tests, benchmarks); `token` is the
    one bearer token it accepts (a tenant of its own)."""
    injector = FaultInjector(settings=faults, seed=fault_seed)
    app = Starlette(routes=ROUTES, middleware=[
        Middleware(AdminBeforeFaults, admin=Router(routes=ADMIN_ROUTES)),
        Middleware(FaultMiddleware, injector=injector, malformed_body=MALFORMED_BODY,
                   malformed_type="text/html"),
    ])
    app.state.store = PerfectQuoteStore(seed=seed)
    app.state.faults = injector
    app.state.token = token
    app.state.limiter = RateLimiter(per_second=rate_limit_per_s, clock=clock) if rate_limit_per_s else None
    return app
