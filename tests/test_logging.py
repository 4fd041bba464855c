from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from config.logging import configure_logging, get_logger


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_line_is_json_with_event_level_timestamp() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    get_logger().info("sync.started", group_id="grp_1")
    (line,) = _lines(stream)
    assert line["event"] == "sync.started"
    assert line["level"] == "info"
    assert line["timestamp"].endswith("Z")
    assert line["group_id"] == "grp_1"


def test_secrets_and_personal_data_never_reach_a_line() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    structlog.contextvars.bind_contextvars(session_id="9f1c-secret-session")
    try:
        get_logger().warning(
            "http.retry",
            token="tok-secret",
            headers={"Authorization": "Bearer abc.def", "Vericred-Api-Key": "key-secret"},
            member={"ssn": "123-45-6789", "date_of_birth": "1980-02-01",
                    "first_name": "Ann", "relationship": "spouse"},
            password="hunter2",
            error="request failed for Bearer abc.def with SSN 987-65-4321",
            body="<login><username>u</username><password>hunter2</password></login>",
            envelope="<bc:SessionIdHeader><sessionId>9f1c-secret-session</sessionId>",
        )
    finally:
        structlog.contextvars.clear_contextvars()
    raw = stream.getvalue()
    for secret in ("tok-secret", "abc.def", "key-secret", "123-45-6789", "1980-02-01",
                   "hunter2", "987-65-4321", "9f1c-secret-session", "Ann"):
        assert secret not in raw, secret
    line = _lines(stream)[0]
    assert line["member"]["relationship"] == "spouse"
    assert line["event"] == "http.retry"


def test_level_filter_drops_debug() -> None:
    stream = io.StringIO()
    configure_logging(level="info", stream=stream)
    get_logger().debug("sync.plan.unchanged")
    assert stream.getvalue() == ""


def test_standard_library_logs_are_json_lines_too() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    logging.getLogger("dramatiq.worker").warning("Failed to process member with SSN %s", "123-45-6789")
    (line,) = _lines(stream)
    assert line["event"] == "library.dramatiq"
    assert line["message"] == "Failed to process member with SSN ***"
    assert line["level"] == "warning"
    assert line["logger"] == "dramatiq.worker"
    assert "timestamp" in line


@pytest.mark.parametrize(("logger", "event"), [
    ("apscheduler.scheduler", "library.apscheduler"), ("uvicorn.error", "library.uvicorn"),
    ("alembic.env", "library.alembic"), ("asyncio", "library.other")])
def test_a_library_line_gets_the_dotted_name_of_its_library(logger: str, event: str) -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    logging.getLogger(logger).warning("Started on %s", "the first try")
    (line,) = _lines(stream)
    assert (line["event"], line["message"], line["logger"]) == (event, "Started on the first try", logger)


def test_a_dotted_name_logged_through_the_standard_library_is_kept() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    logging.getLogger("dramatiq.worker").warning("worker.message.failed")
    (line,) = _lines(stream)
    assert line["event"] == "worker.message.failed" and "message" not in line


def test_a_warning_threshold_drops_library_info_and_keeps_its_warnings() -> None:
    stream = io.StringIO()
    configure_logging(level="warning", stream=stream)
    logging.getLogger("apscheduler.scheduler").info("Scheduler started")
    get_logger().info("sync.started")
    get_logger().warning("http.retry")
    logging.getLogger("uvicorn.error").error("boom")
    assert [line["event"] for line in _lines(stream)] == ["http.retry", "library.uvicorn"]


class _Writes(io.StringIO):
    """A stream that keeps each write apart: what another thread could slip in between."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def test_each_line_is_one_write_so_threads_cannot_interleave_within_it() -> None:
    stream = _Writes()
    configure_logging(stream=stream)
    get_logger().info("worker.cycle.fanned_out", agencies=2)
    logging.getLogger("apscheduler.scheduler").info("Added job")
    assert len(stream.writes) == 2
    for text in stream.writes:
        assert text.endswith("\n") and text.count("\n") == 1
        assert json.loads(text)["event"] in {"worker.cycle.fanned_out", "library.apscheduler"}
