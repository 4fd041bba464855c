"""A dry run writes nothing anywhere and predicts exactly the writes the real run then makes."""

from __future__ import annotations

from reconciliation.decisions import ConflictPolicy
from reconciliation.link_entry import LinkEntry
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from tests.worker.service.world import World
from worker.service import overview

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


def test_a_first_dry_run_writes_nothing_and_predicts_the_real_run(any_world: World) -> None:
    world = any_world
    world.choose_standard()
    stored, calls = world.snapshot(), world.write_calls()
    plans, products = world.plan_count(), world.product_count()

    dry = world.sync(dry_run=True)

    assert dry.outcome is RunOutcome.SUCCEEDED and dry.run_id is None
    assert world.snapshot() == stored and world.write_calls() == calls
    assert (world.plan_count(), world.product_count()) == (plans, products)
    assert {(w.kind, w.side) for w in dry.writes} == {("create", "benefitpoint"), ("create", "perfectquote"),
                                                      ("update", "benefitpoint")}

    real = world.sync()

    assert real.writes == dry.writes
    assert (dry.counts.created, dry.counts.updated) == (real.counts.created, real.counts.updated) == (2, 1)


def test_a_dry_run_of_edits_on_both_sides_predicts_every_field(world: World, synced: dict[str, str]) -> None:
    ppo, vision = world.link(synced["ppo"]), world.link(synced["vision"])
    world.edit_pq(ppo.plan_ids[PQ], name="Gold PPO 3000 (PQ)",
                  benefits={"copays": {"specialist": 65}})
    world.edit_bp(ppo.plan_ids[BP], name="Open Access (BP)", policyNumber="5550001-00")
    world.edit_bp(vision.plan_ids[BP], attributes={"3003": "175"})
    stored, calls = world.snapshot(), world.write_calls()

    dry = world.sync(dry_run=True)

    assert world.snapshot() == stored and world.write_calls() == calls
    assert dry.counts.conflicts == 1  # the name: seen, but not recorded by a dry run
    assert world.conflicts() == []
    fields = {(w.side, c["field"]) for w in dry.writes for c in w.changes}
    assert fields == {("benefitpoint", "name"), ("benefitpoint", "benefits.copays.specialist"),
                      ("perfectquote", "group_number"), ("perfectquote", "benefits.frame_allowance")}

    real = world.sync()

    assert real.writes == dry.writes and real.counts.conflicts == dry.counts.conflicts
    assert len(world.conflicts()) == 1
    assert world.sync(dry_run=True).writes == []


def test_a_dry_run_that_finds_an_outage_writes_nothing(world: World) -> None:
    world.connect()
    ids = world.seeded()
    world.choose(LinkEntry.merge(ids["pq_ppo"], ids["bp_ppo"], source_of_truth=PQ))
    world.sync()
    world.delete_bp(ids["bp_ppo"])
    stored = world.snapshot()

    dry = world.sync(dry_run=True)

    assert dry.outcome is RunOutcome.ABORTED and world.snapshot() == stored


def test_a_dry_run_after_a_settlement_predicts_the_settled_write(
        world: World, synced: dict[str, str]) -> None:
    world.set_policy(ConflictPolicy.HOLD_FOR_REVIEW)
    link = world.link(synced["ppo"])
    world.edit_pq(link.plan_ids[PQ], group_number="PQ-1")
    world.edit_bp(link.plan_ids[BP], policyNumber="BP-2")
    world.sync()
    [conflict] = world.conflicts()
    overview.settle(sessions=world.context.sessions, conflict_id=conflict.id, side=BP)

    dry = world.sync(dry_run=True)
    real = world.sync()

    assert [(w.side, [c["after"] for c in w.changes]) for w in real.writes] == [("perfectquote", ["BP-2"])]
    assert dry.writes == real.writes
