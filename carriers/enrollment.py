"""Enrollment changes on their way to the exchange: what they carry, when they are due, how they are kept."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from carriers.schedule import next_sync_after
from carriers.status import Integration, Status


class EnrolledMember(Protocol):
    """The member an enrollment change is about; personal data, never logged."""

    @property
    def member_id(self) -> str: ...

    @property
    def relationship(self) -> str: ...

    @property
    def first_name(self) -> str: ...

    @property
    def last_name(self) -> str: ...

    @property
    def ssn(self) -> str: ...

    @property
    def date_of_birth(self) -> date: ...


class EnrollmentChange(Protocol):
    """What a transmission needs of an enrollment change, whichever system recorded it."""

    @property
    def kind(self) -> str: ...

    @property
    def member(self) -> EnrolledMember: ...

    @property
    def coverage_level(self) -> str: ...

    @property
    def effective_date(self) -> date: ...


class TransmissionState(StrEnum):
    PREPARED = "prepared"
    SENT = "sent"


@dataclass(frozen=True, slots=True, kw_only=True)
class Transmission:
    """One transmission of a watermark range, stored before it is sent so a retry reuses its identifier."""

    id: int | None
    integration_id: int
    external_identifier: str
    since_watermark: str | None
    until_watermark: str | None
    change_count: int
    state: TransmissionState
    prepared_at: datetime
    exchange_id: str | None = None
    sent_at: datetime | None = None


def transmission_identifier(integration_id: int, since: str | None, until: str | None) -> str:
    """Stable per integration and watermark range, so a retried transmission is recognised."""
    digest = hashlib.sha256(f"{integration_id}|{since or ''}|{until or ''}".encode()).hexdigest()
    return f"tx-{integration_id}-{digest[:32]}"


def transmission_is_due(integration: Integration, now: datetime) -> bool:
    """At most one transmission per carrier sync window: due once a window passed since the last."""
    if integration.status is not Status.ACTIVE or integration.schedule is None \
            or integration.coverage_period_id is None or integration.remote_change is not None:
        return False
    last = integration.last_transmission_at
    return last is None or next_sync_after(integration.schedule, last) <= now
