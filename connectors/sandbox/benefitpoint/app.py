"""The BenefitPoint sandbox as an ASGI app: SOAP endpoints, WSDL, admin endpoints, fault injection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from connectors.sandbox.benefitpoint.admin_edits import edit_route
from connectors.sandbox.benefitpoint.instances import catalog_for
from connectors.sandbox.benefitpoint.operations import SANDBOX_PASSWORD, SANDBOX_USERNAME, handle
from connectors.sandbox.benefitpoint.seed import seed_store
from connectors.sandbox.benefitpoint.signatures import BROKER_PATH, LOGIN_PATH
from connectors.sandbox.benefitpoint.soap_io import CONTENT_TYPE, truncated_envelope
from connectors.sandbox.benefitpoint.store import Store
from connectors.sandbox.benefitpoint.wsdl import render_wsdl
from connectors.sandbox.faults import ADMIN_PATH, FaultInjector, FaultMiddleware, FaultSettings

ADMIN_PREFIX = "/_sandbox/"


class _AdminBeforeFaults:
    """Sends the sandbox's own admin calls past fault injection: setting up a test must not fail."""

    def __init__(self, app: ASGIApp, *, admin: ASGIApp) -> None:
        self.app = app
        self.admin = admin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(ADMIN_PREFIX) and path != ADMIN_PATH:
            await self.admin(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _soap_endpoint(store: Store, path: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        if request.method == "GET":
            if "wsdl" not in {key.lower() for key in request.query_params}:
                return Response(f"POST SOAP requests here, or GET {path}?wsdl", status_code=404,
                                media_type="text/plain")
            address = str(request.url.replace(query=""))
            return Response(render_wsdl(path, address=address), media_type=CONTENT_TYPE)
        status, body = handle(store, path=path, payload=await request.body(),
                              soap_action=request.headers.get("soapaction"))
        return Response(body, status_code=status, media_type=CONTENT_TYPE)

    return endpoint


def _admin_router(store: Store) -> Router:
    async def delete_product(request: Request) -> Response:
        product_id = request.path_params["product_id"]
        if not store.delete_product(product_id):
            return JSONResponse({"error": f"product {product_id} does not exist"}, status_code=404)
        return Response(status_code=204)

    async def expire_sessions(request: Request) -> Response:
        return JSONResponse({"expired": store.expire_sessions()})

    async def calls(request: Request) -> Response:
        with store.lock:
            return JSONResponse({"calls": dict(store.calls)})

    return Router(routes=[
        Route(f"{ADMIN_PREFIX}products/{{product_id:int}}", delete_product, methods=["DELETE"]),
        Route(f"{ADMIN_PREFIX}expire_sessions", expire_sessions, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}calls", calls, methods=["GET"]),
        edit_route(ADMIN_PREFIX),
    ])


def create_app(*, seed: int = 0, faults: FaultSettings | None = None, fault_seed: int = 0,
               session_ttl_s: float = 1800, instance: str = "default",
               credentials: tuple[str, str] = (SANDBOX_USERNAME, SANDBOX_PASSWORD)) -> Starlette:
    """A seeded BenefitPoint; `app.state.store` is its state, `app.state.faults` its injector.

    `instance`: whose catalogue it serves (ids and descriptions), `default` or `second`; `credentials`:
    the one username and password its login accepts."""
    if session_ttl_s < 0:
        raise ValueError(f"session_ttl_s={session_ttl_s!r} must not be negative")
    store = seed_store(Store(session_ttl_s=session_ttl_s, catalog=catalog_for(instance),
                             credentials=credentials), seed=seed)
    injector = FaultInjector(settings=faults, seed=fault_seed, throttle_status=503)
    app = Starlette(
        routes=[Route(path, _soap_endpoint(store, path), methods=["GET", "POST"])
                for path in (LOGIN_PATH, BROKER_PATH)],
        middleware=[
            Middleware(_AdminBeforeFaults, admin=_admin_router(store)),
            Middleware(FaultMiddleware, injector=injector, malformed_body=truncated_envelope(),
                       malformed_type=CONTENT_TYPE),
        ],
    )
    app.state.store = store
    app.state.faults = injector
    return app
