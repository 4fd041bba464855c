"""structlog set up for JSON lines on stdout, with secrets masked last."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, TextIO

import structlog

from config.redaction import mask_secrets

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
           "error": logging.ERROR}
_HANDLER_NAME = "plansync-json"
# Their own events say more (http.retry, db.upgraded); a line per request or per step drowns them.
_QUIET_LIBRARIES = ("httpx", "httpcore", "alembic.runtime.migration")
# A library's line is free text ("Worker process is ready for action."): it gets a dotted event name of
# its library, and its text goes to `message`, so that dashboards can filter every line by `event`.
LIBRARY_EVENTS = {name: f"library.{name}" for name in
                  ("dramatiq", "apscheduler", "uvicorn", "alembic", "httpx", "httpcore", "sqlalchemy")}
OTHER_LIBRARY_EVENT = "library.other"
_EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


def name_library_event(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """A standard-library line whose event is not a dotted name: `library.<its package>`, the text in
    `message`."""
    text = event_dict.get("event")
    if isinstance(text, str) and _EVENT_NAME.match(text):
        return event_dict
    package = str(event_dict.get("logger") or "").partition(".")[0]
    event_dict["message"] = text
    event_dict["event"] = LIBRARY_EVENTS.get(package, OTHER_LIBRARY_EVENT)
    return event_dict


def configure_logging(*, level: str = "info", stream: TextIO | None = None) -> None:
    """One JSON object a line: event, level, timestamp, the bound context, then masking.

    Libraries that log through the standard library (Dramatiq, APScheduler, uvicorn) get the same
    rendering and masking, so that every line on the stream is one JSON object.
    """
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    render: list[Any] = [
        structlog.processors.format_exc_info,
        mask_secrets,
        structlog.processors.JSONRenderer(default=str, sort_keys=False),
    ]
    output = stream or sys.stdout
    structlog.configure(
        processors=shared + render,
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS[level]),
        # One write per line (print() makes two: the text, then the newline), so that a library's line
        # written from another thread at the same moment cannot land in between.
        logger_factory=structlog.WriteLoggerFactory(file=output),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(output)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name, name_library_event],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *render],
    ))
    root = logging.getLogger()
    for previous in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(max(_LEVELS[level], logging.INFO))
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """The project's logger; event names are dotted and listed in docs/events.md."""
    return structlog.get_logger(name) if name else structlog.get_logger()
