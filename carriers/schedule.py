"""A carrier's sync schedule (daily or weekly, at a local time) and its next sync window."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScheduleError(ValueError):
    """A sync schedule that cannot be used; the message names the field and the problem."""


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncSchedule:
    """When the carrier syncs: `days` only matter for weekly schedules."""

    frequency: Frequency
    at: time
    timezone: str
    days: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ScheduleError(f"sync_schedule.timezone {self.timezone!r} is not a known time zone") \
                from None
        unknown = [day for day in self.days if day not in WEEKDAYS]
        if unknown:
            raise ScheduleError(f"sync_schedule.days has unknown days {unknown} (expected {WEEKDAYS})")
        if self.frequency is Frequency.WEEKLY and not self.days:
            raise ScheduleError("sync_schedule.days is empty for a weekly schedule")

    def to_json(self) -> dict[str, Any]:
        return {"frequency": self.frequency.value, "days": list(self.days),
                "time": self.at.strftime("%H:%M"), "timezone": self.timezone}

    def describe(self) -> str:
        when = "daily" if self.frequency is Frequency.DAILY else "weekly on " + ", ".join(self.days)
        return f"{when} at {self.at.strftime('%H:%M')} {self.timezone}"


def schedule_from_json(data: Mapping[str, Any]) -> SyncSchedule:
    """Parse the contract's `sync_schedule` object."""
    try:
        frequency = Frequency(str(data["frequency"]).lower())
    except KeyError:
        raise ScheduleError("sync_schedule.frequency is missing") from None
    except ValueError:
        raise ScheduleError(f"sync_schedule.frequency {data['frequency']!r} is not daily or weekly") \
            from None
    raw_time = data.get("time")
    try:
        at = time.fromisoformat(str(raw_time))
    except ValueError:
        raise ScheduleError(f"sync_schedule.time {raw_time!r} is not HH:MM") from None
    days = tuple(str(day).lower()[:3] for day in data.get("days") or ())
    return SyncSchedule(frequency=frequency, at=at, timezone=str(data.get("timezone") or "UTC"),
                        days=days)


def next_sync_after(schedule: SyncSchedule, moment: datetime) -> datetime:
    """The first sync window strictly after `moment` (aware), as an aware UTC datetime."""
    if moment.tzinfo is None:
        raise ScheduleError("next_sync_after needs an aware datetime (with a time zone)")
    zone = ZoneInfo(schedule.timezone)
    local_day = moment.astimezone(zone).date()
    for offset in range(9):
        day = local_day + timedelta(days=offset)
        if schedule.frequency is Frequency.WEEKLY and WEEKDAYS[day.weekday()] not in schedule.days:
            continue
        candidate = datetime.combine(day, schedule.at, tzinfo=zone).astimezone(UTC)
        if candidate > moment:
            return candidate
    raise ScheduleError(f"no sync window found after {moment.isoformat()} for {schedule.describe()}")
