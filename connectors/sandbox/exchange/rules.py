"""The simulated carriers' rules: schedules, which group numbers and members they refuse."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

INACTIVITY_DAYS = 90
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
REJECTED_MARKER = "REJECT"
REQUIRED_FIELDS = ("first_name", "last_name", "ssn", "date_of_birth", "effective_date")

# Each carrier syncs on its own schedule; carriers not listed sync daily at 03:00 UTC.
CARRIER_SCHEDULES: dict[str, dict[str, Any]] = {
    "aetna": {"frequency": "daily", "days": [], "time": "02:00", "timezone": "America/New_York"},
    "cigna": {"frequency": "weekly", "days": ["tue", "fri"], "time": "02:00",
              "timezone": "America/New_York"},
    "unitedhealthcare": {"frequency": "weekly", "days": ["mon"], "time": "06:00",
                         "timezone": "America/Chicago"},
    "kaiser permanente": {"frequency": "weekly", "days": ["wed"], "time": "22:00",
                          "timezone": "America/Los_Angeles"},
}
DEFAULT_SCHEDULE: dict[str, Any] = {"frequency": "daily", "days": [], "time": "03:00", "timezone": "UTC"}


def schedule_for(carrier_name: str) -> dict[str, Any]:
    """The carrier's `sync_schedule` object, as the exchange reports it on a coverage period."""
    return dict(CARRIER_SCHEDULES.get(carrier_name.strip().lower(), DEFAULT_SCHEDULE))


@dataclass(frozen=True, slots=True)
class CarrierSyncs:
    """When a simulated carrier syncs, read from its `sync_schedule` object as the contract words it.

    Daily: every day; weekly: on its `days`; at `time` in `timezone`. The sandbox keeps its own reading
    of the contract so that it never decides "due" with the very code of plansync it is there to test.
    """

    weekdays: frozenset[int]
    at: time
    zone: ZoneInfo

    @classmethod
    def of(cls, schedule: Mapping[str, Any]) -> CarrierSyncs:
        days = range(7) if schedule["frequency"] == "daily" else \
            [WEEKDAYS.index(day) for day in schedule["days"]]
        if not days:
            raise ValueError(f"a weekly sync schedule needs days: {dict(schedule)}")
        hours, minutes = (int(part) for part in str(schedule["time"]).split(":"))
        return cls(frozenset(days), time(hours, minutes), ZoneInfo(schedule["timezone"]))

    def after(self, moment: datetime) -> Iterator[datetime]:
        """Every sync strictly after `moment` (aware), in order, in UTC; endless."""
        day = moment.astimezone(self.zone).date()
        while True:
            if day.weekday() in self.weekdays:
                sync = datetime.combine(day, self.at, tzinfo=self.zone).astimezone(UTC)
                if sync > moment:
                    yield sync
            day += timedelta(days=1)


def rejects_group_number(group_number: str) -> bool:
    """The carrier has no such group: any group number containing REJECT (any case)."""
    return REJECTED_MARKER in group_number.upper()


def ssn_is_invalid(ssn: str) -> bool:
    """SSNs the SSA never issues: area 000, 666 or 900-999, group 00, serial 0000."""
    digits = "".join(ch for ch in ssn if ch.isdigit())
    if len(digits) != 9:
        return True
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area in {"000", "666"} or area.startswith("9") or group == "00" or serial == "0000"


def member_discrepancies(member: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(severity, code, message) for what the carrier would refuse or question in a member."""
    found: list[tuple[str, str, str]] = []
    missing = [name for name in REQUIRED_FIELDS if not member.get(name)]
    if missing:
        found.append(("Failure", "missing_field", f"Required information is missing: {', '.join(missing)}"))
    if member.get("ssn") and ssn_is_invalid(str(member["ssn"])):
        found.append(("Failure", "ssn_mismatch", "SSN does not match the carrier's records"))
    if not member.get("relationship"):
        found.append(("Warning", "relationship_defaulted", "Relationship missing; subscriber assumed"))
    return found
