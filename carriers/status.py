"""The integration status machine: Pending, Active (since a date), Disabled (with a reason)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from carriers.schedule import SyncSchedule


class Status(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    DISABLED = "disabled"


class DisabledReason(StrEnum):
    MANUAL = "manual"
    INACTIVITY = "inactivity"
    GROUP_NUMBER_REJECTED = "group_number_rejected"


class RemoteChange(StrEnum):
    """A user's change the exchange has not confirmed yet (re-sent by the status check)."""

    ENABLE = "enable"
    DISABLE = "disable"
    GROUP_NUMBER = "group_number"


class StatusError(ValueError):
    """A status change the rules do not allow; the message says which rule."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Integration:
    """One employer's integration with one carrier; `group_id` is the PerfectQuote group id."""

    id: int | None
    group_id: str
    carrier_name: str
    group_number: str
    plan_name: str | None = None
    plan_type: str | None = None
    renewal_date: date | None = None
    status: Status = Status.PENDING
    status_since: datetime | None = None
    disabled_reason: DisabledReason | None = None
    schedule: SyncSchedule | None = None
    last_synced_at: datetime | None = None
    coverage_period_id: str | None = None
    enrollment_watermark: str | None = None
    last_transmission_at: datetime | None = None
    remote_change: RemoteChange | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Employer:
    """The connected group an integration belongs to, as the exchange knows it.

    `external_identifier` is our employer id at the exchange (the contract's group external_identifier).
    """

    group_id: str
    name: str
    external_identifier: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChange:
    before: Status | None
    after: Status
    since: datetime | None
    reason: DisabledReason | None
    source: str


def _group_number(raw: str | None) -> str:
    value = (raw or "").strip()
    if not value:
        raise StatusError("a group number is required (enter the carrier's group number)")
    return value


def configure(*, group_id: str, carrier_name: str, group_number: str | None, now: datetime,
              plan_name: str | None = None, plan_type: str | None = None,
              renewal_date: date | None = None) -> Integration:
    """A new integration: it needs a group number and starts Pending (no charge while Pending)."""
    return Integration(id=None, group_id=group_id, carrier_name=carrier_name.strip(),
                       group_number=_group_number(group_number), plan_name=plan_name,
                       plan_type=plan_type, renewal_date=renewal_date, status=Status.PENDING,
                       status_since=now, remote_change=RemoteChange.ENABLE)


def disable(integration: Integration, *, now: datetime) -> tuple[Integration, StatusChange | None]:
    """Turned off by the user: stops all outbound traffic at once."""
    if integration.status is Status.DISABLED:
        return integration, None
    after = replace(integration, status=Status.DISABLED, status_since=now,
                    disabled_reason=DisabledReason.MANUAL, remote_change=RemoteChange.DISABLE)
    return after, StatusChange(before=integration.status, after=Status.DISABLED, since=now,
                               reason=DisabledReason.MANUAL, source="user")


def enable(integration: Integration, *, group_number: str | None,
           now: datetime) -> tuple[Integration, StatusChange]:
    """Toggled back on: requires the group number again and returns to Pending."""
    if integration.status is not Status.DISABLED:
        raise StatusError(f"integration {integration.id} is {integration.status.value}, not disabled")
    after = replace(integration, status=Status.PENDING, status_since=now, disabled_reason=None,
                    group_number=_group_number(group_number), remote_change=RemoteChange.ENABLE)
    return after, StatusChange(before=Status.DISABLED, after=Status.PENDING, since=now, reason=None,
                               source="user")


def change_group_number(integration: Integration, *, group_number: str | None) -> Integration:
    """A corrected group number; it is sent to the exchange unless the integration is off."""
    value = _group_number(group_number)
    if integration.status is Status.DISABLED:
        return replace(integration, group_number=value)
    pending = integration.remote_change or RemoteChange.GROUP_NUMBER
    return replace(integration, group_number=value, remote_change=pending)


def apply_remote(integration: Integration, *, status: Status, activated_at: datetime | None,
                 disabled_reason: DisabledReason | None,
                 now: datetime) -> tuple[Integration, StatusChange | None]:
    """The exchange's status, unless a user's change has not reached the exchange yet."""
    if integration.remote_change in (RemoteChange.ENABLE, RemoteChange.DISABLE):
        return integration, None
    if status is integration.status and (status is not Status.DISABLED
                                         or disabled_reason is integration.disabled_reason):
        return integration, None
    since = activated_at if status is Status.ACTIVE and activated_at else now
    reason = disabled_reason if status is Status.DISABLED else None
    after = replace(integration, status=status, status_since=since, disabled_reason=reason)
    return after, StatusChange(before=integration.status, after=status, since=since, reason=reason,
                               source="exchange")
