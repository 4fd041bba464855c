"""Seeded fault injection for the sandboxes: latency, 5xx, throttling, timeouts, bad and oversized bodies."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, fields
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

ADMIN_PATH = "/_sandbox/faults"


@dataclass(slots=True, kw_only=True)
class FaultSettings:
    """Rates are probabilities per request, 0..1; `timeout_s` is how long a timeout hangs."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    throttle_rate: float = 0.0
    timeout_rate: float = 0.0
    malformed_rate: float = 0.0
    oversized_rate: float = 0.0
    retry_after_s: float = 1.0
    timeout_s: float = 30.0
    # An oversized answer is streamed without a Content-Length, as a runaway server would send it.
    oversized_bytes: int = 64 * 1024 * 1024

    def validate(self) -> None:
        for name in ("error_rate", "throttle_rate", "timeout_rate", "malformed_rate", "oversized_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name}={value!r} must be between 0 and 1")
        for name in ("latency_ms", "retry_after_s", "timeout_s", "oversized_bytes"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")


class FaultInjector:
    """Decides, from one seeded generator, which requests fail and how."""

    def __init__(self, *, settings: FaultSettings | None = None, seed: int = 0,
                 throttle_status: int = 429) -> None:
        self.settings = settings or FaultSettings()
        self.settings.validate()
        self.throttle_status = throttle_status
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.injected: dict[str, int] = {"error": 0, "throttle": 0, "timeout": 0, "malformed": 0,
                                         "oversized": 0}

    def configure(self, *, seed: int | None = None, **changes: Any) -> None:
        candidate = FaultSettings(**{**asdict(self.settings), **changes})
        candidate.validate()
        with self._lock:
            self.settings = candidate
            if seed is not None:
                self._rng = random.Random(seed)

    def draw(self) -> str | None:
        """The fault for the next request, or None; one draw per request keeps replays exact."""
        with self._lock:
            roll = self._rng.random()
            settings = self.settings
            for kind, rate in (("timeout", settings.timeout_rate), ("error", settings.error_rate),
                               ("throttle", settings.throttle_rate),
                               ("malformed", settings.malformed_rate),
                               ("oversized", settings.oversized_rate)):
                if roll < rate:
                    self.injected[kind] += 1
                    return kind
                roll -= rate
        return None


class FaultMiddleware:
    """ASGI middleware: the admin endpoint, then latency and one drawn fault per request."""

    def __init__(self, app: ASGIApp, *, injector: FaultInjector, malformed_body: bytes,
                 malformed_type: str) -> None:
        self.app = app
        self.injector = injector
        self.malformed_body = malformed_body
        self.malformed_type = malformed_type

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == ADMIN_PATH:
            await self._admin(Request(scope, receive))(scope, receive, send)
            return
        settings = self.injector.settings
        if settings.latency_ms:
            await asyncio.sleep(settings.latency_ms / 1000)
        fault = self.injector.draw()
        if fault == "timeout":
            await asyncio.sleep(settings.timeout_s)
            await Response(status_code=504)(scope, receive, send)
        elif fault == "error":
            await Response(b"upstream failure", status_code=502)(scope, receive, send)
        elif fault == "throttle":
            headers = {"Retry-After": f"{settings.retry_after_s:g}"}
            await Response(b"slow down", status_code=self.injector.throttle_status,
                           headers=headers)(scope, receive, send)
        elif fault == "malformed":
            await Response(self.malformed_body, status_code=200,
                           media_type=self.malformed_type)(scope, receive, send)
        elif fault == "oversized":
            body = _filler(settings.oversized_bytes)
            response = StreamingResponse(body, status_code=200, media_type=self.malformed_type)
            await response(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _admin(self, request: Request) -> _AdminEndpoint:
        return _AdminEndpoint(self.injector, request)


async def _filler(total_bytes: int, *, chunk_bytes: int = 64 * 1024) -> AsyncIterator[bytes]:
    chunk = b" " * chunk_bytes
    sent = 0
    while sent < total_bytes:
        piece = chunk[: total_bytes - sent]
        sent += len(piece)
        yield piece


class _AdminEndpoint:
    def __init__(self, injector: FaultInjector, request: Request) -> None:
        self.injector = injector
        self.request = request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.request.method in {"PUT", "POST"}:
            body = await self.request.json()
            known = {f.name for f in fields(FaultSettings)} | {"seed"}
            unknown = sorted(set(body) - known)
            if unknown:
                response: Response = JSONResponse(
                    {"error": f"unknown fault settings: {', '.join(unknown)}"}, status_code=400)
                await response(scope, receive, send)
                return
            try:
                self.injector.configure(**body)
            except (TypeError, ValueError) as error:
                await JSONResponse({"error": str(error)}, status_code=400)(scope, receive, send)
                return
        payload = {**asdict(self.injector.settings), "injected": dict(self.injector.injected)}
        await JSONResponse(payload)(scope, receive, send)
