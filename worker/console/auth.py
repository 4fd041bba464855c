"""Signing in to the console: its settings, the guard in front of every page, the sign-in page."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from config.logging import get_logger
from worker.console.csrf import new_csrf_token
from worker.console.passwords import PasswordHash, PasswordHashError, hash_password, parse_hash
from worker.console.web import blocking, redirect, render

PASSWORD_VARIABLE = "CONSOLE_PASSWORD"
HASH_VARIABLE = "CONSOLE_PASSWORD_HASH"
SECRET_VARIABLE = "CONSOLE_SECRET_KEY"
SECURE_VARIABLE = "CONSOLE_COOKIE_SECURE"
MIN_SECRET_LENGTH = 32
PUBLIC_PATHS = ("/signin", "/static/", "/healthz")
# Failed sign-ins a client may make in a window before it has to wait for the window to pass.
MAX_FAILURES, FAILURE_WINDOW_S = 5, 300.0
MAX_CLIENTS = 10_000
log = get_logger(__name__)


class ConsoleSettingsError(ValueError):
    """A console setting is missing or malformed; the message names the variable, never its value."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsoleAuth:
    password: PasswordHash = field(repr=False)
    secret_key: str = field(repr=False)
    secret_generated: bool = False  # no CONSOLE_SECRET_KEY: sessions end when the console restarts
    cookie_secure: bool = False


def load_console_auth(env: Mapping[str, str] | None = None) -> ConsoleAuth:
    """The password (plain, hashed here at once, or already hashed) and the session-signing key."""
    env = os.environ if env is None else env
    plain, hashed = env.get(PASSWORD_VARIABLE, ""), env.get(HASH_VARIABLE, "")
    if plain and hashed:
        raise ConsoleSettingsError(f"set {PASSWORD_VARIABLE} or {HASH_VARIABLE}, not both")
    if not plain and not hashed:
        raise ConsoleSettingsError(
            f"{PASSWORD_VARIABLE} is not set (or {HASH_VARIABLE}): "
            "the console needs a password to sign in with"
        )
    try:
        password = hash_password(plain) if plain else parse_hash(hashed)
    except PasswordHashError as error:
        raise ConsoleSettingsError(f"{HASH_VARIABLE}: {error}") from None
    secret = env.get(SECRET_VARIABLE, "")
    if secret and len(secret) < MIN_SECRET_LENGTH:
        raise ConsoleSettingsError(f"{SECRET_VARIABLE} is shorter than {MIN_SECRET_LENGTH} characters")
    secure = env.get(SECURE_VARIABLE, "").strip().lower()
    if secure not in {"", "0", "1", "true", "false", "yes", "no", "on", "off"}:
        raise ConsoleSettingsError(f"{SECURE_VARIABLE} is not a boolean (expected true or false)")
    return ConsoleAuth(
        password=password,
        secret_key=secret or secrets.token_urlsafe(48),
        secret_generated=not secret,
        cookie_secure=secure in {"1", "true", "yes", "on"},
    )


def _public(path: str) -> bool:
    return any(
        path == prefix or (prefix.endswith("/") and path.startswith(prefix)) for prefix in PUBLIC_PATHS
    )


class RequireSignIn:
    """Every page but sign-in and the static files needs a signed-in session; inside SessionMiddleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _public(scope["path"]) or scope["session"].get("user"):
            await self.app(scope, receive, send)
            return
        response: Response
        if scope["method"] == "GET" and not scope["path"].endswith(".json"):
            wanted = scope["path"] + (
                f"?{scope['query_string'].decode('latin-1')}" if scope["query_string"] else ""
            )
            response = RedirectResponse(f"/signin?next={quote(wanted, safe='')}", status_code=303)
        else:
            response = PlainTextResponse("Sign in first.", status_code=401)
        await response(scope, receive, send)


class Failures:
    """Failed sign-ins per client address, so that guessing the password is slow."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}

    def recent(self, client: str) -> int:
        now = time.monotonic()
        self.times[client] = [at for at in self.times.get(client, []) if now - at < FAILURE_WINDOW_S]
        return len(self.times[client])

    def add(self, client: str) -> None:
        if len(self.times) > MAX_CLIENTS:  # many addresses: forget the quiet ones
            for quiet in [known for known in list(self.times) if not self.recent(known)]:
                del self.times[quiet]
        self.times.setdefault(client, []).append(time.monotonic())


def _next_page(raw: str | None) -> str:
    """Only a path of this console: never another site (an open redirect)."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/"


async def signin_page(request: Request) -> Response:
    return render(request, "signin.html", next=_next_page(request.query_params.get("next")), error=None)


async def signin(request: Request) -> Response:
    form = await request.form()
    wanted = _next_page(str(form.get("next") or ""))
    client = request.client.host if request.client else "unknown"
    failures: Failures = request.app.state.failures
    if failures.recent(client) >= MAX_FAILURES:
        log.warning("console.signin.refused", client=client, reason="too_many_failures")
        return render(
            request,
            "signin.html",
            status_code=429,
            next=wanted,
            error="Too many wrong passwords. Wait a few minutes, then try again.",
        )
    auth: ConsoleAuth = request.app.state.auth
    if not await blocking(auth.password.matches, str(form.get("password") or "")):
        failures.add(client)
        log.warning("console.signin.refused", client=client, reason="wrong_password")
        return render(request, "signin.html", status_code=401, next=wanted, error="Wrong password.")
    request.session.clear()  # a new session: nothing from before sign-in carries over
    request.session["user"] = "ops"
    request.session["signed_in_at"] = datetime.now(UTC).isoformat()
    new_csrf_token(request.session)
    log.info("console.signin.succeeded", client=client)
    return redirect(wanted)


async def signout(request: Request) -> Response:
    request.session.clear()
    return redirect("/signin")


routes = [
    Route("/signin", signin_page, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
]
