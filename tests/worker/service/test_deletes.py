"""A plan deleted in one system orphans its link and is never deleted in the other; many at once abort."""

from __future__ import annotations

import pytest

from reconciliation.side import Side
from reconciliation.states import RunOutcome
from tests.worker.service.world import World

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


@pytest.mark.parametrize("deleted_side", [PQ, BP], ids=["deleted-in-perfectquote", "deleted-in-benefitpoint"])
def test_a_deleted_plan_orphans_its_link_and_nothing_is_deleted_on_the_other_side(
        world: World, synced: dict[str, str], deleted_side: Side) -> None:
    link = world.link(synced["ppo"])
    survivor = world.plan(deleted_side.other, link.plan_ids[deleted_side.other])
    (world.delete_pq if deleted_side is PQ else world.delete_bp)(link.plan_ids[deleted_side])
    counts = (world.plan_count(), world.product_count())
    calls = world.write_calls()

    report = world.sync()

    assert report.counts.orphaned == 1 and report.outcome is RunOutcome.SUCCEEDED
    orphaned = world.link(link.id)
    assert orphaned.state == "orphaned" and orphaned.last_error
    assert world.plan(deleted_side.other, survivor.id).plan == survivor.plan
    assert (world.plan_count(), world.product_count()) == counts and world.write_calls() == calls
    # The other links go on as before.
    assert {world.link(link_id).state for role, link_id in synced.items() if role not in {"ppo", "life"}} \
        == {"linked"}
    # Orphaned is held for review: a later run still deletes nothing and does not relink it.
    world.sync()
    assert world.write_calls() == calls and world.link(link.id).state == "orphaned"


def test_more_than_half_of_the_linked_plans_gone_at_once_aborts_the_run(
        world: World, synced: dict[str, str]) -> None:
    ppo, dental, hdhp, vision = (world.link(synced[role]) for role in ("ppo", "dental", "hdhp", "vision"))
    world.delete_pq(ppo.plan_ids[PQ])
    world.delete_bp(dental.plan_ids[BP])
    world.delete_pq(hdhp.plan_ids[PQ])
    world.edit_bp(vision.plan_ids[BP], name="Vision Plus (renamed)")
    stored, calls = world.snapshot(), world.write_calls()

    report = world.sync()

    assert report.outcome is RunOutcome.ABORTED and "3 of 4" in (report.error or "")
    assert report.counts.orphaned == 0 and report.writes == []
    assert world.write_calls() == calls
    assert world.snapshot()["links"] == stored["links"]
    pq_vision = world.plan(PQ, vision.plan_ids[PQ]).plan
    assert pq_vision is not None and pq_vision.name == "Vision Plus"
