"""One bad plan is recorded on its link while the rest of the group syncs; what cannot be written is said."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.sandbox.launcher import Sandboxes
from reconciliation.link_entry import LinkEntry
from reconciliation.plan import Tier
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from tests.worker.service.conftest import make_world, sqlite_copy
from tests.worker.service.world import World

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT
UNKNOWN_CARRIER_ID = 990001  # BenefitPoint knows it; the crosswalk in config does not


def test_a_carrier_the_crosswalk_does_not_know_is_an_error_on_that_link_only(
        world: World, synced: dict[str, str]) -> None:
    world.bp.carriers[UNKNOWN_CARRIER_ID] = {"carrierID": UNKNOWN_CARRIER_ID, "carrierName": "Acme Mutual",
                                             "carrierAlias": "ACMEMUT"}
    vision, ppo = world.link(synced["vision"]), world.link(synced["ppo"])
    world.edit_bp(vision.plan_ids[BP], carrierID=UNKNOWN_CARRIER_ID, name="Vision Plus (Acme)")
    world.edit_pq(ppo.plan_ids[PQ], name="Gold PPO 3000 (2027)")
    pq_vision = world.plan(PQ, vision.plan_ids[PQ])

    report = world.sync()

    assert report.outcome is RunOutcome.PARTIAL and report.counts.errors == 1
    failed = world.link(vision.id)
    assert failed.state == "error" and str(UNKNOWN_CARRIER_ID) in (failed.last_error or "")
    assert report.link_errors == {vision.id: failed.last_error}
    assert world.plan(PQ, vision.plan_ids[PQ]).version == pq_vision.version  # never a guess
    bp_ppo = world.plan(BP, ppo.plan_ids[BP]).plan
    assert bp_ppo is not None and bp_ppo.name == "Gold PPO 3000 (2027)"
    assert world.link(ppo.id).state == "linked"

    # Once the carrier is one the crosswalk knows again, the link heals and the edit goes through.
    known_carrier = world.bp.products[int(ppo.plan_ids[BP] or 0)]["carrierID"]
    world.edit_bp(vision.plan_ids[BP], carrierID=known_carrier)
    healed = world.sync()
    assert healed.outcome is RunOutcome.SUCCEEDED and len(healed.writes) == 1
    assert (world.link(vision.id).state, world.link(vision.id).last_error) == ("linked", None)
    pq_vision_now = world.plan(PQ, vision.plan_ids[PQ]).plan
    assert pq_vision_now is not None and pq_vision_now.name == "Vision Plus (Acme)"


def test_a_value_a_system_refuses_is_recorded_on_the_link_and_the_rest_syncs(
        world: World, synced: dict[str, str]) -> None:
    dental, ppo = world.link(synced["dental"]), world.link(synced["ppo"])
    # A negative premium typed into BenefitPoint: refused where the plan enters the domain, never copied.
    with world.bp.lock:
        product_id = int(dental.plan_ids[BP] or 0)
        [rate] = [r for r in world.bp.rates.values() if r["productID"] == product_id]
        values = [{**value, "valueNum": -12.5} if index == 0 else value
                  for index, value in enumerate(rate["rateFieldValues"])]
        world.bp.put("Rate", "rateID", {**rate, "rateFieldValues": values})
    world.edit_pq(ppo.plan_ids[PQ], benefits={"coinsurance": "40"})

    report = world.sync()

    assert report.outcome is RunOutcome.PARTIAL and list(report.link_errors) == [dental.id]
    failed = world.link(dental.id)
    assert failed.state == "error"
    assert "Rate.rateFieldValues.valueNum: '-12.5' is a negative amount" in (failed.last_error or "")
    pq_dental = world.plan(PQ, dental.plan_ids[PQ]).plan
    assert pq_dental is not None and pq_dental.rates is not None
    assert all(amount >= 0 for amount in pq_dental.rates.tiers.values())
    bp_ppo = world.plan(BP, ppo.plan_ids[BP]).plan
    assert bp_ppo is not None and bp_ppo.benefits["coinsurance"] == Decimal("40.00")


@pytest.fixture
def rates_read_only(sandboxes: Sandboxes, migrated_template: Path, tmp_path: Path) -> Iterator[World]:
    url = sqlite_copy(migrated_template, tmp_path)
    built = make_world(sandboxes, url, BENEFITPOINT_RATES_WRITABLE="false")
    yield built
    built.close()


def test_a_rate_change_that_benefitpoint_cannot_take_is_reported_on_the_link(rates_read_only: World) -> None:
    world = rates_read_only
    world.connect()
    ids = world.seeded()
    [link_id] = world.choose(LinkEntry.merge(ids["pq_dental"], ids["bp_dental"], source_of_truth=PQ))
    assert world.sync().writes == []  # the seeded dental plan is the same on both sides
    bp_before = world.plan(BP, ids["bp_dental"]).plan
    assert bp_before is not None and bp_before.rates is not None

    world.edit_pq(ids["pq_dental"], rates={"tiers": {"employee": "99.99"}})
    report = world.sync()

    bp_after = world.plan(BP, ids["bp_dental"]).plan
    assert bp_after is not None and bp_after.rates == bp_before.rates
    assert world.bp.calls["updateRate"] == world.bp.calls["createRate"] == 0
    link = world.link(link_id)
    assert "rates" in (link.last_error or ""), link.last_error
    assert report.outcome is not RunOutcome.FAILED
    pq_after = world.plan(PQ, ids["pq_dental"]).plan
    assert pq_after is not None and pq_after.rates is not None
    assert pq_after.rates.tiers[Tier.EE] == Decimal("99.99")  # PerfectQuote's value is kept, not reverted
