"""Sync schedules: daily and weekly windows in the carrier's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carriers.schedule import Frequency, ScheduleError, SyncSchedule, next_sync_after, schedule_from_json

WEEKLY = schedule_from_json({"frequency": "weekly", "days": ["tue", "fri"], "time": "02:00",
                             "timezone": "America/New_York"})
WEEKLY_ZONE = ZoneInfo("America/New_York")


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_daily_later_today_or_tomorrow() -> None:
    daily = SyncSchedule(frequency=Frequency.DAILY, at=time(3, 0), timezone="UTC")
    assert next_sync_after(daily, _utc(2026, 3, 2, 1)) == _utc(2026, 3, 2, 3)
    assert next_sync_after(daily, _utc(2026, 3, 2, 3)) == _utc(2026, 3, 3, 3)


def test_weekly_uses_the_local_day_and_daylight_saving() -> None:
    # Monday 2026-03-02 -> Tuesday 02:00 EST = 07:00 UTC; after the DST change 02:00 EDT = 06:00 UTC.
    assert next_sync_after(WEEKLY, _utc(2026, 3, 2, 12)) == _utc(2026, 3, 3, 7)
    assert next_sync_after(WEEKLY, _utc(2026, 3, 13, 12)) == _utc(2026, 3, 17, 6)


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)))
def test_next_window_is_after_and_within_a_week(moment: datetime) -> None:
    window = next_sync_after(WEEKLY, moment)
    assert moment < window <= moment + timedelta(days=7, hours=2)
    assert window.astimezone(WEEKLY_ZONE).strftime("%a").lower() in WEEKLY.days


@pytest.mark.parametrize(("data", "problem"), [
    ({"frequency": "hourly", "time": "02:00"}, "frequency"),
    ({"frequency": "daily", "time": "25:00"}, "time"),
    ({"frequency": "weekly", "days": [], "time": "02:00"}, "days is empty"),
    ({"frequency": "weekly", "days": ["xyz"], "time": "02:00"}, "unknown days"),
    ({"frequency": "daily", "time": "02:00", "timezone": "Mars/Olympus"}, "time zone"),
])
def test_bad_schedules_are_named(data: dict, problem: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ScheduleError, match=problem):
        schedule_from_json(data)


def test_naive_time_is_refused() -> None:
    with pytest.raises(ScheduleError, match="aware"):
        next_sync_after(WEEKLY, datetime(2026, 3, 2, 12))
