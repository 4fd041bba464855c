"""Enrollment changes on their way to the exchange: where they come from, how they are sent."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Protocol

from connectors.perfectquote.records import EnrollmentChange


class EnrollmentSource(Protocol):
    """Where enrollment changes come from (PerfectQuote): changes since a watermark, oldest first."""

    def enrollment_changes(self, group_id: str,
                           since: str | None) -> tuple[Sequence[EnrollmentChange], str | None]: ...


def exchange_change(change: EnrollmentChange) -> dict[str, Any]:
    """One enrollment change in the exchange's words; personal data, never logged."""
    member = change.member
    return {"kind": change.kind, "member_external_id": member.member_id, "first_name": member.first_name,
            "last_name": member.last_name, "ssn": member.ssn,
            "date_of_birth": member.date_of_birth.isoformat(), "relationship": member.relationship,
            "coverage_level": change.coverage_level, "effective_date": change.effective_date.isoformat()}


def transmission_identifier(integration_id: int, since: str | None, until: str | None) -> str:
    """Stable per integration and watermark range, so a retried transmission is recognised."""
    digest = hashlib.sha256(f"{integration_id}|{since or ''}|{until or ''}".encode()).hexdigest()
    return f"tx-{integration_id}-{digest[:32]}"
