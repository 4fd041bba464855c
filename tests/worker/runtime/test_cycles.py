from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from config.logging import configure_logging
from tests.worker.runtime.conftest import Recorder, wait_until
from worker.runtime import jobs
from worker.runtime.actors import Actors
from worker.runtime.clock import clock_cycles
from worker.runtime.processes import make_clock

FEED, DAILY, CARRIER, _SWEEP = clock_cycles(feed_cycle_s=3600)
CYCLES = (FEED, DAILY, CARRIER)


def _events(stream: io.StringIO, name: str) -> list[dict[str, Any]]:
    return [line for line in map(json.loads, stream.getvalue().splitlines()) if line["event"] == name]


def test_the_clock_enqueues_the_feed_cycle_which_enqueues_one_sync_per_group(
    worker_actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    recorder = Recorder()
    cycles: list[str] = []
    monkeypatch.setattr(jobs, "sync_and_summarize", recorder.sync_and_summarize)
    confirmed: list[str] = []
    monkeypatch.setattr(
        jobs,
        "feed_cycle",
        lambda agency_id: (
            cycles.append("feed")
            or jobs.CyclePlan(
                group_ids=["grp_31", "grp_32"], confirm=lambda: confirmed.append("watermarks")
            )
        ),
    )
    clock = make_clock(worker_actors)
    assert clock.fire(FEED, now=datetime.now(UTC))
    wait_until(lambda: recorder.count("end") == 2, what="both groups to sync")
    assert {g for kind, g, _ in recorder.events if kind == "end"} == {"grp_31", "grp_32"}
    (finished,) = _events(stream, "worker.cycle.finished")
    assert finished["cycle"] == "feed" and finished["groups"] == 2
    assert confirmed == ["watermarks"]


def test_a_redelivered_cycle_message_does_not_enqueue_its_groups_again(
    worker_actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    calls: list[str] = []
    monkeypatch.setattr(
        jobs, "daily_full", lambda agency_id: calls.append("daily") or jobs.CyclePlan(group_ids=[])
    )
    message = worker_actors.daily_full.send("2026-11-22T02:00:00+00:00")
    wait_until(lambda: len(_events(stream, "worker.cycle.finished")) == 1, what="the daily cycle")
    worker_actors.daily_full.broker.enqueue(message)
    wait_until(lambda: len(_events(stream, "worker.cycle.already_done")) == 1, what="the redelivery")
    assert calls == ["daily"]


def test_carrier_cycle_and_account_refresh_call_their_seams(
    worker_actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    monkeypatch.setattr(jobs, "carrier_cycle", lambda agency_id: {"integrations_due": 3, "sent": 2})
    monkeypatch.setattr(jobs, "refresh_accounts", lambda agency_id: 12)
    worker_actors.carrier_cycle.send("2026-11-22T10:15:00+00:00")
    worker_actors.refresh_accounts.send()
    wait_until(
        lambda: _events(stream, "worker.accounts.refreshed") and _events(stream, "worker.cycle.finished"),
        what="both actors",
    )
    assert _events(stream, "worker.accounts.refreshed")[0]["accounts"] == 12
    assert _events(stream, "worker.cycle.finished")[0]["summary"] == {"integrations_due": 3, "sent": 2}


def test_the_production_clock_fires_the_feed_cycle_at_the_actors_cadence(worker_actors: Actors) -> None:
    every_30_s = make_clock(replace(worker_actors, feed_cycle_s=30))
    (feed,) = [spec for spec in every_30_s.cycles if spec.name == "feed"]
    assert feed.period_s == 30
    assert {spec.name for spec in make_clock(worker_actors).cycles} == {"feed", "daily", "carrier", "sweep"}
