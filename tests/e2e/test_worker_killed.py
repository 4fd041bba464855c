"""A worker killed with SIGKILL in the middle of a run: redelivered, finished once, nothing done twice."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import select

from reconciliation.plan_fields import content_hash
from reconciliation.side import Side
from reconciliation.states import LinkState
from reconciliation.storage.tables import RunRow
from tests.conftest import REDIS_URL
from tests.e2e.conftest import World
from tests.e2e.harness import Workers, recorded
from tests.e2e.world import LinkedGroup, connect_and_link, links, repeated_writes
from tests.worker.runtime.conftest import wait_until
from worker.runtime.actors import Actors
from worker.runtime.jobs import plan_systems
from worker.service.group_sync import sync_group

# A create is several calls on BenefitPoint (product, summary, rates, read back): killing the worker once
# one has begun most often lands between the create and its being recorded, where recovery must find it.
CREATE_CALLS = ("POST /groups/{group_id}/plans", "createProduct")
SLOW_MS = 60






def test_a_run_killed_mid_way_is_redelivered_and_completes_once(
        bare_sender: Actors, redis_namespace: str, tmp_path: Path) -> None:
    record = tmp_path / "record.txt"
    workers = Workers(namespace=redis_namespace, logs=tmp_path,
                      env={"REDIS_URL": REDIS_URL, "PLANSYNC_TEST_RECORD": str(record)})
    try:
        doomed = workers.start(PLANSYNC_TEST_SLEEP_S="30")
        message = bare_sender.sync_group.send("grp_4001", "manual")
        wait_until(lambda: len(recorded(record, "start")) == 1, timeout_s=30, what="the first run to start")
        workers.kill(doomed)
        workers.start(PLANSYNC_TEST_SLEEP_S="0")
        wait_until(lambda: bare_sender.runs.outcome(message.message_id) is not None, timeout_s=60,
                   what="the redelivered run to finish")
    finally:
        workers.stop_all()
    outcome = bare_sender.runs.outcome(message.message_id)
    assert outcome is not None and outcome["status"] == "finished"
    assert len(recorded(record, "start")) == 2
    (done,) = recorded(record, "done")
    assert done.split()[2] != recorded(record, "start")[0].split()[2]


def _set_latency(world: World, latency_ms: float) -> None:
    for url in (world.sandboxes.perfectquote_url.removesuffix("/api/v1"), world.sandboxes.benefitpoint_url):
        httpx.put(f"{url}/_sandbox/faults", json={"latency_ms": latency_ms}, timeout=5).raise_for_status()


def _creates_seen(world: World) -> int:
    sandboxes = world.sandboxes
    calls = sandboxes.perfectquote_app.state.store.calls + sandboxes.benefitpoint_app.state.store.calls
    return sum(calls[name] for name in CREATE_CALLS)


def _unfinished_runs(world: World) -> list[int]:
    with world.context.sessions() as session:
        return [run.id for run in session.scalars(select(RunRow).where(RunRow.finished_at.is_(None)))]


def _assert_in_step(world: World, group: LinkedGroup) -> None:
    context = world.context
    containers = {Side.PERFECTQUOTE: group.group_id, Side.BENEFITPOINT: group.account_id}
    for side, system in plan_systems(context).items():
        plans = system.list_plans(containers[side])
        # Five plans on each side: no copy was created twice, whatever the kill interrupted.
        assert len(plans) == 5, [(p.id, p.link_id) for p in plans]
        assert Counter(p.link_id for p in plans if p.link_id).most_common(1)[0][1] == 1
        current = {p.id: p.plan for p in plans}
        for link in links(context.sessions):
            assert link.state is LinkState.LINKED, (link.id, link.state, link.last_error)
            plan_id, baseline = link.plan_ids[side], link.baselines[side]
            assert plan_id in current and baseline is not None
            assert content_hash(baseline) == content_hash(current[plan_id]), (link.id, side)
    preview = sync_group(sessions=context.sessions, systems=plan_systems(context),
                         group_id=group.group_id, trigger="dry_run", dry_run=True)
    assert preview.writes == [] and preview.counts.errors == 0


def test_a_worker_killed_mid_run_is_redelivered_and_finishes_without_doing_anything_twice(
        world: World, sender: Actors, tmp_path: Path) -> None:
    group = connect_and_link(world.context, 4, copies=("hdhp", "life", "vision"))
    workers = Workers(namespace=world.namespace, env=world.env, logs=tmp_path)
    _set_latency(world, SLOW_MS)
    try:
        doomed = workers.start()
        message = sender.sync_group.send(group.group_id, "manual")
        wait_until(lambda: _creates_seen(world) > 0, timeout_s=30, what="the run's first create")
        workers.kill(doomed)
        interrupted = _unfinished_runs(world)
        assert len(interrupted) == 1, "the kill landed after the run had finished"
        _set_latency(world, 0)
        workers.start()
        wait_until(lambda: sender.runs.outcome(message.message_id) is not None, timeout_s=60,
                   what="the redelivered message's run")
    finally:
        workers.stop_all()
    # An outcome under the first message's id means that message came back: a run records the ids of the
    # messages it covers, and only a delivered message can ask to be covered.
    outcome = sender.runs.outcome(message.message_id)
    assert outcome is not None and outcome["status"] == "finished", outcome
    assert outcome["summary"]["outcome"] == "succeeded"
    assert repeated_writes(world.context.sessions) == {}
    _assert_in_step(world, group)
