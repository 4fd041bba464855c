"""The feed cycle through the real RedisBroker and a worker: only changed groups sync, edits cross over."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from connectors.sandbox.perfectquote import cursors
from reconciliation.side import Side
from reconciliation.storage import repository as repo
from tests.e2e.conftest import Served, World
from tests.e2e.world import change_log, connect_and_link, edit_benefit, runs


def _watermarks(world: World) -> tuple[int, datetime]:
    """Both stored watermarks, made comparable: PerfectQuote's feed position, BenefitPoint's server time."""
    with world.context.sessions() as session:
        pq, bp = (repo.get_watermark(session, side.value) for side in Side)
    assert pq is not None and bp is not None, "a successful cycle stores both watermarks"
    return cursors.decode("changes", pq), datetime.fromisoformat(bp)


def _cycle(served: Served, world: World, slot: str) -> list[tuple[str, str, str]]:
    """An hour passes and the clock's message for `slot` arrives; the runs it caused, once all are done."""
    before = len(runs(world.context.sessions))
    world.bp_time.pass_hour()
    served.actors.feed_cycle.send(slot)
    served.drain()
    return runs(world.context.sessions)[before:]


def _plan_id(world: World, link_id: str, side: Side) -> str:
    with world.context.sessions() as session:
        plan_id = repo.get_link(session, link_id).plan_ids[side]
    assert plan_id is not None
    return plan_id


def test_the_feed_cycle_syncs_only_the_groups_whose_plans_changed(world: World, served: Served) -> None:
    context = world.context
    edited, other_edited, untouched = groups = [connect_and_link(context, number) for number in (1, 2, 3)]
    for group in groups:
        served.actors.sync_group.send(group.group_id, "manual")
    served.drain()
    assert sorted(runs(context.sessions)) == [(g.group_id, "manual", "succeeded") for g in groups]
    # The first cycle reads both feeds from their start: every plan is named, each at the version the
    # manual runs read or wrote and keep, so nothing is news and no group runs.
    logged = len(change_log(context.sessions))
    first = _cycle(served, world, "2026-11-22T01:00:00+00:00")
    assert first == []
    assert len(change_log(context.sessions)) == logged
    marks = _watermarks(world)

    ppo_link, dental_link = edited.link_ids["ppo"], other_edited.link_ids["dental"]
    edit_benefit(context.perfectquote, _plan_id(world, ppo_link, Side.PERFECTQUOTE), link_id=ppo_link,
                 path="copays.primary_care", value=Decimal("35"))
    edit_benefit(context.benefitpoint, _plan_id(world, dental_link, Side.BENEFITPOINT), link_id=dental_link,
                 path="annual_max", value=Decimal("2500"))
    second = _cycle(served, world, "2026-11-22T02:00:00+00:00")

    assert sorted(second) == [(edited.group_id, "feed", "succeeded"),
                              (other_edited.group_id, "feed", "succeeded")]
    assert untouched.group_id not in {group for group, _, _ in second}
    bp_ppo = context.benefitpoint.get_plan(_plan_id(world, ppo_link, Side.BENEFITPOINT))
    pq_dental = context.perfectquote.get_plan(_plan_id(world, dental_link, Side.PERFECTQUOTE))
    assert bp_ppo is not None and bp_ppo.plan is not None
    assert pq_dental is not None and pq_dental.plan is not None
    assert bp_ppo.plan.benefits["copays.primary_care"] == Decimal("35.00")
    assert pq_dental.plan.benefits["annual_max"] == Decimal("2500.00")
    new_rows = change_log(context.sessions)[logged:]
    assert sorted((row.link_id, row.direction, row.field_path) for row in new_rows) == sorted(
        [(ppo_link, "pq->bp", "benefits.copays.primary_care"),
         (dental_link, "bp->pq", "benefits.annual_max")])
    advanced = _watermarks(world)
    assert advanced[0] > marks[0] and advanced[1] > marks[1], (marks, advanced)

    # The next cycle sees the plans the last one wrote in the feeds, at the versions the writes were
    # answered with: our own writes, no news, no run; nor in the cycle after it.
    logged = len(change_log(context.sessions))
    echo = _cycle(served, world, "2026-11-22T03:00:00+00:00")
    assert echo == []
    quiet = _cycle(served, world, "2026-11-22T04:00:00+00:00")
    assert quiet == []
    assert len(change_log(context.sessions)) == logged
    assert _watermarks(world) >= advanced
