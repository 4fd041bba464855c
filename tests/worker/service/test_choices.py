"""Each choice (skip, copy either way, merge either way) over real HTTP; unreviewed plans untouched."""

from __future__ import annotations

import pytest

from connectors.ports import RemotePlan
from reconciliation.link_entry import LinkEntry, LinkMapError
from reconciliation.plan import Plan
from reconciliation.plan_fields import content_hash
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from reconciliation.storage import repository as repo
from tests.worker.service.world import BENEFITPOINT_WRITES, PERFECTQUOTE_WRITES, World

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


def content(remote: RemotePlan) -> str:
    assert remote.plan is not None
    return content_hash(remote.plan)


def test_each_choice_on_both_backends(any_world: World) -> None:
    world = any_world
    links = world.choose_standard()
    ids = world.seeded()
    before = {side: world.plans(side) for side in Side}
    report = world.sync()
    assert report.outcome is RunOutcome.SUCCEEDED and report.counts.errors == 0
    assert (report.counts.created, report.counts.updated) == (2, 1)
    after = {side: world.plans(side) for side in Side}

    hdhp, vision = world.link(links["hdhp"]), world.link(links["vision"])
    assert hdhp.state == vision.state == "linked"
    # A copy creates the plan on the other side with the same content, and remembers the pair.
    assert content(after[BP][hdhp.plan_ids[BP]]) == content(before[PQ][ids["pq_hdhp"]])
    assert content(after[PQ][vision.plan_ids[PQ]]) == content(before[BP][ids["bp_vision"]])
    # Skipped: the life plan exists in PerfectQuote only, and stays that way.
    skipped = world.link(links["life"])
    assert skipped.plan_ids[BP] is None and skipped.baselines[PQ] is None
    assert len(after[BP]) == len(before[BP]) + 1 and len(after[PQ]) == len(before[PQ]) + 1
    # Merged with PerfectQuote as source of truth: BenefitPoint's PPO now holds PerfectQuote's content.
    assert content(after[BP][ids["bp_ppo"]]) == content(before[PQ][ids["pq_ppo"]])
    assert after[PQ][ids["pq_ppo"]].version == before[PQ][ids["pq_ppo"]].version


def test_a_merge_with_benefitpoint_as_source_of_truth_overwrites_perfectquote(world: World) -> None:
    world.connect()
    ids = world.seeded()
    [link_id] = world.choose(LinkEntry.merge(ids["pq_ppo"], ids["bp_ppo"], source_of_truth=BP))
    bp_before = world.plan(BP, ids["bp_ppo"])
    assert content(world.plan(PQ, ids["pq_ppo"])) != content(bp_before)

    report = world.sync()

    assert report.counts.updated == 1 and not any(world.bp.calls[name] for name in BENEFITPOINT_WRITES)
    pq_after = world.plan(PQ, ids["pq_ppo"])
    assert pq_after.plan == bp_before.plan
    assert world.plan(BP, ids["bp_ppo"]).version == bp_before.version
    link = world.link(link_id)
    assert link.state == "linked" and link.baselines[PQ] == link.baselines[BP] == bp_before.plan


def test_a_merge_with_perfectquote_as_source_of_truth_overwrites_benefitpoint(world: World) -> None:
    world.connect()
    ids = world.seeded()
    world.choose(LinkEntry.merge(ids["pq_ppo"], ids["bp_ppo"], source_of_truth=PQ))
    pq_before = world.plan(PQ, ids["pq_ppo"])

    world.sync()

    bp_after: Plan | None = world.plan(BP, ids["bp_ppo"]).plan
    assert bp_after == pq_before.plan and bp_after is not None and bp_after.rates is not None
    assert not any(world.pq.calls[name] for name in PERFECTQUOTE_WRITES)


def test_unreviewed_plans_are_never_touched(world: World) -> None:
    world.connect()
    ids = world.seeded()
    world.choose(LinkEntry.merge(ids["pq_dental"], ids["bp_dental"], source_of_truth=PQ))
    world.edit_pq(ids["pq_dental"], name="Dental PPO 2027")
    pq_plans, products = dict(world.pq.plans), dict(world.bp.products)

    report = world.sync()

    # Five plans were never chosen for: counted as unreviewed, and neither created, changed nor linked.
    assert report.unreviewed == 5 and report.counts.updated == 1
    assert set(world.pq.plans) == set(pq_plans) and set(world.bp.products) == set(products)
    untouched = [plan_id for plan_id in pq_plans if plan_id != ids["pq_dental"]]
    assert all(world.pq.plans[plan_id] == pq_plans[plan_id] for plan_id in untouched)
    assert all(world.bp.products[int(key)] == products[int(key)]
               for key in (ids["bp_ppo"], ids["bp_vision"]))


def test_a_sync_right_after_a_sync_writes_nothing(world: World, synced: dict[str, str]) -> None:
    calls = world.write_calls()
    stored = world.snapshot()

    report = world.sync()

    assert report.outcome is RunOutcome.SUCCEEDED and report.writes == []
    assert world.write_calls() == calls
    assert world.snapshot()["links"] == stored["links"]


def test_a_merge_across_coverages_is_refused_unless_allowed(world: World) -> None:
    world.connect()
    ids = world.seeded()
    cross = LinkEntry.merge(ids["pq_dental"], ids["bp_ppo"], source_of_truth=PQ)

    with pytest.raises(LinkMapError) as caught:
        world.choose(cross, LinkEntry.copy(PQ, ids["pq_hdhp"]))

    assert "different coverage (dental and medical)" in str(caught.value)
    assert "--allow-cross-coverage" in str(caught.value)
    with world.context.sessions() as session:
        assert repo.links_for_group(session, "grp_001") == [], "nothing of a refused map is stored"
    [link_id] = world.choose(cross, allow_cross_coverage=True)
    assert world.link(link_id).plan_ids[BP] == ids["bp_ppo"]
