"""The broker's first middleware (`config/broker.py`): message_id and actor on every line of a message."""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import Any

import dramatiq
import structlog
from dramatiq.middleware import Middleware

from config.logging import get_logger

log = get_logger(__name__)
_started_at: ContextVar[float | None] = ContextVar("plansync_message_started_at", default=None)


def _duration_ms() -> int | None:
    started = _started_at.get()
    return None if started is None else round((time.monotonic() - started) * 1000)


class LogContext(Middleware):
    """Binds message_id and actor when a message starts, logs how it ended, and clears the context.

    First in the stack, so the context is bound before and cleared after every other hook. It lives in
    config beside the broker it is part of: it needs only dramatiq and the logging set up here.
    """

    def before_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(message_id=message.message_id, actor=message.actor_name)
        _started_at.set(time.monotonic())
        log.info("worker.message.started", queue=message.queue_name,
                 retries=message.options.get("retries", 0))

    def after_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message, *,
                              result: Any = None, exception: BaseException | None = None) -> None:
        try:
            if exception is None:
                log.info("worker.message.finished", duration_ms=_duration_ms())
            else:
                log.error("worker.message.failed", duration_ms=_duration_ms(),
                          retries=message.options.get("retries", 0),
                          error=f"{type(exception).__name__}: {exception}")
        finally:
            _started_at.set(None)
            structlog.contextvars.clear_contextvars()

    def after_skip_message(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        log.warning("worker.message.skipped", reason="too old")
        _started_at.set(None)
        structlog.contextvars.clear_contextvars()
