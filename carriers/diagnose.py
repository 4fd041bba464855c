"""Why isn't this integration syncing? The causes in order, from stored facts, in users' words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from carriers.schedule import next_sync_after
from carriers.status import DisabledReason, Integration, Status

RECENT_ATTEMPTS = timedelta(days=1)


class Cause(StrEnum):
    PENDING = "pending"
    DISABLED = "disabled"
    NOT_YET_DUE = "not_yet_due"
    GROUP_NUMBER_REJECTED = "group_number_rejected"
    BLOCKING_FAILURES = "blocking_failures"
    API_ERRORS = "api_errors"


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    """One call to the exchange made for the integration by a job."""

    at: datetime
    operation: str
    ok: bool
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """What is stored about the integration besides its own row."""

    blocking_failures: int = 0
    resolutions_pending: int = 0
    attempts: Sequence[Attempt] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    cause: Cause
    detail: str
    what_to_do: str

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "cause": self.cause.value}


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def _status_findings(integration: Integration) -> list[Finding]:
    if integration.status is Status.PENDING:
        return [Finding(cause=Cause.PENDING,
                        detail=f"Pending since {_when(integration.status_since)}: not yet active, "
                               "no information is exchanged with the carrier.",
                        what_to_do="Continue managing eligibility communication manually with the "
                                   "carrier until the integration moves to Active status. Most plans "
                                   "become Active within 60 days of being configured.")]
    if integration.status is not Status.DISABLED:
        return []
    if integration.disabled_reason is DisabledReason.GROUP_NUMBER_REJECTED:
        return [Finding(cause=Cause.GROUP_NUMBER_REJECTED,
                        detail=f"The carrier rejected group number {integration.group_number}.",
                        what_to_do="Verify the group number with the carrier or check employer "
                                   "documentation, then toggle the integration back On with the "
                                   "correct group number (carriers enable ID --group-number N).")]
    reason = integration.disabled_reason.value if integration.disabled_reason else "unknown"
    return [Finding(cause=Cause.DISABLED,
                    detail=f"Disabled ({reason}) since {_when(integration.status_since)}: no outbound "
                           "communication with the carrier.",
                    what_to_do="If it should be active, toggle it back On and re-enter the group "
                               "number (carriers enable ID --group-number N); resume manual "
                               "eligibility communication until it returns to Active.")]


def _timing_finding(integration: Integration, facts: Facts, now: datetime) -> list[Finding]:
    if integration.status is not Status.ACTIVE or integration.schedule is None:
        return []
    waiting = facts.resolutions_pending > 0 or (
        integration.last_transmission_at is not None
        and (integration.last_synced_at is None
             or integration.last_transmission_at > integration.last_synced_at))
    if not waiting:
        return []
    window = next_sync_after(integration.schedule, now)
    return [Finding(cause=Cause.NOT_YET_DUE,
                    detail=f"Last Sync {_when(integration.last_synced_at)}; updates are waiting for "
                           f"the carrier's next sync window at {_when(window)} "
                           f"({integration.schedule.describe()}).",
                    what_to_do="Nothing is wrong: the carrier hasn't reached its next scheduled sync "
                               "time yet. Wait for the next sync window.")]


def diagnose(integration: Integration, facts: Facts, now: datetime) -> list[Finding]:
    """Every cause that applies, in the order a user should look at them; empty if none."""
    findings = _status_findings(integration) + _timing_finding(integration, facts, now)
    findings.sort(key=lambda finding: list(Cause).index(finding.cause))
    if facts.blocking_failures:
        findings.append(Finding(
            cause=Cause.BLOCKING_FAILURES,
            detail=f"{facts.blocking_failures} open Failure message(s) block updates at the carrier.",
            what_to_do="Check the Manage tab (carriers messages --failures) and resolve these "
                       "critical issues promptly (carriers resolve MESSAGE_ID --message TEXT)."))
    failed = [a for a in facts.attempts if not a.ok and now - a.at <= RECENT_ATTEMPTS]
    if failed:
        latest = max(failed, key=lambda attempt: attempt.at)
        findings.append(Finding(
            cause=Cause.API_ERRORS,
            detail=f"{len(failed)} failed call(s) to the exchange in the last day; latest "
                   f"{latest.operation} at {_when(latest.at)}: {latest.error or 'error'}.",
            what_to_do="If you've ruled out all other causes, contact the Operations Team: there "
                       "may be technical issues with the exchange or the carrier's systems."))
    return findings
