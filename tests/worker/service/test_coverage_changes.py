"""A plan that changes coverage (a merge allowed across coverages, or a later edit) takes the new
coverage's benefits on both sides: no attribute or benefit key of the old one stays, and the next sync
writes nothing."""

from __future__ import annotations

from typing import Any

from connectors.benefitpoint.catalogue import load_catalogue
from reconciliation.link_entry import LinkEntry
from reconciliation.plan import Coverage
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from tests.worker.service.world import World

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT
DENTAL_TYPE, VISION_TYPE = 10, 20
MEDICAL_ATTRIBUTES = {"1001": "1500", "1005": "20", "1020": "$10"}


def table_ids(product_type_id: int) -> set[int]:
    product_type = load_catalogue().by_id(product_type_id)
    assert product_type is not None
    return {attribute.attribute_id for attribute in product_type.attributes}


def summary_attribute_ids(world: World, product_id: str) -> set[int]:
    [summary] = [s for s in world.bp.summaries.values() if s["productID"] == int(product_id)]
    return {int(value["attributeID"]) for value in summary["attributeValues"]}


def pq_benefit_keys(world: World, plan_id: str) -> set[str]:
    def keys(node: Any, prefix: str = "") -> set[str]:
        if not isinstance(node, dict):
            return {prefix.rstrip(".")}
        return {key for name, child in node.items() for key in keys(child, f"{prefix}{name}.")}
    return keys(world.pq.plan(plan_id)["benefits"] or {}) - {""}


def assert_settled(world: World) -> None:
    calls = world.write_calls()
    again = world.sync()
    assert again.outcome is RunOutcome.SUCCEEDED and again.writes == [], again.as_dict()
    assert world.write_calls() == calls


def test_a_dental_plan_merged_onto_a_medical_product_leaves_no_medical_attribute(world: World) -> None:
    world.connect()
    ids = world.seeded()
    world.edit_bp(ids["bp_ppo"], attributes=MEDICAL_ATTRIBUTES)
    [link_id] = world.choose(LinkEntry.merge(ids["pq_dental"], ids["bp_ppo"], source_of_truth=PQ),
                             allow_cross_coverage=True)

    report = world.sync()

    assert report.outcome is RunOutcome.SUCCEEDED, world.link(link_id).last_error
    assert world.bp.products[int(ids["bp_ppo"])]["productTypeID"] == DENTAL_TYPE
    held = summary_attribute_ids(world, ids["bp_ppo"])
    assert held and held <= table_ids(DENTAL_TYPE)
    bp_plan = world.plan(BP, ids["bp_ppo"]).plan
    assert bp_plan == world.plan(PQ, ids["pq_dental"]).plan
    assert_settled(world)


def test_a_life_plan_overwritten_by_a_dental_product_keeps_no_life_benefit(world: World) -> None:
    world.connect()
    ids = world.seeded()
    assert {"benefit_amount", "ad_d"} <= pq_benefit_keys(world, ids["pq_life"])
    [link_id] = world.choose(LinkEntry.merge(ids["pq_life"], ids["bp_dental"], source_of_truth=BP),
                             allow_cross_coverage=True)

    report = world.sync()

    assert report.outcome is RunOutcome.SUCCEEDED, world.link(link_id).last_error
    bp_plan = world.plan(BP, ids["bp_dental"]).plan
    assert bp_plan is not None
    assert world.plan(PQ, ids["pq_life"]).plan == bp_plan
    assert pq_benefit_keys(world, ids["pq_life"]) == set(bp_plan.benefits)
    assert world.link(link_id).last_error is None
    assert_settled(world)


def test_a_coverage_changed_later_in_perfectquote_retypes_the_benefitpoint_summary(
        world: World, synced: dict[str, str]) -> None:
    dental = world.link(synced["dental"])
    pq_id, bp_id = dental.plan_ids[PQ] or "", dental.plan_ids[BP] or ""
    assert summary_attribute_ids(world, bp_id) <= table_ids(DENTAL_TYPE)
    # A person turns the plan into a vision plan: its dental benefits cleared, a vision one set.
    dental_keys = {"deductible": None, "annual_max": None, "coinsurance": None, "orthodontia": None}
    world.edit_pq(pq_id, coverage="vision", benefits={**dental_keys, "exam": "15"})

    report = world.sync()

    assert report.outcome is RunOutcome.SUCCEEDED, world.link(dental.id).last_error
    assert world.bp.products[int(bp_id)]["productTypeID"] == VISION_TYPE
    assert summary_attribute_ids(world, bp_id) == {3001}
    bp_plan = world.plan(BP, bp_id).plan
    assert bp_plan is not None and bp_plan.coverage is Coverage.VISION
    assert bp_plan == world.plan(PQ, pq_id).plan
    assert_settled(world)


def test_a_product_type_changed_later_in_benefitpoint_clears_the_old_benefits_in_perfectquote(
        world: World, synced: dict[str, str]) -> None:
    dental = world.link(synced["dental"])
    pq_id, bp_id = dental.plan_ids[PQ] or "", dental.plan_ids[BP] or ""
    assert pq_benefit_keys(world, pq_id)
    with world.bp.lock:
        product = world.bp.products[int(bp_id)]
        world.bp.put("Product", "productID", {**product, "productTypeID": VISION_TYPE})

    report = world.sync()

    assert report.outcome is RunOutcome.SUCCEEDED, world.link(dental.id).last_error
    pq_plan = world.plan(PQ, pq_id).plan
    assert pq_plan is not None and pq_plan.coverage is Coverage.VISION
    assert pq_benefit_keys(world, pq_id) == set()
    assert pq_plan == world.plan(BP, bp_id).plan
    assert_settled(world)
