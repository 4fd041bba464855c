"""What a feed cycle costs: only what the feeds say changed is read, an echo of our own write costs
nothing beyond the feeds, and a snapshot that went stale behind the feeds' back overwrites nothing."""

from __future__ import annotations

from collections import Counter
from typing import Any

from reconciliation.side import Side
from reconciliation.states import RunOutcome
from tests.worker.service.conftest import nudged_runs
from tests.worker.service.world import World
from worker.runtime import jobs
from worker.runtime.jobs import plan_systems
from worker.service.group_sync import sync_group
from worker.service.run_report import RunReport

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT
FEED_ONLY = Counter({"benefitpoint findChanges": 1, "perfectquote GET /plans/changes": 1})


def _calls(world: World) -> Counter[str]:
    with world.bp.lock:
        soap = Counter({f"benefitpoint {name}": count for name, count in world.bp.calls.items()})
    return soap + Counter({f"perfectquote {name}": count for name, count in world.pq.calls.items()})


def _cycle(world: World) -> tuple[list[RunReport], Counter[str]]:
    """One feed cycle and the nudged runs it causes, as the worker runs them; the calls all of it made."""
    before = _calls(world)
    reports = nudged_runs(world)
    return reports, _calls(world) - before


def _nudged(world: World, group_id: str) -> RunReport:
    return sync_group(sessions=world.context.sessions, systems=plan_systems(world.context), group_id=group_id,
                      trigger="feed", pending=True)


def _person_edits_summary(world: World, product_id: str) -> tuple[str, str]:
    """A person changes one dollar benefit of the product's summary in BenefitPoint (only it moves)."""
    store = world.bp
    with store.lock:
        product = store.products[int(product_id)]
        summary = next(row for row in store.summaries.values() if row["productID"] == int(product_id))
        attributes = store.catalog.attributes_of(product["productTypeID"])
        dollars = {entry.attribute_id: entry.key for entry in attributes if entry.uom == "Dollars"}
        values = [dict(value) for value in summary["attributeValues"]]
        edited = next(value for value in values if value["attributeID"] in dollars)
        edited["attributeValueDetails"] = [{**detail, "value": "4321"} if detail["benefitColumnID"] == 1
                                           else detail for detail in edited["attributeValueDetails"]]
        store.put("Benefit_Summary", "benefitSummaryID", {**summary, "attributeValues": values})
    return dollars[edited["attributeID"]], "4321"


def _benefit(world: World, side: Side, plan_id: str, key: str) -> Any:
    remote = world.plan(side, plan_id)
    assert remote.plan is not None
    return remote.plan.benefits.get(key)


def test_after_a_sync_the_feeds_first_naming_of_everything_is_no_news(world: World,
                                                                       fed: dict[str, str]) -> None:
    reports, calls = _cycle(world)
    assert (reports, calls) == ([], FEED_ONLY)


def test_the_echo_of_a_write_to_benefitpoint_costs_nothing_beyond_the_feeds(world: World,
                                                                            fed: dict[str, str]) -> None:
    ppo = world.link(fed["ppo"])
    world.edit_pq(ppo.plan_ids[PQ], name="Gold PPO 4000")

    [report], calls = _cycle(world)

    assert [w.side for w in report.writes] == [BP]
    assert world.plan(BP, ppo.plan_ids[BP] or "").plan.name == "Gold PPO 4000"
    # The PQ plan is read; the BP product is compared before updateProduct and read back, nothing more.
    assert calls == FEED_ONLY + Counter({"perfectquote GET /plans/{plan_id}": 1, "benefitpoint getProduct": 2,
                                         "benefitpoint updateProduct": 1})
    # BenefitPoint's feed now names our write (and, with its overlap, again and again): no news.
    for _ in range(3):
        assert _cycle(world) == ([], FEED_ONLY)


def test_the_echo_of_a_write_to_perfectquote_costs_nothing_beyond_the_feeds(world: World,
                                                                            fed: dict[str, str]) -> None:
    ppo = world.link(fed["ppo"])
    world.edit_bp(ppo.plan_ids[BP], name="Gold PPO 5000")

    [report], calls = _cycle(world)

    assert [w.side for w in report.writes] == [PQ]
    assert world.plan(PQ, ppo.plan_ids[PQ] or "").plan.name == "Gold PPO 5000"
    # Only the product moved: it alone is read; the PUT answers the new version, so no read-back.
    assert calls == FEED_ONLY + Counter({"benefitpoint getProduct": 1,
                                         "perfectquote PUT /plans/{plan_id}": 1})
    for _ in range(3):
        assert _cycle(world) == ([], FEED_ONLY)


def test_a_summary_only_change_reads_only_the_summary(world: World, fed: dict[str, str]) -> None:
    ppo = world.link(fed["ppo"])
    key, value = _person_edits_summary(world, ppo.plan_ids[BP] or "")

    [report], calls = _cycle(world)

    assert [w.side for w in report.writes] == [PQ]
    assert str(_benefit(world, PQ, ppo.plan_ids[PQ] or "", key)).startswith(value)
    assert calls == FEED_ONLY + Counter({"benefitpoint getBenefitSummary": 1,
                                         "perfectquote PUT /plans/{plan_id}": 1})
    assert _cycle(world) == ([], FEED_ONLY)


def test_a_product_changed_behind_the_snapshot_is_caught_before_update_and_kept(world: World,
                                                                                fed: dict[str, str]) -> None:
    ppo = world.link(fed["ppo"])
    world.edit_pq(ppo.plan_ids[PQ], name="Gold PPO 4000")
    plan = jobs.feed_cycle()
    # After the feeds were read and before the run writes: BenefitPoint's product moves, unseen by the feed.
    world.edit_bp(ppo.plan_ids[BP], policyNumber="PERSON-7")
    updates = world.bp.calls["updateProduct"]

    [report] = [_nudged(world, group) for group in plan.group_ids]

    assert report.outcome is RunOutcome.SUCCEEDED
    # The compare before updateProduct saw the move: the plan was read again and merged, never overwritten.
    assert world.bp.calls["updateProduct"] - updates == 1
    held = world.plan(BP, ppo.plan_ids[BP] or "").plan
    assert held is not None and (held.name, held.group_number) == ("Gold PPO 4000", "PERSON-7")
    assert world.plan(PQ, ppo.plan_ids[PQ] or "").plan.group_number == "PERSON-7"
