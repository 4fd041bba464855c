"""The sandboxes' admin edits behave like a person's save: new version, in the change feed, validated."""

from __future__ import annotations

from decimal import Decimal

from reconciliation.side import Side
from tests.worker.service.world import World

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


def test_a_perfectquote_edit_bumps_the_version_merges_nested_fields_and_is_in_the_feed(world: World) -> None:
    plan_id = world.seeded()["pq_ppo"]
    before = world.pq.plan(plan_id)
    watermark = world.context.perfectquote.changes_since(None).watermark

    edited = world.edit_pq(plan_id, name="Gold PPO 3500", benefits={"deductible": {"individual": "3500"}},
                           rates={"tiers": {"employee": "612.40"}})

    assert edited["version"] == before["version"] + 1
    assert edited["benefits"]["deductible"] == {**before["benefits"]["deductible"], "individual": "3500"}
    assert edited["rates"]["tiers"] == {**before["rates"]["tiers"], "employee": "612.40"}
    assert edited["benefits"]["copays"] == before["benefits"]["copays"]
    assert [plan for _, plan in world.context.perfectquote.changes_since(watermark).changed] == [plan_id]
    plan = world.plan(PQ, plan_id).plan
    assert plan is not None and plan.benefits["deductible.individual"] == Decimal("3500.00")


def test_a_perfectquote_edit_is_validated_and_refused_whole(world: World) -> None:
    plan_id = world.seeded()["pq_ppo"]
    before = world.pq.plan(plan_id)
    url = f"{world.pq_admin}/plans"

    bad_rate = world.admin.patch(f"{url}/{plan_id}",
                                 json={"name": "New", "rates": {"tiers": {"employee": "x"}}})
    read_only = world.admin.patch(f"{url}/{plan_id}", json={"version": 9})
    missing = world.admin.patch(f"{url}/pln_NOPE", json={"name": "New"})

    assert bad_rate.status_code == 422 and "rates.tiers.employee" in bad_rate.text
    assert read_only.status_code == 422 and "version" in read_only.text
    assert missing.status_code == 404
    assert world.pq.plan(plan_id) == before


def test_a_benefitpoint_edit_is_seen_by_find_changes_and_read_as_the_plan(world: World) -> None:
    product_id = world.seeded()["bp_ppo"]
    watermark = world.context.benefitpoint.changes_since(None).watermark

    world.edit_bp(product_id, name="Open Access PPO 2027", policyNumber="2305388-01",
                  attributes={"1001": "3500"})

    changed = {plan for _, plan in world.context.benefitpoint.changes_since(watermark).changed}
    assert changed == {product_id}
    plan = world.plan(BP, product_id).plan
    assert plan is not None and (plan.name, plan.group_number) == ("Open Access PPO 2027", "2305388-01")
    assert plan.benefits == {"deductible.individual": Decimal("3500.00")}


def test_a_benefitpoint_edit_with_an_unknown_attribute_changes_nothing(world: World) -> None:
    product_id = world.seeded()["bp_ppo"]
    before = world.plan(BP, product_id)
    url = f"{world.bp_admin}/products"

    wrong_type = world.admin.post(f"{url}/{product_id}", json={"name": "New", "attributes": {"3001": "10"}})
    unknown_carrier = world.admin.post(f"{url}/{product_id}", json={"carrierID": 4242})
    missing = world.admin.post(f"{url}/999999", json={"name": "New"})

    assert wrong_type.status_code == 400 and "3001" in wrong_type.json()["error"]
    assert unknown_carrier.status_code == 400 and "4242" in unknown_carrier.json()["error"]
    assert missing.status_code == 404
    assert world.plan(BP, product_id).version == before.version


def test_admin_edits_answer_while_faults_are_injected(world: World) -> None:
    pq_base = world.sandboxes.perfectquote_url.removesuffix("/api/v1")
    for base in (pq_base, world.sandboxes.benefitpoint_url):
        assert world.admin.put(f"{base}/_sandbox/faults", json={"error_rate": 1.0}).status_code == 200
    contract = world.admin.get(f"{world.sandboxes.perfectquote_url}/groups/grp_001",
                               headers={"Authorization": "Bearer sandbox-token"})
    assert contract.status_code == 502

    edited = world.edit_pq(next(iter(world.pq.plans)), name="Edited in an outage")
    assert edited["name"] == "Edited in an outage"
    assert world.edit_bp(str(next(iter(world.bp.products))), name="Edited too")["name"] == "Edited too"
