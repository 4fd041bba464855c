"""At link time, a merge whose source of truth has no rates or no benefits says what its first sync does."""

from __future__ import annotations

from reconciliation.link_entry import LinkEntry, PlanRef
from reconciliation.link_warnings import emptying_warnings
from reconciliation.plan import Coverage, Plan, Rates, RateStructure, Tier
from reconciliation.side import Side

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT
FULL = Plan(name="Gold PPO", coverage=Coverage.MEDICAL, carrier="aetna", benefits={"coinsurance": 20},
            rates=Rates(structure=RateStructure.COMPOSITE, tiers={Tier.EE: "512.30"}))
BARE = FULL.with_changes(benefits={}, rates=None)


def warned(entry: LinkEntry, plans: dict[PlanRef, Plan | None]) -> list[str]:
    found = emptying_warnings([entry], plans)
    assert all(warned_entry == entry for warned_entry, _ in found)
    return [line for _, line in found]


def test_benefitpoint_as_source_without_rates_or_benefits_empties_perfectquote() -> None:
    entry = LinkEntry.merge("pln_1", "701", source_of_truth=BP)
    assert warned(entry, {(PQ, "pln_1"): FULL, (BP, "701"): BARE}) == [
        "BenefitPoint product 701, the source of truth, has no rates: the first sync removes "
        "PerfectQuote plan pln_1's rates",
        "BenefitPoint product 701, the source of truth, has no benefits: the first sync clears PerfectQuote "
        "plan pln_1's benefits (those BenefitPoint has no attribute for stay)",
    ]


def test_perfectquote_as_source_without_rates_leaves_benefitpoint_rates_alone() -> None:
    entry = LinkEntry.merge("pln_1", "701", source_of_truth=PQ)
    lines = warned(entry, {(PQ, "pln_1"): BARE, (BP, "701"): FULL})
    assert lines[0].startswith("PerfectQuote plan pln_1, the source of truth, has no rates: BenefitPoint "
                               "product 701 keeps its rates (plansync never removes rates in BenefitPoint)")
    assert lines[1] == ("PerfectQuote plan pln_1, the source of truth, has no benefits: the first sync "
                        "clears BenefitPoint product 701's benefits")


def test_a_merge_across_coverages_clears_every_benefit_of_the_old_coverage() -> None:
    entry = LinkEntry.merge("pln_1", "701", source_of_truth=BP)
    dental = BARE.with_changes(coverage=Coverage.DENTAL, rates=FULL.rates)
    [line] = warned(entry, {(PQ, "pln_1"): FULL, (BP, "701"): dental})
    assert line.endswith("the first sync clears PerfectQuote plan pln_1's benefits")


def test_nothing_to_say_when_the_source_holds_them_the_other_lacks_them_or_a_plan_is_unreadable() -> None:
    merge = LinkEntry.merge("pln_1", "701", source_of_truth=BP)
    assert warned(merge, {(PQ, "pln_1"): FULL, (BP, "701"): FULL}) == []
    assert warned(merge, {(PQ, "pln_1"): BARE, (BP, "701"): BARE}) == []
    assert warned(merge, {(PQ, "pln_1"): FULL, (BP, "701"): None}) == []
    assert warned(LinkEntry.copy(BP, "701"), {(BP, "701"): BARE}) == []
    assert warned(LinkEntry.merge("pln_1", "701", source_of_truth=PQ),
                  {(PQ, "pln_1"): BARE, (BP, "701"): BARE.with_changes(benefits={"coinsurance": 20})}) == [
        "PerfectQuote plan pln_1, the source of truth, has no benefits: the first sync clears "
        "BenefitPoint product 701's benefits"]
