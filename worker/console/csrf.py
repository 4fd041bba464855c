"""CSRF protection: a per-session token that every POST must carry, checked before any route runs."""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import parse_qs

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config.logging import get_logger

CSRF_FIELD = "csrf_token"
CSRF_HEADER = b"x-csrf-token"
SESSION_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM_BYTES = 1024 * 1024
log = get_logger(__name__)


def csrf_token(session: dict[str, Any]) -> str:
    """The session's token, made on first use; forms carry it in a hidden field."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = session[SESSION_KEY] = secrets.token_urlsafe(32)
    return token


def new_csrf_token(session: dict[str, Any]) -> str:
    """A fresh token (at sign-in), so that a token seen before signing in is worth nothing after."""
    session.pop(SESSION_KEY, None)
    return csrf_token(session)


def _posted_token(headers: dict[bytes, bytes], body: bytes) -> str | None:
    if CSRF_HEADER in headers:
        return headers[CSRF_HEADER].decode("latin-1")
    if headers.get(b"content-type", b"").split(b";")[0].strip() != b"application/x-www-form-urlencoded":
        return None  # the console posts only urlencoded forms; anything else must use the header
    values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(CSRF_FIELD)
    return values[0] if values else None


class CsrfProtect:
    """Refuses (403) any POST whose token is missing or is not the session's; inside SessionMiddleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_FORM_BYTES:
                await PlainTextResponse("Refused: the form is too large.", status_code=413)(
                    scope, receive, send
                )
                return
        expected = scope["session"].get(SESSION_KEY)
        posted = _posted_token(dict(scope["headers"]), body)
        if not (
            isinstance(expected, str) and posted and hmac.compare_digest(posted.encode(), expected.encode())
        ):
            log.warning(
                "console.csrf.refused", path=scope["path"], token="missing" if not posted else "wrong"
            )
            refusal = PlainTextResponse(
                "Refused: this form's security token is missing or out of date. "
                "Reload the page and try again.",
                status_code=403,
            )
            await refusal(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, handed to the route as if it came from the client."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed
