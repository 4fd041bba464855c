"""Carrier messages (Failures, Warnings, Info) and the flags that follow their resolutions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

REVIEW_AFTER = timedelta(days=7)


class Severity(StrEnum):
    FAILURE = "Failure"
    WARNING = "Warning"
    INFO = "Info"


class MessageFlag(StrEnum):
    RESOLUTION_PENDING = "resolution pending carrier sync"
    REAPPEARED = "reappeared: resolution likely wrong"
    REVIEW = "still open a week after resolution: review the resolution"


@dataclass(frozen=True, slots=True, kw_only=True)
class CarrierMessage:
    """A message as stored: the member is referenced by external id only, never by name or SSN."""

    id: int | None
    integration_id: int
    exchange_id: str
    member_external_id: str | None
    severity: Severity
    code: str
    text: str
    open: bool
    created_at: datetime
    resolution_message: str | None = None
    resolved_at: datetime | None = None

    @property
    def blocking(self) -> bool:
        return self.open and self.severity is Severity.FAILURE

    def same_issue(self, other: CarrierMessage) -> bool:
        return (self.integration_id == other.integration_id and self.code == other.code
                and self.member_external_id == other.member_external_id)


def earlier_resolution(message: CarrierMessage,
                       others: Sequence[CarrierMessage]) -> CarrierMessage | None:
    """The latest resolved message of the same issue raised before this one, if any."""
    candidates = [other for other in others
                  if other.exchange_id != message.exchange_id and message.same_issue(other)
                  and other.resolved_at is not None and other.resolved_at <= message.created_at]
    return max(candidates, key=lambda other: other.resolved_at or other.created_at, default=None)


def message_flags(message: CarrierMessage, *, others: Sequence[CarrierMessage],
                  last_synced_at: datetime | None, now: datetime) -> list[MessageFlag]:
    """What a user should know about a message beyond its text, from stored facts only."""
    flags: list[MessageFlag] = []
    if message.resolved_at is not None and (last_synced_at is None
                                            or last_synced_at <= message.resolved_at):
        flags.append(MessageFlag.RESOLUTION_PENDING)
    previous = earlier_resolution(message, others) if message.open else None
    if previous is not None:
        flags.append(MessageFlag.REAPPEARED)
    resolved_at = previous.resolved_at if previous is not None else message.resolved_at
    if message.open and resolved_at is not None and now - resolved_at >= REVIEW_AFTER:
        flags.append(MessageFlag.REVIEW)
    return flags
