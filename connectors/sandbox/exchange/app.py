"""The carrier-exchange sandbox as a Starlette app speaking contracts/carrier-exchange-api.md."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.sandbox.exchange import operations as ops
from connectors.sandbox.exchange.store import ExchangeStore, Rejected
from connectors.sandbox.faults import FaultInjector, FaultMiddleware, FaultSettings

API_KEY = "sandbox-key"
MAX_PER_PAGE = 100
Handler = Callable[[Request, ExchangeStore, dict[str, Any]], Awaitable[Response]]


def _endpoint(handler: Handler, *, envelope: str | None = None) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        store: ExchangeStore = request.app.state.store
        if request.headers.get("Vericred-Api-Key") != request.app.state.api_key:
            return JSONResponse({"errors": {"api_key": ["is invalid"]}}, status_code=401)
        body: dict[str, Any] = {}
        if envelope is not None:
            try:
                raw = json.loads(await request.body() or b"{}")
            except json.JSONDecodeError:
                return JSONResponse({"errors": {"body": ["is not JSON"]}}, status_code=422)
            body = raw.get(envelope) if isinstance(raw, dict) else None
            if not isinstance(body, dict):
                return JSONResponse({"errors": {envelope: ["is missing"]}}, status_code=422)
        with store.lock:
            store.tick()
            try:
                return await handler(request, store, body)
            except Rejected as rejected:
                return JSONResponse({"errors": rejected.errors}, status_code=422)
            except KeyError as missing:
                return JSONResponse({"errors": {"id": [f"{missing.args[0]} not found"]}}, status_code=404)

    return endpoint


async def _groups(request: Request, store: ExchangeStore, body: dict[str, Any]) -> Response:
    group, created = ops.ensure_group(store, body)
    return JSONResponse({"group": group}, status_code=201 if created else 200)


async def _create_period(request: Request, store: ExchangeStore, body: dict[str, Any]) -> Response:
    group_id = request.path_params["group_id"]
    if group_id not in store.groups:
        raise KeyError(group_id)
    period, created = ops.create_period(store, group_id, body)
    return JSONResponse({"coverage_period": period.to_json()}, status_code=201 if created else 200)


async def _get_period(request: Request, store: ExchangeStore, body: dict[str, Any]) -> Response:
    return JSONResponse({"coverage_period": store.periods[request.path_params["period_id"]].to_json()})


async def _patch_period(request: Request, store: ExchangeStore, body: dict[str, Any]) -> Response:
    period = ops.patch_period(store, store.periods[request.path_params["period_id"]], body)
    return JSONResponse({"coverage_period": period.to_json()})


async def _transmit(request: Request, store: ExchangeStore, body: dict[str, Any]) -> Response:
    transmission, created = ops.transmit(store, store.periods[request.path_params["period_id"]], body)
    return JSONResponse({"transmission": ops.transmission_json(transmission)},
                        status_code=202 if created else 200)


async def _errors(request: Request, store: ExchangeStore, body: dict[str, Any]) -> Response:
    period = store.periods[request.path_params["period_id"]]
    wanted = request.query_params.get("status")
    if wanted not in (None, "unresolved", "resolved"):
        raise Rejected({"status": ["must be unresolved or resolved"]})
    try:
        page = max(1, int(request.query_params.get("page", "1")))
        per_page = min(MAX_PER_PAGE, max(1, int(request.query_params.get("per_page", "25"))))
    except ValueError:
        raise Rejected({"page": ["must be a number"]}) from None
    rows = [ops.error_json(e) for e in store.errors.values()
            if e["period_id"] == period.id and wanted in (None, e["status"])]
    chunk = rows[(page - 1) * per_page: page * per_page]
    headers = {"Total": str(len(rows)), "Per-Page": str(per_page)}
    if page * per_page < len(rows):
        query = f"page={page + 1}&per_page={per_page}" + (f"&status={wanted}" if wanted else "")
        headers["Link"] = f'<{request.url.replace(query=query)}>; rel="next"'
    return JSONResponse({"errors": chunk}, headers=headers)


async def _resolve(request: Request, store: ExchangeStore, body: dict[str, Any]) -> Response:
    error = ops.resolve(store, store.errors[request.path_params["error_id"]], body)
    return JSONResponse({"error": ops.error_json(error)}, status_code=201)


async def _advance(request: Request) -> Response:
    store: ExchangeStore = request.app.state.store
    try:
        seconds = float((await request.json())["seconds"])
        with store.lock:
            now = store.clock.advance(seconds)
            store.tick()
    except (KeyError, TypeError, ValueError, json.JSONDecodeError):
        return JSONResponse({"error": 'expected {"seconds": N} with N >= 0'}, status_code=400)
    return JSONResponse({"now": now.isoformat()})


def create_app(*, seed: int = 0, faults: FaultSettings | None = None, fault_seed: int = 0,
               activation_delay_s: float = 5.0, api_key: str = API_KEY) -> Starlette:
    """The sandbox; `seed` is accepted for symmetry with the other sandboxes (it starts empty); `api_key`
    is the one key it accepts."""
    routes = [
        Route("/groups", _endpoint(_groups, envelope="group"), methods=["POST"]),
        Route("/groups/{group_id}/coverage_periods",
              _endpoint(_create_period, envelope="coverage_period"), methods=["POST"]),
        Route("/coverage_periods/{period_id}", _endpoint(_get_period), methods=["GET"]),
        Route("/coverage_periods/{period_id}", _endpoint(_patch_period, envelope="coverage_period"),
              methods=["PATCH"]),
        Route("/coverage_periods/{period_id}/transmissions",
              _endpoint(_transmit, envelope="transmission"), methods=["POST"]),
        Route("/coverage_periods/{period_id}/errors", _endpoint(_errors), methods=["GET"]),
        Route("/errors/{error_id}/resolution", _endpoint(_resolve, envelope="resolution"),
              methods=["POST"]),
        Route("/_sandbox/advance", _advance, methods=["POST"]),
    ]
    injector = FaultInjector(settings=faults, seed=fault_seed)
    app = Starlette(routes=routes, middleware=[
        Middleware(FaultMiddleware, injector=injector, malformed_body=b"<html>oops</html>",
                   malformed_type="text/html")])
    app.state.store = ExchangeStore(activation_delay_s=activation_delay_s)
    app.state.seed = seed
    app.state.faults = injector
    app.state.api_key = api_key
    return app
