"""structlog set up for JSON lines on stdout, with secrets masked last."""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog

from config.redaction import mask_secrets

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
           "error": logging.ERROR}


def configure_logging(*, level: str = "info", stream: TextIO | None = None) -> None:
    """One JSON object a line: event, level, timestamp, the bound context, then masking."""
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        mask_secrets,
        structlog.processors.JSONRenderer(default=str, sort_keys=False),
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS[level]),
        logger_factory=structlog.PrintLoggerFactory(file=stream or sys.stdout),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """The project's logger; event names are dotted and listed in docs/events.md."""
    return structlog.get_logger(name) if name else structlog.get_logger()
