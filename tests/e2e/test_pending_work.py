"""Durable pending work over the real Redis, PostgreSQL and the sandboxes: a wiped broker loses no change,
and a feed entity whose answer cannot be read is retried next cycle while the other changes sync."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import dramatiq
import pytest
import structlog
from sqlalchemy import delete

from config.broker import make_broker
from config.logging import configure_logging
from connectors.sandbox.benefitpoint import operations, reads
from reconciliation.agency import DEFAULT_AGENCY_ID
from reconciliation.pending import PENDING_GRACE
from reconciliation.plan import Rates
from reconciliation.side import Side
from reconciliation.storage import repository as repo
from reconciliation.storage.tables import RemoteEntityRow
from tests.e2e.conftest import Served, World
from tests.e2e.world import E2E_TIMING, LinkedGroup, connect_and_link, edit_benefit, runs
from tests.worker.runtime.conftest import drop_namespace
from worker.runtime import jobs
from worker.runtime.actors import SYNC_QUEUE, Actors, declare_actors
from worker.runtime.cycle_actors import CYCLE_QUEUE

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


@pytest.fixture
def sender(world: World) -> Iterator[Actors]:
    """The real actors on the test's Redis namespace, with no worker yet: messages wait in Redis."""
    broker = make_broker(world.settings, namespace=world.namespace, client=world.client)
    yield declare_actors(broker, client=world.client, namespace=world.namespace, timing=E2E_TIMING)
    broker.close()


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    saved = structlog.get_config()
    stream = io.StringIO()
    configure_logging(stream=stream)
    yield stream
    structlog.configure(**saved)


def _settle(world: World, groups: list[LinkedGroup]) -> None:
    """Each group synced once, then a first cycle (both feeds from their start) and its runs."""
    for group in groups:
        jobs.sync_and_summarize(group_id=group.group_id, trigger="manual")
    world.bp_time.pass_hour()
    for group_id in jobs.feed_cycle().group_ids:
        jobs.sync_and_summarize(group_id=group_id, trigger="feed", plan_refs=[])
    assert _pending(world) == {}


def _pending(world: World) -> dict[str, list[tuple[Side, str]]]:
    with world.context.sessions() as session:
        found = {group.group_id: [p.ref for p in repo.pending_for_group(session, group.group_id)]
                 for group in repo.list_groups(session)}
    return {group_id: refs for group_id, refs in found.items() if refs}


def _plan_id(world: World, link_id: str, side: Side) -> str:
    with world.context.sessions() as session:
        plan_id = repo.get_link(session, link_id).plan_ids[side]
    assert plan_id is not None
    return plan_id


def _benefit(world: World, side: Side, link_id: str, path: str) -> Decimal:
    remote = world.context.perfectquote if side is PQ else world.context.benefitpoint
    read = remote.get_plan(_plan_id(world, link_id, side))
    assert read is not None and read.plan is not None
    return read.plan.benefits[path]


def _watermarks(world: World) -> dict[Side, str | None]:
    with world.context.sessions() as session:
        return {side: repo.get_watermark(session, side.value) for side in Side}


def _namespace_keys(world: World) -> list[bytes]:
    return list(world.client.scan_iter(match=f"{world.namespace}*", count=500))


def test_a_broker_wiped_between_a_cycle_and_its_runs_loses_no_change(
        world: World, sender: Actors, monkeypatch: pytest.MonkeyPatch) -> None:
    context = world.context
    edited, other_edited, untouched = groups = [connect_and_link(context, number) for number in (1, 2, 3)]
    _settle(world, groups)
    ppo_link, dental_link = edited.link_ids["ppo"], other_edited.link_ids["dental"]
    edit_benefit(context.perfectquote, _plan_id(world, ppo_link, PQ), link_id=ppo_link,
                 path="copays.primary_care", value=Decimal("35"))
    edit_benefit(context.benefitpoint, _plan_id(world, dental_link, BP), link_id=dental_link,
                 path="annual_max", value=Decimal("2500"))
    world.bp_time.pass_hour()
    marks = _watermarks(world)

    # The agency's feed-cycle message (what the clock's fans out to), run here: feeds read, pending work and
    # watermarks stored, nudges sent.
    sender.feed_cycle("2026-11-22T02:00:00+00:00", DEFAULT_AGENCY_ID)
    assert set(_pending(world)) >= {edited.group_id, other_edited.group_id}
    assert untouched.group_id not in _pending(world)
    assert _watermarks(world) != marks
    assert _namespace_keys(world), "the nudges wait in Redis"
    before = len(runs(context.sessions))

    drop_namespace(world.client, world.namespace)  # the broker is wiped before any run starts
    assert _namespace_keys(world) == []

    broker = sender.sync_group.broker
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        # Within its grace the pending work is left to its nudge: the sweeper sends nothing.
        sender.sweep_pending.send("2026-11-22T02:01:00+00:00")
        broker.join(CYCLE_QUEUE, timeout=30_000)
        broker.join(SYNC_QUEUE, timeout=30_000)
        assert len(runs(context.sessions)) == before
        # Minutes later the nudge never came: the sweeper sends it again.
        sweep = jobs.sweep_pending
        later = datetime.now(UTC) + PENDING_GRACE + timedelta(seconds=1)
        monkeypatch.setattr(jobs, "sweep_pending", lambda agency_id: sweep(agency_id, now=later))
        sender.sweep_pending.send("2026-11-22T02:07:00+00:00")
        broker.join(CYCLE_QUEUE, timeout=30_000)
        broker.join(SYNC_QUEUE, timeout=30_000)
    finally:
        worker.stop()

    swept = runs(context.sessions)[before:]
    assert {(group, trigger, outcome) for group, trigger, outcome in swept} >= {
        (edited.group_id, "sweep", "succeeded"), (other_edited.group_id, "sweep", "succeeded")}
    assert _benefit(world, BP, ppo_link, "copays.primary_care") == Decimal("35.00")
    assert _benefit(world, PQ, dental_link, "annual_max") == Decimal("2500.00")
    assert _pending(world) == {}


def _cycle(served: Served, world: World, slot: str) -> None:
    world.bp_time.pass_hour()
    served.actors.feed_cycle.send(slot)
    served.drain()


def _unreadable(world: World) -> list[tuple[str, str, int, str]]:
    with world.context.sessions() as session:
        stored = repo.unreadable_changes(session, BP)
    return [(change.entity_type, change.entity_id, change.attempts, change.error) for change in stored]


def _rates(world: World, side: Side, link_id: str) -> Rates | None:
    remote = world.context.perfectquote if side is PQ else world.context.benefitpoint
    read = remote.get_plan(_plan_id(world, link_id, side))
    assert read is not None and read.plan is not None
    return read.plan.rates


def test_an_unreadable_feed_entity_is_retried_next_cycle_while_the_other_changes_sync(
        world: World, served: Served, monkeypatch: pytest.MonkeyPatch, log_stream: io.StringIO) -> None:
    context = world.context
    rated, edited = groups = [connect_and_link(context, number) for number in (1, 2)]
    _settle(world, groups)
    # A person changes a rate in BenefitPoint (the dental plan's source of truth): the feed names the Rate.
    dental_link, ppo_link = rated.link_ids["dental"], edited.link_ids["ppo"]
    product_id = int(_plan_id(world, dental_link, BP))
    old_rates = _rates(world, BP, dental_link)
    store = world.sandboxes.benefitpoint_app.state.store
    with store.lock:
        rate = next(row for row in store.rates.values() if row["productID"] == product_id)
        values = [dict(value) for value in rate["rateFieldValues"]]
        values[0]["valueNum"] += 1
        store.put("Rate", "rateID", {**rate, "rateFieldValues": values})
    new_rates = _rates(world, BP, dental_link)
    assert new_rates != old_rates
    edit_benefit(context.perfectquote, _plan_id(world, ppo_link, PQ), link_id=ppo_link,
                 path="copays.primary_care", value=Decimal("35"))

    # The rate is one no stored snapshot names yet (as on the first cycle after an upgrade), so the
    # feed must ask BenefitPoint which product it belongs to; this hour getRate names no product.
    with context.sessions.begin() as session:
        session.execute(delete(RemoteEntityRow).where(RemoteEntityRow.entity_type == "Rate"))
    monkeypatch.setitem(operations.HANDLERS, "getRate",
                        lambda store, params: {**reads.get_rate(store, params), "productID": None})
    marks = _watermarks(world)
    _cycle(served, world, "2026-11-22T02:00:00+00:00")

    assert _benefit(world, BP, ppo_link, "copays.primary_care") == Decimal("35.00")
    assert _rates(world, PQ, dental_link) == old_rates
    [(kind, _, attempts, error)] = _unreadable(world)
    assert (kind, attempts) == ("Rate", 1) and "productID" in error
    assert all(_watermarks(world)[side] != marks[side] for side in Side)
    lines = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    [logged] = [line for line in lines if line["event"] == "sync.feeds.unreadable"]
    assert (logged["entity_type"], logged["attempts"], logged["level"]) == ("Rate", 1, "warning")

    # The next hour the answer reads again: the rate's plan syncs, and nothing is left to retry.
    monkeypatch.setitem(operations.HANDLERS, "getRate", reads.get_rate)
    _cycle(served, world, "2026-11-22T03:00:00+00:00")
    assert _rates(world, PQ, dental_link) == new_rates
    assert _unreadable(world) == []
    assert _pending(world) == {}
