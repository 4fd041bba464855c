"""Native <-> canonical: a fixed point after one round trip, tiers, doubles, age bands, dates, carriers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.crosswalk import load_crosswalk
from connectors.benefitpoint.benefits import summary_for
from connectors.benefitpoint.catalogue import NUMERIC_UOMS, load_catalogue
from connectors.benefitpoint.mapping import (
    NATIVE_STATUS,
    STATUSES,
    plan_from_native,
    product_for_create,
    product_for_update,
)
from connectors.benefitpoint.rates import TIER_DESCRIPTIONS, rate_to_native, rates_from_native
from connectors.benefitpoint.values import MappingError, plan_date
from connectors.benefitpoint.xmltree import append_native, to_native
from reconciliation.plan import AgeBand, Coverage, Plan, PlanStatus, Rates, RateStructure, Tier
from tests.reconciliation.strategies import is_benefit_text

CATALOGUE = load_catalogue()
CROSSWALK = load_crosswalk()
ACCOUNT = {"accountID": "48201", "officeID": "11", "primarySalesLeadUserID": "5001",
           "primaryServiceLeadUserID": "6001"}


def sample_plan(**changes: Any) -> Plan:
    plan = Plan(name="Gold PPO 1500", coverage=Coverage.MEDICAL, plan_type="ppo", carrier="aetna",
                group_number="123-00", status=PlanStatus.ACTIVE, effective_date=date(2026, 1, 1),
                renewal_date=date(2027, 1, 1),
                benefits={"deductible.individual": 1500, "coinsurance": 20, "rx.generic": "$10"},
                rates=Rates(structure=RateStructure.COMPOSITE, tiers={Tier.EE: "512.25", Tier.FAM: "1500"}))
    return plan.with_changes(**changes)


def through_xml(record: Any) -> Any:
    """What the other side of the wire would read: every value as text, arrays as lists."""
    holder = Element("holder")
    append_native(holder, "record", record)
    return to_native(holder[0])


def to_native_plan(plan: Plan) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    product = product_for_create(plan, account=ACCOUNT, link_field_id=9001, link_id="lnk",
                                 catalogue=CATALOGUE, crosswalk=CROSSWALK)
    product_type = CATALOGUE.by_id(int(product["productTypeID"]))
    assert product_type is not None
    summary = summary_for(plan, product_type, product_id=1, existing=None, catalogue=CATALOGUE)
    rate = rate_to_native(plan.rates, product_id=1, existing=None) if plan.rates else None
    return through_xml(product), through_xml(summary), through_xml(rate) if rate else None


def from_native(product: Any, summary: Any, rate: Any) -> Plan:
    return plan_from_native(product, summary, rate, catalogue=CATALOGUE, crosswalk=CROSSWALK)


# Native records as BenefitPoint could send them.
printable = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_categories=("Cs",)),
                    max_size=20)
names = printable.filter(lambda text: text.strip() != "")
offsets = st.sampled_from(["-05:00", "+00:00", "Z", "+14:00", "-12:00", "+05:30"])
date_times = st.builds(lambda d, h, m, off: f"{d.isoformat()}T{h:02d}:{m:02d}:00.000{off}",
                       st.dates(date(1990, 1, 1), date(2090, 1, 1)), st.integers(0, 23),
                       st.integers(0, 59), offsets)
doubles = st.floats(min_value=0, max_value=100000, allow_nan=False).map(repr)
numeric_texts = st.one_of(doubles, st.decimals(0, 99999, places=2).map(lambda d: f"${d:,}"),
                          st.sampled_from(["", "20%", "1e3"]))
percent_texts = st.one_of(st.floats(min_value=0, max_value=100).map(repr),
                          st.sampled_from(["", "20%", "100"]))


benefit_texts = printable.filter(is_benefit_text)


@st.composite
def native_plans(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    product_type = draw(st.sampled_from(CATALOGUE.product_types))
    product = {
        "productID": "1", "accountID": "48201", "productTypeID": str(product_type.id),
        "productStatus": draw(st.sampled_from(sorted(STATUSES))), "name": draw(names),
        "carrierID": str(draw(st.sampled_from(CROSSWALK.carriers)).benefitpoint_id),
        "policyNumber": draw(st.one_of(st.none(), printable)),
        "effectiveAsOf": draw(st.one_of(st.none(), date_times)),
        "renewalOn": draw(st.one_of(st.none(), date_times)),
    }
    attributes = draw(st.lists(st.sampled_from(product_type.attributes), unique=True))
    summary = {"productID": "1", "attributeValues": [
        {"attributeID": str(a.attribute_id), "attributeValueDetails": [
            {"value": draw(percent_texts if a.uom == "Percent" else numeric_texts if a.uom in NUMERIC_UOMS
                           else benefit_texts), "UOM": a.uom,
             "benefitColumnID": "1"}]}
        for a in attributes]}
    return product, summary, draw(st.one_of(st.none(), composite_rates(), age_banded_rates()))


@st.composite
def composite_rates(draw: st.DrawFn) -> dict[str, Any]:
    tiers = draw(st.lists(st.sampled_from(list(TIER_DESCRIPTIONS.values())), unique=True))
    spelled = [draw(st.sampled_from([d, d.upper(), f"  {d.lower()} "])) for d in tiers]
    return {"ageBanded": "false", "rateFieldValues": [
        {"rateField": "Rate", "valueNum": draw(doubles), "rateTier": {"description": d}} for d in spelled]}


@st.composite
def age_banded_rates(draw: st.DrawFn) -> dict[str, Any]:
    start, interval, count = draw(st.integers(0, 30)), draw(st.integers(1, 10)), draw(st.integers(1, 8))
    end = start + count * interval - 1 - draw(st.integers(0, interval - 1))
    indices = draw(st.lists(st.integers(0, count - 1), unique=True, min_size=1))
    return {"ageBanded": "true", "ageBandedStartOn": str(start), "ageBandedEndOn": str(end),
            "ageBandedInterval": str(interval),
            "rateFieldValues": [{"valueNum": draw(st.sampled_from(["10.0", "10.005", draw(doubles)])),
                                 "ageBandIndex": str(i)} for i in indices]}


@settings(max_examples=200, deadline=None)
@given(native_plans())
def test_native_canonical_native_canonical_is_a_fixed_point(native: Any) -> None:
    first = from_native(*native)
    again = from_native(*to_native_plan(first))
    assert again == first


@settings(max_examples=50, deadline=None)
@given(native_plans())
def test_an_update_of_an_unchanged_plan_writes_nothing(native: Any) -> None:
    product, _summary, _rate = native
    plan = from_native(*native)
    updated = product_for_update({**product, "customFieldValues": [{"customFieldID": "9001",
                                                                      "valueText": "lnk"}]},
                                 plan, current=plan, link_field_id=9001, link_id="lnk",
                                 catalogue=CATALOGUE, crosswalk=CROSSWALK)
    assert updated is None
    renamed = product_for_update(product, plan.with_changes(name=plan.name + " 2"), current=plan,
                                 link_field_id=9001, link_id="lnk", catalogue=CATALOGUE, crosswalk=CROSSWALK)
    assert renamed is not None
    assert renamed["name"] == plan.name + " 2"
    assert {k: v for k, v in renamed.items() if k not in {"name", "customFieldValues"}} == {
        k: v for k, v in product.items() if k != "name"}


def test_the_seed_plans_survive_a_round_trip() -> None:
    from connectors.sandbox.demo_world import EMPLOYERS, seed_plans
    for employer in EMPLOYERS[:3]:
        for seed in seed_plans(employer):
            for plan in (seed.perfectquote, seed.benefitpoint):
                if plan is not None:
                    assert from_native(*to_native_plan(plan)) == plan


def one_tier(value_num: str, description: str) -> dict[str, Any]:
    return {"rateFieldValues": [{"valueNum": value_num, "rateTier": {"description": description}}]}


@pytest.mark.parametrize("description", ["Employee Only", " employee only ", "EMPLOYEE + SPOUSE",
                                         "Employee  +  Child(ren)", "family"])
def test_tiers_are_matched_by_description(description: str) -> None:
    rates = rates_from_native(one_tier("1", description))
    assert rates is not None
    assert [tier.value for tier in rates.tiers] == [
        {"employee only": "ee", "employee + spouse": "es", "employee + child(ren)": "ec", "family": "fam"}[
            " ".join(description.lower().split())]]


def test_an_unknown_tier_is_named_not_guessed() -> None:
    with pytest.raises(MappingError, match="Employee \\+ 2"):
        rates_from_native(one_tier("1", "Employee + 2"))


@pytest.mark.parametrize(("raw", "cents"), [("0.125", "0.12"), ("0.135", "0.14"), ("512.245", "512.24"),
                                            ("512.255", "512.26"), ("1.0E2", "100.00"), ("7", "7.00")])
def test_doubles_are_rounded_half_even_to_cents(raw: str, cents: str) -> None:
    rates = rates_from_native(one_tier(raw, "Family"))
    assert rates is not None and rates.tiers[Tier.FAM] == Decimal(cents)


def test_a_non_numeric_value_num_names_the_field() -> None:
    with pytest.raises(MappingError) as caught:
        rates_from_native(one_tier("12,50", "Family"))
    assert caught.value.field == "Rate.rateFieldValues.valueNum"


def test_age_bands_come_from_start_interval_and_index() -> None:
    rates = rates_from_native({"ageBanded": "true", "ageBandedStartOn": "20", "ageBandedEndOn": "64",
                               "ageBandedInterval": "10", "rateFieldValues": [
                                   {"valueNum": "100", "ageBandIndex": "0"},
                                   {"valueNum": "150", "ageBandIndex": "1"},
                                   {"valueNum": "300", "ageBandIndex": "4"}]})
    assert rates is not None and rates.structure is RateStructure.AGE_BANDED
    assert [(b.min_age, b.max_age, b.rate) for b in rates.age_bands] == [
        (20, 29, Decimal("100.00")), (30, 39, Decimal("150.00")), (60, 64, Decimal("300.00"))]


def test_uneven_age_bands_are_written_at_a_finer_interval_and_read_back_whole() -> None:
    bands = (AgeBand(min_age=0, max_age=14, rate=1), AgeBand(min_age=15, max_age=29, rate=2),
             AgeBand(min_age=30, max_age=39, rate=3), AgeBand(min_age=40, max_age=64, rate=4))
    rates = Rates(structure=RateStructure.AGE_BANDED, age_bands=bands)
    native = rate_to_native(rates, product_id=1, existing=None)
    assert (native["ageBandedStartOn"], native["ageBandedEndOn"], native["ageBandedInterval"]) == (0, 64, 5)
    assert rates_from_native(through_xml(native)) == rates


@pytest.mark.parametrize(("raw", "expected"), [
    ("2026-01-01T00:00:00.000-05:00", date(2026, 1, 1)),
    ("2025-12-31T23:30:00.000-05:00", date(2025, 12, 31)),
    ("2026-01-01T02:00:00.000+09:00", date(2026, 1, 1)),
    ("2026-03-01T00:00:00Z", date(2026, 3, 1)),
    ("2026-03-01", date(2026, 3, 1)),
])
def test_a_plan_date_is_the_calendar_date_in_the_values_own_offset(raw: str, expected: date) -> None:
    assert plan_date({"effectiveAsOf": raw}, "effectiveAsOf", where="Product") == expected


def test_dates_are_written_at_midnight_with_an_offset() -> None:
    product, _, _ = to_native_plan(sample_plan())
    assert product["effectiveAsOf"] == "2026-01-01T00:00:00.000-05:00"


def test_status_product_type_carrier_and_group_number_map_both_ways() -> None:
    product, summary, rate = to_native_plan(sample_plan(status=PlanStatus.CANCELLED))
    assert (product["productStatus"], product["productTypeID"], product["carrierID"], product["policyNumber"]
            ) == ("Cancelled", "1", "101", "123-00")
    assert product["customFieldValues"] == [{"customFieldID": "9001", "valueText": "lnk"}]
    assert from_native({**product, "productStatus": "None_Selected"}, summary, rate).status is None
    assert NATIVE_STATUS[None] == "None_Selected"


def test_an_unknown_carrier_id_is_named() -> None:
    product, summary, rate = to_native_plan(sample_plan())
    with pytest.raises(MappingError, match="carrierID 999"):
        from_native({**product, "carrierID": "999"}, summary, rate)


def test_benefits_without_an_attribute_are_neither_written_nor_invented() -> None:
    plan = sample_plan(benefits={"deductible.individual": 1500, "hearing_aids": "covered"})
    product, summary, rate = to_native_plan(plan)
    assert [v["attributeID"] for v in summary["attributeValues"]] == ["1001"]
    assert from_native(product, summary, rate).benefits == {"deductible.individual": Decimal("1500.00")}


def test_empty_values_are_no_benefit_and_unmapped_attributes_are_kept_on_write() -> None:
    existing = {"productID": "1", "attributeValues": [
        {"attributeID": "1001", "attributeValueDetails": [{"value": "", "UOM": "Dollars"}]},
        {"attributeID": "777", "attributeValueDetails": [{"value": "keep", "UOM": "Text"}]}]}
    product, _, _ = to_native_plan(sample_plan())
    # An empty value is "not offered": the canonical plan has one form for it, no benefit.
    assert from_native(product, existing, None).benefits == {}
    product_type = CATALOGUE.by_id(1)
    assert product_type is not None
    written = summary_for(sample_plan(), product_type, product_id=1, existing=existing, catalogue=CATALOGUE)
    ids = [v["attributeID"] for v in written["attributeValues"]]
    assert "777" in ids and ids.count("1001") == 1


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e400", "-250"])
def test_a_bad_amount_read_from_benefitpoint_names_the_field(value: str) -> None:
    product_type = next(pt for pt in CATALOGUE.product_types if any(a.key == "deductible.individual"
                                                                  for a in pt.attributes))
    attribute = next(a for a in product_type.attributes if a.key == "deductible.individual")
    carrier_id = str(CROSSWALK.carriers[0].benefitpoint_id)
    product = {"productID": "1", "accountID": "48201", "productTypeID": str(product_type.id),
               "productStatus": "Current", "name": "Gold", "carrierID": carrier_id}
    summary = {"productID": "1", "attributeValues": [{"attributeID": str(attribute.attribute_id),
               "attributeValueDetails": [{"value": value, "UOM": attribute.uom, "benefitColumnID": "1"}]}]}
    with pytest.raises(MappingError, match=r"benefits\.deductible\.individual: .*" + value):
        from_native(product, summary, None)
