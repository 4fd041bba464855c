"""The exchange sandbox's state and its carriers' behaviour, driven by an injectable clock."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.sandbox.exchange.rules import (
    INACTIVITY_DAYS,
    CarrierSyncs,
    member_discrepancies,
    rejects_group_number,
    schedule_for,
)


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


class SandboxClock:
    """The sandbox's notion of now; tests move it with `advance` instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime.now(UTC)).replace(microsecond=0)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        self._now += timedelta(seconds=seconds)
        return self._now


class Rejected(ValueError):
    """A request the exchange refuses with 422; `errors` is the contract's errors object."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(str(errors))
        self.errors = errors


@dataclass(slots=True, kw_only=True)
class Period:
    id: str
    group_id: str
    external_identifier: str
    carrier_name: str
    carrier_group_number: str
    coverage_start_date: str | None
    pending_since: datetime
    status: str = "pending"
    activated_at: datetime | None = None
    disabled_reason: str | None = None
    last_synced_at: datetime | None = None
    processed_until: datetime | None = None
    last_transmission_at: datetime | None = None
    members: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "group_id": self.group_id,
                "external_identifier": self.external_identifier, "carrier_name": self.carrier_name,
                "carrier_group_number": self.carrier_group_number,
                "coverage_start_date": self.coverage_start_date, "status": self.status,
                "activated_at": iso(self.activated_at), "disabled_reason": self.disabled_reason,
                "sync_schedule": schedule_for(self.carrier_name),
                "last_synced_at": iso(self.last_synced_at)}


class ExchangeStore:
    """All sandbox state; every read first lets the carriers catch up to the clock."""

    def __init__(self, *, activation_delay_s: float = 5.0, clock: SandboxClock | None = None) -> None:
        self.activation_delay = timedelta(seconds=activation_delay_s)
        self.clock = clock or SandboxClock()
        self.lock = threading.RLock()
        self.groups: dict[str, dict[str, Any]] = {}
        self.periods: dict[str, Period] = {}
        self.transmissions: dict[str, dict[str, Any]] = {}
        self.errors: dict[str, dict[str, Any]] = {}
        self.corrections: list[dict[str, Any]] = []
        self._ids = 0

    def new_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}_{self._ids}"

    def tick(self) -> None:
        now = self.clock.now()
        for period in self.periods.values():
            self._advance_period(period, now)

    def _advance_period(self, period: Period, now: datetime) -> None:
        if period.status == "pending" and now - period.pending_since >= self.activation_delay:
            if rejects_group_number(period.carrier_group_number):
                period.status, period.disabled_reason = "disabled", "group_number_rejected"
                return
            period.status = "active"
            period.activated_at = period.pending_since + self.activation_delay
            period.processed_until = period.activated_at
            period.last_transmission_at = None
        if period.status != "active":
            return
        for window in CarrierSyncs.of(schedule_for(period.carrier_name)).after(period.processed_until or now):
            if window > now or period.status != "active":
                break
            self._carrier_sync(period, window)
            period.processed_until = window
        quiet_since = period.last_transmission_at or period.activated_at or now
        if period.status == "active" and now - quiet_since >= timedelta(days=INACTIVITY_DAYS):
            period.status, period.disabled_reason = "disabled", "inactivity"

    def _carrier_sync(self, period: Period, at: datetime) -> None:
        if rejects_group_number(period.carrier_group_number):
            period.status, period.disabled_reason = "disabled", "group_number_rejected"
            return
        for correction in [c for c in self.corrections if c["period_id"] == period.id and c["at"] <= at]:
            self.corrections.remove(correction)
            error = self.errors[correction["error_id"]]
            member = period.members.setdefault(error["member_external_id"], {})
            member.update(correction["changes"])
            if any(code == error["code"] for _, code, _ in member_discrepancies(member)):
                self._raise(period, member_id=error["member_external_id"], code=error["code"], at=at)
        for transmission in self.transmissions.values():
            if transmission["period_id"] == period.id and transmission["status"] == "queued" \
                    and transmission["created_at"] <= at:
                for change in transmission["changes"]:
                    self._deliver(period, change, at)
                transmission["status"] = "delivered"
        period.last_synced_at = at

    def _deliver(self, period: Period, change: dict[str, Any], at: datetime) -> None:
        member_id = change["member_external_id"]
        if self._open(period, member_id, severity="Failure"):
            return  # A Failure blocks this member's updates until it is resolved.
        member = period.members.setdefault(member_id, {})
        member.update({k: v for k, v in change.items() if k not in {"kind", "member_external_id"}})
        for _severity, code, _text in member_discrepancies(member):
            if not self._open(period, member_id, code=code):
                self._raise(period, member_id=member_id, code=code, at=at)

    def _open(self, period: Period, member_id: str, *, severity: str | None = None,
              code: str | None = None) -> bool:
        return any(e["period_id"] == period.id and e["member_external_id"] == member_id
                   and e["status"] == "unresolved" and severity in (None, e["severity"])
                   and code in (None, e["code"]) for e in self.errors.values())

    def _raise(self, period: Period, *, member_id: str, code: str, at: datetime) -> None:
        found = {c: (s, t) for s, c, t in member_discrepancies(period.members.get(member_id, {}))}
        severity, text = found[code]
        error_id = self.new_id("e")
        self.errors[error_id] = {"id": error_id, "period_id": period.id, "member_external_id": member_id,
                                 "severity": severity, "code": code, "message": text,
                                 "status": "unresolved", "created_at": at, "resolution": None}
