"""The exchange's words: answers read into the port's records (off-contract: BadResponse), changes written."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from carriers.enrollment import EnrollmentChange
from connectors.errors import BadResponse
from connectors.ports import CoveragePeriod, ExchangeMessage, TransmissionReceipt

SYSTEM = "carrier_exchange"
STATUSES = frozenset({"pending", "active", "disabled"})
REASONS = frozenset({"manual", "inactivity", "group_number_rejected"})
SEVERITIES = frozenset({"Failure", "Warning", "Info"})


class Reader:
    """Reads fields of one answer, naming the field path in every BadResponse."""

    def __init__(self, operation: str) -> None:
        self.operation = operation

    def fail(self, field: str, problem: str) -> BadResponse:
        return BadResponse(system=SYSTEM, operation=self.operation, field=field,
                           message=f"{field} {problem}")

    def obj(self, value: Any, field: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(field, f"must be an object, got {type(value).__name__}")
        return value

    def text(self, record: Mapping[str, Any], name: str, *, where: str, optional: bool = False,
             allowed: frozenset[str] | None = None) -> Any:
        value = record.get(name)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(where + name, f"must be non-empty text, got {value!r:.40}")
        if allowed is not None and value not in allowed:
            raise self.fail(where + name, f"{value!r} is not one of {', '.join(sorted(allowed))}")
        return value

    def moment(self, record: Mapping[str, Any], name: str, *, where: str,
               optional: bool = False) -> datetime | None:
        raw = self.text(record, name, where=where, optional=optional)
        if raw is None:
            return None
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise self.fail(where + name, f"{raw!r} is not an ISO 8601 timestamp") from None
        if parsed.tzinfo is None:
            raise self.fail(where + name, f"{raw!r} has no time zone")
        return parsed


def coverage_period(body: Mapping[str, Any], *, operation: str) -> CoveragePeriod:
    read = Reader(operation)
    record = read.obj(body.get("coverage_period"), "coverage_period")
    where = "coverage_period."
    schedule = record.get("sync_schedule")
    if schedule is not None:
        read.obj(schedule, where + "sync_schedule")
    return CoveragePeriod(
        id=read.text(record, "id", where=where),
        external_identifier=read.text(record, "external_identifier", where=where, optional=True),
        carrier_name=read.text(record, "carrier_name", where=where),
        carrier_group_number=read.text(record, "carrier_group_number", where=where),
        status=read.text(record, "status", where=where, allowed=STATUSES),
        activated_at=read.moment(record, "activated_at", where=where, optional=True),
        disabled_reason=read.text(record, "disabled_reason", where=where, optional=True, allowed=REASONS),
        sync_schedule=schedule,
        last_synced_at=read.moment(record, "last_synced_at", where=where, optional=True))


def exchange_message(value: Any, *, operation: str, where: str) -> ExchangeMessage:
    read = Reader(operation)
    record = read.obj(value, where.rstrip("."))
    resolution = record.get("resolution")
    if resolution is not None:
        read.obj(resolution, where + "resolution")
    return ExchangeMessage(
        id=read.text(record, "id", where=where),
        member_external_id=read.text(record, "member_external_id", where=where, optional=True),
        severity=read.text(record, "severity", where=where, allowed=SEVERITIES),
        code=read.text(record, "code", where=where),
        message=read.text(record, "message", where=where),
        status=read.text(record, "status", where=where, allowed=frozenset({"unresolved", "resolved"})),
        created_at=read.moment(record, "created_at", where=where) or datetime.min,
        resolution_message=None if resolution is None else str(resolution.get("message") or ""),
        resolved_at=None if resolution is None else read.moment(resolution, "resolved_at",
                                                                where=where + "resolution.",
                                                                optional=True))


def transmission(body: Mapping[str, Any], *, operation: str, replayed: bool) -> TransmissionReceipt:
    read = Reader(operation)
    record = read.obj(body.get("transmission"), "transmission")
    return TransmissionReceipt(id=read.text(record, "id", where="transmission."),
                               status=read.text(record, "status", where="transmission."), replayed=replayed)


def change_json(change: EnrollmentChange) -> dict[str, Any]:
    """One enrollment change in the exchange's words; personal data, never logged."""
    member = change.member
    return {"kind": change.kind, "member_external_id": member.member_id, "first_name": member.first_name,
            "last_name": member.last_name, "ssn": member.ssn,
            "date_of_birth": member.date_of_birth.isoformat(), "relationship": member.relationship,
            "coverage_level": change.coverage_level, "effective_date": change.effective_date.isoformat()}
