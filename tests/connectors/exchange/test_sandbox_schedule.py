"""The exchange sandbox's own reading of the contract's `sync_schedule`, sharing no code with plansync."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice

import pytest

from connectors.sandbox.exchange.rules import CarrierSyncs, schedule_for


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_weekly_syncs_on_the_local_days_through_daylight_saving() -> None:
    cigna = CarrierSyncs.of(schedule_for("Cigna"))  # Tuesday and Friday, 02:00 America/New_York.
    assert list(islice(cigna.after(_utc(2026, 3, 2, 12)), 4)) == [
        _utc(2026, 3, 3, 7), _utc(2026, 3, 6, 7), _utc(2026, 3, 10, 6), _utc(2026, 3, 13, 6)]


def test_daily_syncs_strictly_after_the_moment() -> None:
    unknown = CarrierSyncs.of(schedule_for("Acme Mutual"))  # Not listed: daily at 03:00 UTC.
    assert next(unknown.after(_utc(2026, 3, 2, 1))) == _utc(2026, 3, 2, 3)
    assert next(unknown.after(_utc(2026, 3, 2, 3))) == _utc(2026, 3, 3, 3)


def test_a_weekly_schedule_without_days_is_refused() -> None:
    with pytest.raises(ValueError, match="needs days"):
        CarrierSyncs.of({"frequency": "weekly", "days": [], "time": "02:00", "timezone": "UTC"})
