"""The benches' seeded world: links stored with their baselines are settled, and the sandboxes count calls."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bench.big_world import seed_world
from bench.seed_links import seed_links
from config.migrate import upgrade_database
from config.settings import load_settings
from connectors.sandbox.benefitpoint.codec import format_datetime
from connectors.sandbox.launcher import Sandboxes, start_sandboxes
from connectors.sandbox.perfectquote import cursors
from reconciliation.side import Side
from reconciliation.storage import repository as repo
from worker.runtime import jobs
from worker.runtime.context import SyncContext, build_context
from worker.runtime.process_context import set_context
from worker.service import group_sync


@pytest.fixture
def sandboxes() -> Iterator[Sandboxes]:
    with start_sandboxes(rate_limit=False) as running:
        yield running


@pytest.fixture
def context(sandboxes: Sandboxes, tmp_path: Path) -> Iterator[SyncContext]:
    database_url = f"sqlite:///{tmp_path}/bench.db"
    upgrade_database(database_url)
    built = build_context(load_settings({**sandboxes.environment(), "DATABASE_URL": database_url}))
    set_context(built)
    yield built
    set_context(None)
    built.close()


def test_links_seeded_with_baselines_need_no_sync(sandboxes: Sandboxes, context: SyncContext) -> None:
    world = seed_world(sandboxes, groups=3, plans=4, shift=timedelta(hours=-4))
    world.clock.shift = timedelta()
    pq, bp = world.stores
    watermarks = {"perfectquote": cursors.encode("changes", len(pq.changes())),
                  "benefitpoint": format_datetime(bp.clock.tick())}
    assert seed_links(context.sessions, {"links": [asdict(link) for link in world.links],
                                         "watermarks": watermarks}, plans=4) == 3
    with context.sessions() as session:
        links = repo.links_for_group(session, "grp_b00001")
        assert len(links) == 4 and all(link.baselines[side] is not None for link in links for side in Side)
    assert jobs.feed_cycle().group_ids == []
    report = group_sync.sync_group(sessions=context.sessions, systems=jobs.plan_systems(context),
                                   group_id="grp_b00001", trigger="manual")
    counts = report.counts
    assert (counts.read, counts.updated, counts.conflicts, counts.errors) == (8, 0, 0, 0)
    with context.sessions() as session:
        assert [link.baselines for link in repo.links_for_group(session, "grp_b00001")] == [
            link.baselines for link in links]


def test_the_sandboxes_count_their_api_calls(sandboxes: Sandboxes, context: SyncContext) -> None:
    pq_admin = sandboxes.perfectquote_url.removesuffix("/api/v1")
    assert httpx.get(f"{pq_admin}/_sandbox/calls").json() == {"calls": {}}
    context.perfectquote.changes_since(None)
    context.benefitpoint.changes_since(None)
    assert httpx.get(f"{pq_admin}/_sandbox/calls").json() == {"calls": {"GET /plans/changes": 1}}
    counted = httpx.get(f"{sandboxes.benefitpoint_url}/_sandbox/calls").json()["calls"]
    assert counted["login"] == 1 and counted["findChanges"] == 1
