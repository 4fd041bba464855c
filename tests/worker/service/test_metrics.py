"""The metrics move: a run's outcome and its writes are counted, requests are counted, and the database
gauges read what is stored."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import generate_latest
from prometheus_client.core import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from carriers.storage.tables import IntegrationRow, MessageRow
from config.metrics import REGISTRY, exposition, register_scrape_collector, unregister_scrape_collector
from reconciliation.decisions import ConflictPolicy
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from reconciliation.storage.tables import GroupRow, RunRow
from tests.worker.service.test_fencing import Exploding, sync
from tests.worker.service.world import World
from worker.runtime.jobs import plan_systems, record_feed_lag
from worker.service.metrics_reading import DatabaseGauges

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_run_counts_its_outcome_its_writes_and_its_requests(world: World) -> None:
    world.choose_standard()
    runs = _value("plansync_runs_total", outcome="succeeded")
    writes = {(side, kind): _value("plansync_writes_total", system=side, kind=kind)
              for side in ("perfectquote", "benefitpoint") for kind in ("create", "update")}
    requests = sum(_value("plansync_api_requests_total", system="perfectquote", operation=op, status="200")
                   for op in ("list_plans", "get_plan"))

    world.sync(dry_run=True)
    assert _value("plansync_runs_total", outcome="succeeded") == runs  # a dry run is not a run

    report = world.sync()

    assert report.outcome is RunOutcome.SUCCEEDED
    assert _value("plansync_runs_total", outcome="succeeded") == runs + 1
    made = Counter((write.side, write.kind) for write in report.writes)
    assert made and all(_value("plansync_writes_total", system=side, kind=kind) == before + made[(side, kind)]
                        for (side, kind), before in writes.items())
    after = sum(_value("plansync_api_requests_total", system="perfectquote", operation=op, status="200")
                for op in ("list_plans", "get_plan"))
    assert after > requests


@pytest.mark.parametrize(("error", "outcome"), [(RecursionError("too deep"), "failed"),
                                               (KeyboardInterrupt(), "interrupted")],
                         ids=["failed", "ctrl-c"])
def test_a_run_stopped_by_an_exception_counts_how_it_ended(world: World, error: BaseException,
                                                           outcome: str) -> None:
    world.choose_standard()
    before = _value("plansync_runs_total", outcome=outcome)
    systems = {**plan_systems(world.context), PQ: Exploding(plan_systems(world.context)[PQ], error)}
    with pytest.raises(type(error)):
        sync(world, systems=systems)
    assert _value("plansync_runs_total", outcome=outcome) == before + 1


def test_the_database_gauges_read_what_is_stored(world: World) -> None:
    links = world.choose_standard()
    world.sync()
    world.set_policy(ConflictPolicy.HOLD_FOR_REVIEW)
    link = world.link(links["ppo"])
    world.edit_pq(link.plan_ids[PQ], name="Held PQ name")
    world.edit_bp(link.plan_ids[BP], name="Held BP name")
    world.sync()
    with world.context.sessions() as session:
        group_row = session.scalars(select(GroupRow)).one()
        integrations = [IntegrationRow(group_connection_id=group_row.id, carrier_name=name,
                                       group_number="G-1", status=status) for name, status in
                        (("aetna", "active"), ("cigna", "active"), ("humana", "pending"))]
        session.add_all(integrations)
        session.flush()
        session.add_all([
            MessageRow(integration_id=integrations[0].id, exchange_id=f"msg_{n}", severity="failure",
                       code="SSN_MISMATCH", text="mismatch", open=n < 2, created_at=datetime.now(UTC))
            for n in range(3)])
        session.commit()
        succeeded_at = session.scalar(select(RunRow.finished_at).where(RunRow.outcome == "succeeded")
                                      .order_by(RunRow.finished_at.desc()).limit(1))
    assert succeeded_at is not None
    succeeded_at = succeeded_at if succeeded_at.tzinfo else succeeded_at.replace(tzinfo=UTC)
    registry = CollectorRegistry()
    scraped_at = succeeded_at + timedelta(seconds=90)
    registry.register(DatabaseGauges(world.context.sessions, now=lambda: scraped_at))

    got = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
           for family in text_string_to_metric_families(generate_latest(registry).decode())
           for sample in family.samples}

    assert got[("plansync_open_conflicts", ())] == 1
    assert got[("plansync_links", (("state", "held"),))] == 1
    assert got[("plansync_links", (("state", "linked"),))] == 3
    assert sum(value for (name, _), value in got.items() if name == "plansync_links") == 5
    assert got[("plansync_links", (("state", "orphaned"),))] == 0
    since = ("plansync_seconds_since_last_success", (("agency", "default"), ("group_id", "grp_001")))
    assert got[since] == 90
    assert got[("plansync_carrier_integrations", (("status", "active"),))] == 2
    assert got[("plansync_carrier_integrations", (("status", "pending"),))] == 1
    assert got[("plansync_carrier_integrations", (("status", "disabled"),))] == 0
    assert got[("plansync_open_carrier_messages", ())] == 2


def test_a_scrape_answers_the_process_metrics_and_the_registered_gauges(world: World) -> None:
    gauges = DatabaseGauges(world.context.sessions)
    register_scrape_collector(gauges)
    try:
        text = exposition().decode()
    finally:
        unregister_scrape_collector(gauges)
    assert "plansync_open_conflicts 0.0" in text and "# TYPE plansync_runs_total counter" in text
    assert "plansync_open_conflicts" not in exposition().decode()


def test_the_feed_lag_is_the_time_since_a_watermark_that_is_a_time() -> None:
    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    record_feed_lag({BP: "2026-11-22T09:58:30.000+00:00", PQ: "cursor:opaque"}, now=now)
    assert _value("plansync_feed_lag_seconds", system="benefitpoint") == 90


def test_the_console_answers_metrics_unsigned_and_passes_every_other_path_on() -> None:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from worker.console.serve import with_metrics

    console = Starlette(routes=[Route("/", lambda request: PlainTextResponse("console"))])
    # TestClient runs the app on a portal of its own: no event loop of this thread is assumed free.
    with TestClient(with_metrics(console), base_url="http://console.test") as client:
        scraped = client.get("/metrics")
        assert scraped.status_code == 200 and "# TYPE plansync_runs_total counter" in scraped.text
        assert scraped.headers["content-type"].startswith("text/plain")
        assert client.get("/").text == "console"
