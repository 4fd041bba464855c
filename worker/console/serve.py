"""Serve the console with uvicorn until stopped; its log lines go through the project's JSON logging."""

from __future__ import annotations

import uvicorn

from config.logging import get_logger
from worker.console.app import create_app
from worker.console.auth import ConsoleAuth
from worker.runtime.context import SyncContext

log = get_logger(__name__)


def serve(context: SyncContext, console_auth: ConsoleAuth, *, host: str, port: int) -> None:
    if console_auth.secret_generated:
        log.warning(
            "console.secret_key.generated",
            detail="CONSOLE_SECRET_KEY is not set: sessions end when the console restarts, "
            "and several console processes would not share them",
        )
    log.info("console.started", host=host, port=port, embedded=context.settings.redis_url is None)
    # log_config=None: uvicorn's own lines keep the project's JSON format; no access line per request.
    uvicorn.run(
        create_app(context, console_auth),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=True,
    )
