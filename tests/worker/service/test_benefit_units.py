"""A benefit BenefitPoint holds as an amount or a percentage must be one, from either side: else the link
is in error naming the field and the value, and nothing of that plan is written anywhere."""

from __future__ import annotations

from typing import Any

import pytest

from reconciliation.link_entry import LinkEntry
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from tests.worker.service.world import World

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT
DEDUCTIBLE_ATTRIBUTE = 1001  # medical deductible.individual, Dollars
COINSURANCE_ATTRIBUTE = 1005  # medical coinsurance, Percent


@pytest.mark.parametrize(
    ("benefits", "field", "value"),
    [
        ({"deductible": {"individual": "abc"}}, "benefits.deductible.individual", "'abc'"),
        ({"copays": {"specialist": "fifty dollars"}}, "benefits.copays.specialist", "'fifty dollars'"),
        ({"coinsurance": "lots"}, "benefits.coinsurance", "'lots'"),
        ({"coinsurance": "150"}, "benefits.coinsurance", "150"),
    ],
)
def test_a_perfectquote_benefit_that_is_no_amount_is_written_nowhere(
        world: World, benefits: dict[str, Any], field: str, value: str) -> None:
    world.connect()
    ids = world.seeded()
    world.edit_pq(ids["pq_ppo"], benefits=benefits)
    [link_id] = world.choose(LinkEntry.merge(ids["pq_ppo"], ids["bp_ppo"], source_of_truth=PQ))
    pq_before = world.plan(PQ, ids["pq_ppo"]).version

    report = world.sync()

    assert report.outcome is not RunOutcome.SUCCEEDED and list(report.link_errors) == [link_id]
    link = world.link(link_id)
    assert link.state == "error"
    assert f"{field}: {value}" in (link.last_error or ""), link.last_error
    # The product's name and rates differ too: not even they went out before the bad benefit was seen.
    assert world.write_calls() == {}
    assert world.plan(PQ, ids["pq_ppo"]).version == pq_before


def test_a_copy_with_a_bad_amount_creates_nothing(world: World) -> None:
    world.connect()
    ids = world.seeded()
    world.edit_pq(ids["pq_hdhp"], benefits={"deductible": {"family": "ten thousand"}})
    [link_id] = world.choose(LinkEntry.copy(PQ, ids["pq_hdhp"]))
    products = world.product_count()

    world.sync()

    link = world.link(link_id)
    assert link.state == "error" and "benefits.deductible.family: 'ten thousand'" in (link.last_error or "")
    assert world.product_count() == products and world.write_calls() == {}


@pytest.mark.parametrize(
    ("attribute", "typed", "field"),
    [
        (DEDUCTIBLE_ATTRIBUTE, "abc", "benefits.deductible.individual"),
        (COINSURANCE_ATTRIBUTE, "most of it", "benefits.coinsurance"),
        (COINSURANCE_ATTRIBUTE, "250%", "benefits.coinsurance"),
    ],
)
def test_a_benefitpoint_amount_that_is_no_amount_is_never_copied(
        world: World, attribute: int, typed: str, field: str) -> None:
    world.connect()
    ids = world.seeded()
    [link_id] = world.choose(LinkEntry.merge(ids["pq_ppo"], ids["bp_ppo"], source_of_truth=PQ))
    assert world.sync().outcome is RunOutcome.SUCCEEDED
    pq_before = world.plan(PQ, ids["pq_ppo"]).version
    world.edit_bp(ids["bp_ppo"], attributes={str(attribute): typed})
    calls = world.write_calls()

    report = world.sync()

    assert list(report.link_errors) == [link_id]
    link = world.link(link_id)
    assert link.state == "error" and f"{field}: {typed!r}" in (link.last_error or ""), link.last_error
    assert world.write_calls() == calls
    assert world.plan(PQ, ids["pq_ppo"]).version == pq_before


def test_amounts_written_the_way_benefitpoint_shows_them_are_amounts(world: World) -> None:
    world.connect()
    ids = world.seeded()
    [link_id] = world.choose(LinkEntry.merge(ids["pq_ppo"], ids["bp_ppo"], source_of_truth=PQ))
    world.sync()
    world.edit_bp(ids["bp_ppo"], attributes={str(DEDUCTIBLE_ATTRIBUTE): "$2,500",
                                             str(COINSURANCE_ATTRIBUTE): "30%"})

    world.sync()

    assert world.link(link_id).state == "linked"
    pq_plan = world.plan(PQ, ids["pq_ppo"]).plan
    assert pq_plan is not None
    assert (str(pq_plan.benefits["deductible.individual"]), str(pq_plan.benefits["coinsurance"])) == (
        "2500.00", "30.00")
