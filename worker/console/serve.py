"""Serve the console with uvicorn until stopped; its log lines go through the project's JSON logging."""

from __future__ import annotations

from typing import Any

import uvicorn
from anyio import to_thread
from prometheus_client import CONTENT_TYPE_LATEST

from config.logging import get_logger
from config.metrics import exposition, register_scrape_collector
from worker.console.app import create_app
from worker.console.auth import ConsoleAuth
from worker.runtime.context import SyncContext
from worker.service.metrics_reading import DatabaseGauges

log = get_logger(__name__)


def serve(context: SyncContext, console_auth: ConsoleAuth, *, host: str, port: int) -> None:
    if console_auth.secret_generated:
        log.warning(
            "console.secret_key.generated",
            detail="CONSOLE_SECRET_KEY is not set: sessions end when the console restarts, "
            "and several console processes would not share them",
        )
    log.info("console.started", host=host, port=port, embedded=context.settings.redis_url is None)
    register_scrape_collector(DatabaseGauges(context.sessions))
    # log_config=None: uvicorn's own lines keep the project's JSON format; no access line per request.
    uvicorn.run(
        with_metrics(create_app(context, console_auth)),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=True,
    )


def with_metrics(app: Any) -> Any:
    """`GET /metrics` answers Prometheus (this process's metrics and the database gauges), unsigned;
    every other path goes to the console."""

    async def dispatch(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/metrics":
            body = await to_thread.run_sync(exposition)
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", CONTENT_TYPE_LATEST.encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return dispatch
