"""Discovery over real HTTP: each instance's own catalogue, its draft, plans read and written with it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.benefitpoint import BenefitPointConnector
from connectors.benefitpoint.catalogue import load_catalogue
from connectors.benefitpoint.catalogue_mapping import default_mapping, tables_of
from connectors.errors import BadResponse, ValidationFailed
from connectors.sandbox.benefitpoint.app import create_app
from connectors.sandbox.demo_world import EMPLOYERS, seed_plans
from connectors.sandbox.server import ServerThread
from reconciliation.catalogue_draft import draft
from reconciliation.catalogue_file import read_mapping_file
from reconciliation.plan import Coverage
from tests.connectors.benefitpoint.fakes import ScriptedBenefitPoint, connector_for, response

FAST_RETRY = {"max_attempts": 2, "base_s": 0.005, "cap_s": 0.02, "max_total_s": 5.0}


def _serve(instance: str) -> Iterator[str]:
    server = ServerThread(create_app(seed=0, instance=instance)).start()
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def second_url() -> Iterator[str]:
    yield from _serve("second")


@pytest.fixture(scope="module")
def default_url() -> Iterator[str]:
    yield from _serve("default")


def _connector(url: str, **options: object) -> BenefitPointConnector:
    return BenefitPointConnector(base_url=url, username="sandbox", password="sandbox", retry=FAST_RETRY,
                                 **options)  # type: ignore[arg-type]


def test_discovery_reads_the_instance_s_own_ids_and_descriptions(second_url: str) -> None:
    steps: list[tuple[int, int]] = []
    live = _connector(second_url).discover_catalogue(on_step=lambda done, total: steps.append((done, total)))
    total = len(live.product_types)
    assert steps == [(done, total) for done in range(1, total + 1)]  # the progress a terminal draws
    types = {t.id: t for t in live.product_types}
    assert (types[5101].description, types[5101].line_of_coverage) == ("Medical PPO", "Medical")
    assert {(a.id, a.description, a.uom) for a in types[5101].attributes} >= {
        (61001, "Deductible (Individual)", "Dollars"), (61005, "Coinsurance", "Percent")}
    assert {(c.id, c.name) for c in live.carriers} >= {(7102, "Anthem Blue Cross"), (7999, "Humana")}


def test_the_default_instance_is_discovered_whole_from_the_shipped_tables(default_url: str) -> None:
    found = draft(_connector(default_url).discover_catalogue(), default_mapping(), agency="acme")
    assert found.mapping.unmapped_count == 0
    catalogue, crosswalk = tables_of(found.mapping, agency="acme")
    shipped = {t.id: (t.coverage, t.plan_type, t.attributes) for t in load_catalogue().product_types}
    assert {t.id: (t.coverage, t.plan_type, t.attributes) for t in catalogue.product_types} == shipped
    assert {c.code: c.benefitpoint_id for c in crosswalk.carriers} == {c.code: c.id
                                                                       for c in default_mapping().carriers}


def test_the_second_instance_s_draft_maps_exact_descriptions_only(second_url: str) -> None:
    mapping = draft(_connector(second_url).discover_catalogue(), default_mapping(), agency="acme").mapping
    mapped = {t.id: (t.coverage, t.plan_type) for t in mapping.product_types}
    # Case and spaces aside: "MEDICAL - HMO", "Medical -  HDHP", "dental"; never "Medical PPO".
    assert mapped[5102] == (Coverage.MEDICAL, "hmo") and mapped[5103] == (Coverage.MEDICAL, "hdhp")
    assert mapped[5201] == (Coverage.DENTAL, None)
    assert {u.id for u in mapping.unmapped_types} == {5101, 5301, 5502}
    assert {(c.id, c.code) for c in mapping.carriers} >= {(7101, "AETNA"), (7103, "CIGNA"), (7104, "UHC")}
    assert {u.id for u in mapping.unmapped_carriers} == {7102, 7105, 7202, 7999}
    hmo = next(t for t in mapping.product_types if t.id == 5102)
    keys = {a.id: a.key for a in hmo.attributes}
    assert keys[61002] == "deductible.family" and keys[61020] == "rx.generic"
    assert 61001 not in keys and 61010 not in keys


@pytest.fixture(scope="module")
def as_drafted(second_url: str) -> BenefitPointConnector:
    """A connector with the draft applied as discovered: what it leaves unmapped is unmapped."""
    live = _connector(second_url).discover_catalogue()
    mapping = read_mapping_file(draft(live, default_mapping(), agency="acme").text, live)
    catalogue, crosswalk = tables_of(mapping, agency="acme")
    return _connector(second_url, catalogue=catalogue, crosswalk=crosswalk)


FIX = ("map it in agency acme's catalogue (plansync catalogue discover --agency acme --out FILE, "
       "complete FILE, then plansync catalogue apply --agency acme FILE)")


def test_a_plan_of_an_unmapped_type_names_the_id_its_description_and_the_fix(
        as_drafted: BenefitPointConnector) -> None:
    plans = as_drafted.list_plans(str(EMPLOYERS[0].benefitpoint_account_id))
    problems = " | ".join(p.problem or "" for p in plans)
    assert f"product type 5101 (Medical PPO) is not mapped: {FIX}" in problems
    assert f"product type 5301 (Vision Plan) is not mapped: {FIX}" in problems


def test_a_plan_of_an_unmapped_carrier_names_the_id_its_name_and_the_fix(
        as_drafted: BenefitPointConnector) -> None:
    employer = next(e for e in EMPLOYERS for s in seed_plans(e) if s.key == "dental" and s.benefitpoint
                    and s.benefitpoint.carrier.upper() == "GUARDIAN")
    plans = as_drafted.list_plans(str(employer.benefitpoint_account_id))
    expected = (f"BenefitPoint carrierID 7202 (The Guardian Life Insurance Company) is not in the crosswalk: "
                f"{FIX}")
    assert any(expected in (p.problem or "") for p in plans), [p.problem for p in plans]


def test_writing_a_plan_of_an_unmapped_carrier_is_refused_naming_the_fix(
        as_drafted: BenefitPointConnector) -> None:
    plan = next(s.perfectquote for s in seed_plans(EMPLOYERS[0]) if s.key == "hdhp")
    assert plan is not None
    with pytest.raises(ValidationFailed, match="carrier code 'humana' is not in the crosswalk: map it in"):
        as_drafted.create_plan(str(EMPLOYERS[0].benefitpoint_account_id), plan.with_changes(carrier="humana"),
                               link_id="lnk-humana")


TYPES = response("getProductTypes", "<ProductType><productTypeID>5101</productTypeID><description>Medical PPO"
                 "</description><lineOfCoverage>Medical</lineOfCoverage></ProductType>", qualified=True)
CARRIERS = response("getAvailableCarriers", "<CarrierSummary><carrierID>7101</carrierID>"
                    "<carrierName>AETNA</carrierName></CarrierSummary>")


def test_discovery_reads_qualified_answers_and_asks_each_type_s_structure_by_its_id() -> None:
    structure = response("getBenefitSummaryStructure", "<BenefitAttribute><attributeID>61001</attributeID>"
                         "<description>Deductible</description><UOM>Dollars</UOM></BenefitAttribute>",
                         qualified=True)
    fake = ScriptedBenefitPoint().script("getProductTypes", (200, TYPES)).script(
        "getBenefitSummaryStructure", (200, structure)).script("getAvailableCarriers", (200, CARRIERS))
    live = connector_for(fake).discover_catalogue()
    assert [(a.id, a.uom) for a in live.product_types[0].attributes] == [(61001, "Dollars")]
    assert [c.name for c in live.carriers] == ["AETNA"]
    [(_, asked)] = [r for r in fake.requests if r[0] == "getBenefitSummaryStructure"]
    assert b"<planTypeID>5101</planTypeID>" in asked


def test_a_structure_with_a_malformed_attribute_id_is_a_bad_response_naming_it() -> None:
    structure = response("getBenefitSummaryStructure", "<BenefitAttribute><attributeID>six</attributeID>"
                         "<description>Deductible</description><UOM>Dollars</UOM></BenefitAttribute>")
    fake = ScriptedBenefitPoint().script("getProductTypes", (200, TYPES)).script(
        "getBenefitSummaryStructure", (200, structure)).script("getAvailableCarriers", (200, CARRIERS))
    with pytest.raises(BadResponse, match=r"getBenefitSummaryStructure.*attributeID: 'six'"):
        connector_for(fake).discover_catalogue()
