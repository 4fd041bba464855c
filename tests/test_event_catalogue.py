"""Every event name the code logs is in docs/events.md, and every event listed there is still logged."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from config.logging import LIBRARY_EVENTS, OTHER_LIBRARY_EVENT

REPO = Path(__file__).resolve().parents[1]
SCANNED = ("config", "connectors", "reconciliation", "carriers", "worker")
LEVELS = {"debug", "info", "warning", "error", "exception", "critical"}
EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
CATALOGUE_ROW = re.compile(r"^\|\s*`([a-z0-9_.]+)`\s*\|")


@cache
def emitted_events() -> dict[str, list[str]]:
    """Event name -> the files that log it, from an ast walk over calls like `log.info("x.y", ...)`."""
    found: dict[str, list[str]] = {}
    for top in SCANNED:
        for path in sorted((REPO / top).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in LEVELS and node.args):
                    continue
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str) \
                        and EVENT_NAME.match(first.value):
                    found.setdefault(first.value, []).append(str(path.relative_to(REPO)))
    # The names config/logging.py gives the free-text lines of libraries are logged too.
    for name in [*LIBRARY_EVENTS.values(), OTHER_LIBRARY_EVENT]:
        found.setdefault(name, []).append("config/logging.py")
    return found


def catalogued_events() -> set[str]:
    text = (REPO / "docs" / "events.md").read_text(encoding="utf-8")
    return {match.group(1) for line in text.splitlines() if (match := CATALOGUE_ROW.match(line))}


def test_the_scan_finds_events_logged_over_several_lines() -> None:
    assert "http.retry" in emitted_events()
    assert "worker.lease.acquired" in emitted_events()


def test_every_logged_event_is_in_the_catalogue() -> None:
    missing = {name: files for name, files in emitted_events().items() if name not in catalogued_events()}
    assert not missing, f"events logged but not listed in docs/events.md: {missing}"


def test_every_catalogued_event_is_still_logged() -> None:
    stale = sorted(catalogued_events() - set(emitted_events()))
    assert not stale, f"events listed in docs/events.md that no code logs any more: {stale}"
