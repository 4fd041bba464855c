"""The sandbox's enrollment feed: member changes per group, in the order they were recorded."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

from connectors.sandbox.perfectquote.errors import invalid

KINDS = ("add", "change", "terminate")
RELATIONSHIPS = ("subscriber", "spouse", "child")
LEVELS = ("EE", "ES", "EC", "FAM")
MEMBER_TEXT = ("member_id", "first_name", "last_name", "ssn", "date_of_birth")


def check_change(change: Any) -> None:
    """422 naming each missing or wrong field of a change posted through the admin endpoint."""
    details: list[dict[str, str]] = []
    if not isinstance(change, dict):
        raise invalid([{"field": "change", "problem": "must be an object"}])
    member = change.get("member")
    if change.get("kind") not in KINDS:
        details.append({"field": "kind", "problem": f"must be one of {', '.join(KINDS)}"})
    if change.get("coverage_level") not in LEVELS:
        details.append({"field": "coverage_level", "problem": f"must be one of {', '.join(LEVELS)}"})
    for name in ("plan_id", "effective_date"):
        if not isinstance(change.get(name), str):
            details.append({"field": name, "problem": "is required"})
    if not isinstance(member, dict):
        details.append({"field": "member", "problem": "must be an object"})
    else:
        details.extend({"field": f"member.{name}", "problem": "is required"}
                       for name in MEMBER_TEXT if not isinstance(member.get(name), str) or not member[name])
        if member.get("relationship") not in RELATIONSHIPS:
            details.append({"field": "member.relationship",
                            "problem": f"must be one of {', '.join(RELATIONSHIPS)}"})
    if details:
        raise invalid(details)


class EnrollmentLog:
    def __init__(self, *, now: Callable[[], str]) -> None:
        self._lock = threading.Lock()
        self._now = now
        self._count = 0
        self._by_group: dict[str, list[dict[str, Any]]] = {}

    def add(self, group_id: str, change: dict[str, Any], *, at: str | None = None) -> dict[str, Any]:
        with self._lock:
            self._count += 1
            stored = {"id": f"enc_{self._count}", **copy.deepcopy(change), "recorded_at": at or self._now()}
            self._by_group.setdefault(group_id, []).append(stored)
            return copy.deepcopy(stored)

    def of_group(self, group_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._by_group.get(group_id, []))
