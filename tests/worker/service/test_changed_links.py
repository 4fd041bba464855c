"""A sync told which plans changed reads and reconciles only the links to those plans."""

from __future__ import annotations

from reconciliation.side import Side
from reconciliation.states import RunOutcome
from tests.worker.service.world import World
from worker.runtime.jobs import plan_systems
from worker.service.group_sync import sync_group

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT
LISTINGS = ("GET /groups/{group_id}/plans", "findProducts")
PART_READS = ("findBenefitSummaries", "getBenefitSummary", "findRates", "getRate")


def _listing_calls(world: World) -> int:
    return world.pq.calls[LISTINGS[0]] + world.bp.calls[LISTINGS[1]]


def _sync_changed(world: World, *refs: tuple[Side, str]) -> object:
    return sync_group(sessions=world.context.sessions, systems=plan_systems(world.context),
                      group_id="grp_001", trigger="feed", plan_refs=list(refs))


def test_only_the_named_links_are_read_and_their_edits_carried(world: World, synced: dict[str, str]) -> None:
    ppo, vision = world.link(synced["ppo"]), world.link(synced["vision"])
    world.edit_pq(ppo.plan_ids[PQ], name="Gold PPO 4000")
    world.edit_bp(vision.plan_ids[BP], name="Vision Plus 2028")
    listings, products_read = _listing_calls(world), world.bp.calls["getProduct"]
    parts_read = {op: world.bp.calls[op] for op in PART_READS}

    report = _sync_changed(world, (PQ, ppo.plan_ids[PQ] or ""))

    assert report.outcome is RunOutcome.SUCCEEDED
    assert [w.link_id for w in report.writes] == [ppo.id]
    assert _listing_calls(world) == listings  # no group listing on either side
    # The PPO's product is compared before the write and read back; nothing else of it is read (its
    # snapshot stands for it); the vision product never.
    assert world.bp.calls["getProduct"] - products_read == 2
    assert {op: world.bp.calls[op] for op in PART_READS} == parts_read
    assert world.plan(BP, ppo.plan_ids[BP] or "").plan.name == "Gold PPO 4000"
    untouched = world.plan(PQ, vision.plan_ids[PQ] or "").plan
    assert untouched is not None and untouched.name != "Vision Plus 2028"
    # The whole-group sync still finds what the changed-links sync was not told about.
    assert [w.link_id for w in world.sync().writes] == [vision.id]


def test_a_plan_named_as_deleted_orphans_its_link(world: World, synced: dict[str, str]) -> None:
    ppo = world.link(synced["ppo"])
    world.delete_bp(ppo.plan_ids[BP] or "")

    report = _sync_changed(world, (BP, ppo.plan_ids[BP] or ""))

    assert report.outcome is RunOutcome.SUCCEEDED and report.counts.orphaned == 1
    assert world.link(ppo.id).state == "orphaned"
    assert world.plan(PQ, ppo.plan_ids[PQ] or "").plan is not None  # nothing deleted there


def test_an_unreadable_named_plan_fails_its_link_only(world: World, synced: dict[str, str]) -> None:
    ppo, vision = world.link(synced["ppo"]), world.link(synced["vision"])
    world.edit_bp(vision.plan_ids[BP], name="Vision Plus 2028")
    world.pq.plans[ppo.plan_ids[PQ]]["rates"]["tiers"]["employee"] = "twelve dollars"

    report = _sync_changed(world, (PQ, ppo.plan_ids[PQ] or ""),
                           (BP, vision.plan_ids[BP] or ""))

    assert report.outcome is RunOutcome.PARTIAL and list(report.link_errors) == [ppo.id]
    assert world.link(ppo.id).state == "error"
    assert world.plan(PQ, vision.plan_ids[PQ] or "").plan.name == "Vision Plus 2028"
