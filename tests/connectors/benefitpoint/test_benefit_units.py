"""Benefits BenefitPoint holds as numbers must be numbers; a product that changed type keeps no attribute
of its old type. Both without a server: the mapping alone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from config.crosswalk import load_crosswalk
from connectors.benefitpoint.benefits import summary_differs, summary_for
from connectors.benefitpoint.catalogue import Attribute, load_catalogue
from connectors.benefitpoint.mapping import product_for_create
from connectors.benefitpoint.units import amount_in_unit
from connectors.benefitpoint.values import MappingError
from reconciliation.plan import Coverage, Plan

CATALOGUE = load_catalogue()
MEDICAL, DENTAL = CATALOGUE.by_id(1), CATALOGUE.by_id(10)
ACCOUNT = {"accountID": "48201", "officeID": "11", "primarySalesLeadUserID": "5001",
           "primaryServiceLeadUserID": "6001"}
assert MEDICAL is not None and DENTAL is not None


def attribute(key: str) -> Attribute:
    assert MEDICAL is not None
    found = MEDICAL.attribute_for_key(key)
    assert found is not None
    return found


@pytest.mark.parametrize(("key", "raw", "expected"), [
    ("deductible.individual", "$1,500", "1500.00"), ("coinsurance", "20%", "20.00"),
    ("coinsurance", "100", "100.00"), ("coinsurance", Decimal("99.50"), "99.50"),
])
def test_amounts_as_benefitpoint_shows_them(key: str, raw: str | Decimal, expected: str) -> None:
    assert amount_in_unit(raw, attribute(key)) == Decimal(expected)


@pytest.mark.parametrize(("key", "raw", "message"), [
    ("deductible.individual", "abc", "benefits.deductible.individual: 'abc' is not an amount (Dollars)"),
    ("deductible.individual", "Included", "benefits.deductible.individual: 'Included' is not an amount"),
    ("deductible.individual", "-250", "benefits.deductible.individual: '-250' is a negative amount"),
    ("coinsurance", "lots", "benefits.coinsurance: 'lots' is not an amount (Percent)"),
    ("coinsurance", "150%", "benefits.coinsurance: '150%' is more than 100 percent"),
    ("coinsurance", Decimal("100.01"), "benefits.coinsurance: 100.01 is more than 100 percent"),
])
def test_what_is_no_amount_of_its_unit_is_named(key: str, raw: str | Decimal, message: str) -> None:
    with pytest.raises(MappingError, match="^" + message.replace("(", r"\(").replace(")", r"\)")) as caught:
        amount_in_unit(raw, attribute(key))
    assert caught.value.field == f"benefits.{key}"


def test_a_plan_with_text_in_an_amount_is_refused_before_any_record_is_built() -> None:
    plan = Plan(name="Gold", coverage=Coverage.MEDICAL, plan_type="ppo", carrier="aetna",
                effective_date=date(2026, 1, 1), benefits={"copays.specialist": "fifty", "rx.generic": "$10"})
    with pytest.raises(MappingError, match=r"benefits\.copays\.specialist: 'fifty'"):
        product_for_create(plan, account=ACCOUNT, link_field_id=9001, link_id="lnk", catalogue=CATALOGUE,
                           crosswalk=load_crosswalk())


def test_a_summary_of_the_old_type_keeps_only_attributes_no_table_maps() -> None:
    assert DENTAL is not None
    medical_summary = {"benefitSummaryID": "5", "productID": "1", "attributeValues": [
        {"attributeID": "1001", "attributeValueDetails": [{"value": "1500", "UOM": "Dollars"}]},
        {"attributeID": "777", "attributeValueDetails": [{"value": "keep", "UOM": "Text"}]}]}
    dental = Plan(name="Dental", coverage=Coverage.DENTAL, carrier="delta", benefits={"annual_max": 1500})
    written = summary_for(dental, DENTAL, product_id=1, existing=medical_summary, catalogue=CATALOGUE)
    assert [str(value["attributeID"]) for value in written["attributeValues"]] == ["777", "2003"]
    # Nothing of the dental plan is missing, yet the medical attribute alone makes the summary worth writing.
    settled = summary_for(dental, DENTAL, product_id=1, existing=written, catalogue=CATALOGUE)
    assert summary_differs(dental, DENTAL, summary=medical_summary, catalogue=CATALOGUE)
    assert not summary_differs(dental, DENTAL, summary=settled, catalogue=CATALOGUE)
    bare = dental.with_changes(benefits={})
    assert summary_differs(bare, DENTAL, summary={"attributeValues": medical_summary["attributeValues"][:1]},
                           catalogue=CATALOGUE)
