"""The console's Starlette application: pages, sign-in guard, CSRF check, signed session cookie, headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connectors.errors import ConnectorError
from worker.console import auth
from worker.console.auth import ConsoleAuth, Failures, RequireSignIn
from worker.console.csrf import CsrfProtect
from worker.console.jobs import SyncJobs, run_sync
from worker.console.routes import carriers, connect, group, overview, runs, sync
from worker.console.web import BAD_INPUT, HERE, error_page
from worker.runtime.context import SyncContext

SESSION_COOKIE = "plansync_console"
SESSION_MAX_AGE_S = 8 * 3600
# Scripts and styles come from /static only: even a value that slipped past escaping could not run.
HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


def create_app(context: SyncContext, console_auth: ConsoleAuth, *, jobs: SyncJobs | None = None) -> Starlette:
    """The console over `context` (the process's, or a test's world); `jobs` runs Sync now."""
    sync_jobs = jobs or SyncJobs(partial(run_sync, context))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        sync_jobs.close()

    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
            *auth.routes,
            *overview.routes,
            *connect.routes,
            *group.routes,
            *sync.routes,
            *carriers.routes,
            *runs.routes,
        ],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=console_auth.secret_key,
                session_cookie=SESSION_COOKIE,
                max_age=SESSION_MAX_AGE_S,
                same_site="lax",
                https_only=console_auth.cookie_secure,
            ),
            Middleware(RequireSignIn),
            Middleware(CsrfProtect),
        ],
        exception_handlers={error: error_page for error in (ConnectorError, *BAD_INPUT)},
        lifespan=lifespan,
    )
    app.state.context = context
    app.state.auth = console_auth
    app.state.jobs = sync_jobs
    app.state.failures = Failures()
    return app
