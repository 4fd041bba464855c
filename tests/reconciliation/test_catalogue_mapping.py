"""A catalogue mapping: the draft matches exactly or not at all, the file is checked entry by entry."""

from __future__ import annotations

import tomllib

import pytest

from reconciliation.catalogue_draft import draft, matched_mapping
from reconciliation.catalogue_file import CatalogueFileError, read_mapping_file
from reconciliation.catalogue_mapping import (
    CatalogueMapping,
    LiveAttribute,
    LiveCarrier,
    LiveCatalogue,
    LiveProductType,
    MappedAttribute,
    MappedCarrier,
    MappedType,
    from_json,
    to_json,
)
from reconciliation.plan import Coverage

DEFAULTS = CatalogueMapping(
    product_types=(
        MappedType(id=1, description="Medical - PPO", coverage=Coverage.MEDICAL, plan_type="ppo", attributes=(
            MappedAttribute(id=1001, description="Deductible - Individual", key="deductible.individual",
                            uom="Dollars"),
            MappedAttribute(id=1005, description="Coinsurance", key="coinsurance", uom="Percent"))),
        MappedType(id=10, description="Dental", coverage=Coverage.DENTAL, plan_type=None, attributes=()),
    ),
    carriers=(MappedCarrier(id=101, name="Aetna", code="AETNA"),
              MappedCarrier(id=102, name="Blue Cross Blue Shield", code="BCBS")),
)
LIVE = LiveCatalogue(
    product_types=(
        LiveProductType(id=5101, description="medical  -  ppo", line_of_coverage="Medical", attributes=(
            LiveAttribute(id=61001, description="DEDUCTIBLE - INDIVIDUAL", uom="Dollars"),
            LiveAttribute(id=61005, description="Coinsurance", uom="Text"),
            LiveAttribute(id=61009, description="Chiropractic", uom="Visits"))),
        LiveProductType(id=5102, description="Medical PPO", line_of_coverage="Medical", attributes=()),
        LiveProductType(id=5201, description="Dental Plan", line_of_coverage="Dental", attributes=(
            LiveAttribute(id=62001, description="Annual Maximum", uom="Dollars"),)),
    ),
    carriers=(LiveCarrier(id=7101, name="AETNA"), LiveCarrier(id=7102, name="Anthem Blue Cross"),
              LiveCarrier(id=7103, name="aetna")),
)
GOOD = """
carriers = [
  { id = 7101, name = "AETNA", code = "aetna" },
  { id = 7102, name = "Anthem Blue Cross", code = "BCBS" },
]

[[product_type]]
id = 5101
description = "medical - ppo"
coverage = "medical"
plan_type = "ppo"
attributes = [
  { id = 61001, key = "deductible.individual", uom = "Dollars", description = "x" },
  { id = 61005, key = "coinsurance", uom = "Text" },
]

[[product_type]]
id = 5201
coverage = "dental"
attributes = [{ id = 62001, key = "annual_max", uom = "Dollars" }]
"""


def test_the_draft_fills_in_exact_matches_only_case_and_spaces_aside() -> None:
    mapping = matched_mapping(LIVE, DEFAULTS)
    assert [(t.id, t.coverage, t.plan_type) for t in mapping.product_types] == [
        (5101, Coverage.MEDICAL, "ppo")]
    # "Medical PPO" is not "Medical - PPO", and "Dental Plan" is not "Dental": never a guess.
    assert [(u.id, u.description) for u in mapping.unmapped_types] == [
        (5102, "Medical PPO"), (5201, "Dental Plan")]
    assert [(a.id, a.key) for a in mapping.product_types[0].attributes] == [(61001, "deductible.individual")]
    # Same words in another unit is another thing: left for the operator, as is what no default names.
    assert {u.id for u in mapping.unmapped_attributes} == {61005, 61009}
    # A default carrier is given to the first instance carrier of its name only.
    assert [(c.id, c.code) for c in mapping.carriers] == [(7101, "AETNA")]
    assert [u.id for u in mapping.unmapped_carriers] == [7102, 7103]


def test_the_draft_is_toml_listing_every_id_with_the_unmapped_commented() -> None:
    text = draft(LIVE, DEFAULTS, agency="acme").text
    document = tomllib.loads(text)
    assert [t["id"] for t in document["product_type"]] == [5101]
    assert document["product_type"][0]["attributes"] == [
        {"id": 61001, "key": "deductible.individual", "uom": "Dollars",
         "description": "DEDUCTIBLE - INDIVIDUAL"}]
    assert document["carriers"] == [{"id": 7101, "name": "AETNA", "code": "AETNA"}]
    for unmapped in ("5102", "Medical PPO", "62001", "Annual Maximum", "61009", "Chiropractic", "7102",
                     "Anthem Blue Cross"):
        assert unmapped in text
    assert "plansync catalogue apply --agency acme" in text


def test_the_draft_as_written_applies_and_lists_what_it_left_out() -> None:
    mapping = read_mapping_file(draft(LIVE, DEFAULTS, agency="acme").text, LIVE)
    assert mapping == matched_mapping(LIVE, DEFAULTS)


def test_a_description_with_quotes_and_newlines_stays_one_toml_string() -> None:
    odd = LiveCatalogue(product_types=(), carriers=(LiveCarrier(id=1, name='Say "hi"\nnow\\ \x7f'),))
    assert "#  { id = 1" in draft(odd, DEFAULTS, agency="acme").text
    uncommented = draft(odd, DEFAULTS, agency="acme").text.replace("#  { id = 1", "  { id = 1")
    assert tomllib.loads(uncommented)["carriers"][0]["name"] == 'Say "hi"\nnow\\ \x7f'


def test_a_good_file_maps_what_it_names_and_records_the_rest_as_unmapped() -> None:
    mapping = read_mapping_file(GOOD, LIVE)
    assert [(c.id, c.code) for c in mapping.carriers] == [(7101, "AETNA"), (7102, "BCBS")]
    assert [(t.id, t.coverage.value, t.plan_type) for t in mapping.product_types] == [
        (5101, "medical", "ppo"), (5201, "dental", None)]
    # The instance's descriptions are kept, not the file's.
    assert mapping.product_types[0].attributes[0].description == "DEDUCTIBLE - INDIVIDUAL"
    assert [u.id for u in mapping.unmapped_types] == [5102]
    assert [u.id for u in mapping.unmapped_carriers] == [7103]
    assert [(u.product_type_id, u.id) for u in mapping.unmapped_attributes] == [(5101, 61009)]
    assert from_json(to_json(mapping)) == mapping


def test_the_canonical_json_is_the_same_text_for_the_same_mapping() -> None:
    mapping = read_mapping_file(GOOD, LIVE)
    reordered = CatalogueMapping(product_types=mapping.product_types[::-1], carriers=mapping.carriers[::-1],
                                 unmapped_types=mapping.unmapped_types,
                                 unmapped_carriers=mapping.unmapped_carriers,
                                 unmapped_attributes=mapping.unmapped_attributes)
    assert to_json(reordered) == to_json(mapping)


BAD = {
    "an unknown product type id": (
        ('id = 5101\ndescription = "medical - ppo"', 'id = 5999\ndescription = "medical - ppo"'),
        "product_type 5999: this BenefitPoint lists no product type 5999"),
    "a product type twice": (
        ("[[product_type]]\nid = 5201", "[[product_type]]\nid = 5101\ncoverage = \"medical\"\n"
                                        "[[product_type]]\nid = 5201"),
        "product_type 5101 (medical  -  ppo) appears twice"),
    "two types for one coverage and plan type": (
        ("[[product_type]]\nid = 5201",
         '[[product_type]]\nid = 5102\ncoverage = "medical"\nplan_type = "PPO"\n[[product_type]]\nid = 5201'),
        "product_type 5102 (Medical PPO) maps to medical/ppo as product_type 5101 does"),
    "a type without a coverage": (('coverage = "dental"', 'coverage = ""'),
                                  "product_type 5201 (Dental Plan) has no coverage"),
    "an unknown coverage": (('coverage = "dental"', 'coverage = "teeth"'),
                            "product_type 5201 (Dental Plan): coverage 'teeth' is not one of"),
    "an unknown attribute id": (
        ("id = 62001,", "id = 62999,"),
        "product_type 5201 (Dental Plan): attribute 62999 is not in the product type's"),
    "an attribute twice": (
        ('{ id = 61005, key = "coinsurance", uom = "Text" },',
         '{ id = 61005, key = "coinsurance", uom = "Text" }, { id = 61005, key = "x", uom = "Text" },'),
        "product_type 5101 (medical  -  ppo): attribute 61005 (Coinsurance) appears twice"),
    "a benefit key mapped twice": (
        ('key = "coinsurance"', 'key = "deductible.individual"'),
        "attribute 61005 (Coinsurance): benefit key 'deductible.individual' is mapped twice "
        "(attribute 61001"),
    "an attribute without a key": (('key = "annual_max"', 'key = ""'),
                                   "attribute 62001 (Annual Maximum) has no benefit key"),
    "a malformed key": (('key = "annual_max"', 'key = "annual max!"'),
                        "key 'annual max!' is not a benefit key"),
    "a wrong unit of measure": (
        ('key = "annual_max", uom = "Dollars"', 'key = "annual_max", uom = "Percent"'),
        "attribute 62001 (Annual Maximum) has uom 'Percent', but BenefitPoint holds it in Dollars"),
    "no unit of measure": (
        ('key = "annual_max", uom = "Dollars"', 'key = "annual_max"'),
        "attribute 62001 (Annual Maximum) has no uom, but BenefitPoint holds it in Dollars"),
    "an unknown carrier id": (("id = 7101,", "id = 7999,"),
                              "carrier 7999: this BenefitPoint lists no carrier"),
    "a carrier twice": (('{ id = 7102, name = "Anthem Blue Cross", code = "BCBS" },',
                         '{ id = 7101, name = "AETNA", code = "X" },'), "carrier 7101 (AETNA) appears twice"),
    "a carrier missing its PerfectQuote code": (('code = "BCBS"', 'code = ""'),
                                                "carrier 7102 (Anthem Blue Cross) has no PerfectQuote code"),
    "a PerfectQuote code twice": (('code = "BCBS"', 'code = "AETNA"'),
                                  "carrier 7102 (Anthem Blue Cross): PerfectQuote code 'AETNA' is given to "
                                  "carrier 7101 too"),
    "an unknown field": (('code = "BCBS"', 'code = "BCBS", cod = "X"'),
                         "carrier 7102 (Anthem Blue Cross): unknown field 'cod'"),
    "an id that is not a number": (("id = 7101,", 'id = "7101",'),
                                   "carrier #1: id '7101' is not a whole number"),
    "not TOML": (("[[product_type]]\nid = 5101", "[[product_type]\nid = 5101"), "is not valid TOML"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_file_is_refused_naming_the_entry(case: str) -> None:
    (old, new), expected = BAD[case]
    assert GOOD.count(old) == 1, f"{case}: the edit does not apply"
    with pytest.raises(CatalogueFileError) as refused:
        read_mapping_file(GOOD.replace(old, new), LIVE, source="acme.toml")
    assert expected in str(refused.value)
    assert str(refused.value).endswith("nothing was stored")
    assert len(refused.value.problems) == 1, refused.value.problems


def test_an_attribute_in_a_unit_plansync_does_not_know_is_refused() -> None:
    attribute = LiveAttribute(id=62001, description="Max", uom="Copay")
    dental = LiveProductType(id=5201, description="Dental", line_of_coverage=None, attributes=(attribute,))
    odd = LiveCatalogue(product_types=(dental,), carriers=LIVE.carriers)
    text = ('[[product_type]]\nid = 5201\ncoverage = "dental"\n'
            'attributes = [{ id = 62001, key = "x", uom = "Copay" }]')
    with pytest.raises(CatalogueFileError, match="holds it in 'Copay', which is none of Dollars"):
        read_mapping_file(text, odd)


def test_every_problem_of_a_file_is_named_at_once() -> None:
    bad = GOOD.replace('code = "BCBS"', 'code = ""').replace('coverage = "dental"', 'coverage = "teeth"')
    with pytest.raises(CatalogueFileError) as refused:
        read_mapping_file(bad, LIVE)
    assert len(refused.value.problems) == 2
    assert str(refused.value).startswith("the mapping has 2 problems: ")
