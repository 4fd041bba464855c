"""The answer shape of each read operation, against the seeded demo world."""

from __future__ import annotations

import tomllib
from importlib import resources

import httpx

from config.crosswalk import load_crosswalk
from connectors.sandbox.demo_world import EMPLOYERS, seed_plans
from tests.sandbox.benefitpoint.soap_client import BC, answer, call, children, fault, text

ACME = EMPLOYERS[0]


def _items(response: httpx.Response, operation: str, item: str) -> list:  # type: ignore[type-arg]
    assert response.status_code == 200, response.text
    element = answer(response, operation)
    assert set(children(element)) <= {item}, children(element)
    return list(element)


def _product_ids(client: httpx.Client, session: str, account_id: int, since: str = "") -> list[int]:
    criterion = f"<sinceLastModifiedOn>{since}</sinceLastModifiedOn>" if since else ""
    response = call(client, "findProducts", f"<criteria><accountID>{account_id}</accountID>{criterion}"
                    "</criteria>", session=session)
    return [int(text(item, "productID")) for item in _items(response, "findProducts", "ProductSummary")]


def test_find_accounts_with_empty_criteria_returns_every_account(client: httpx.Client, session: str) -> None:
    items = _items(call(client, "findAccounts", "<criteria/>", session=session), "findAccounts",
                   "AccountSummary")
    names = {text(item, "accountName") for item in items}
    assert {employer.name for employer in EMPLOYERS} < names
    assert len(names) > len(EMPLOYERS)


def test_find_accounts_matches_a_name_substring(client: httpx.Client, session: str) -> None:
    criteria = "<criteria><accountNameMatch>harbor</accountNameMatch></criteria>"
    response = call(client, "findAccounts", criteria, session=session)
    names = sorted(text(item, "accountName") for item in _items(response, "findAccounts", "AccountSummary"))
    assert names == ["Blue Harbor Logistics", "Harborview Family Clinic"]


def test_find_accounts_filters_on_active(client: httpx.Client, session: str) -> None:
    response = call(client, "findAccounts", "<criteria><active>false</active></criteria>", session=session)
    items = _items(response, "findAccounts", "AccountSummary")
    assert items and {text(item, "active") for item in items} == {"false"}


def test_get_account_carries_the_office_and_leads(client: httpx.Client, session: str) -> None:
    account = answer(call(client, "getAccount", f"<accountID>{ACME.benefitpoint_account_id}</accountID>",
                          session=session), "getAccount").find("Account")
    assert account is not None
    assert text(account, "accountName") == ACME.name
    for field in ("officeID", "primarySalesLeadUserID", "primaryServiceLeadUserID"):
        assert int(text(account, field)) > 0


def test_get_account_of_an_unknown_id_is_a_validation_fault(client: httpx.Client, session: str) -> None:
    code, message = fault(call(client, "getAccount", "<accountID>1</accountID>", session=session))
    assert code == "soapenv:Client" and message.startswith("Validation_Error")


def test_carriers_are_those_of_the_crosswalk(client: httpx.Client, session: str) -> None:
    items = _items(call(client, "getAvailableCarriers", session=session), "getAvailableCarriers",
                   "CarrierSummary")
    assert {(int(text(item, "carrierID")), text(item, "carrierName")) for item in items} == {
        (carrier.benefitpoint_id, carrier.name) for carrier in load_crosswalk().carriers}


def test_product_types_are_those_of_the_config(client: httpx.Client, session: str) -> None:
    config = tomllib.loads(resources.files("config").joinpath("benefitpoint_product_types.toml").read_text())
    items = _items(call(client, "getProductTypes", session=session), "getProductTypes", "ProductType")
    assert {int(text(item, "productTypeID")): text(item, "description") for item in items} == {
        entry["id"]: entry["description"] for entry in config["product_type"]}
    assert all(text(item, "lineOfCoverage") for item in items)


def test_find_products_lists_the_benefitpoint_side_of_the_demo_world(client: httpx.Client,
                                                                     session: str) -> None:
    expected = sorted(entry.benefitpoint.name for entry in seed_plans(ACME) if entry.benefitpoint)
    response = call(client, "findProducts", f"<criteria><accountID>{ACME.benefitpoint_account_id}</accountID>"
                    "</criteria>", session=session)
    items = _items(response, "findProducts", "ProductSummary")
    assert sorted(text(item, "name") for item in items) == expected
    for item in items:
        assert text(item, "productStatus") == "Current"
        assert text(item, "effectiveAsOf") == "2026-01-01T00:00:00.000-05:00"
        assert text(item, "productTypeDescription") and text(item, "carrierName")


def test_find_products_since_a_time_returns_only_later_changes(client: httpx.Client, session: str) -> None:
    product_ids = _product_ids(client, session, ACME.benefitpoint_account_id)
    product = answer(call(client, "getProduct", f"<productID>{product_ids[-1]}</productID>", session=session),
                     "getProduct").find("Product")
    assert product is not None
    assert _product_ids(client, session, ACME.benefitpoint_account_id,
                        since=text(product, "lastModifiedOn")) == [product_ids[-1]]


def test_get_product_is_wrapped_in_a_product_element(client: httpx.Client, session: str) -> None:
    product_id = _product_ids(client, session, ACME.benefitpoint_account_id)[0]
    element = answer(call(client, "getProduct", f"<productID>{product_id}</productID>", session=session),
                     "getProduct")
    assert children(element) == ["Product"]
    product = element[0]
    assert int(text(product, "accountID")) == ACME.benefitpoint_account_id
    assert text(product, "lastModifiedOn").endswith("-05:00")
    assert text(product, "policyNumber")


def test_benefit_summaries_carry_attribute_values(client: httpx.Client, session: str) -> None:
    dental = next(entry.benefitpoint for entry in seed_plans(ACME) if entry.key == "dental")
    by_name = {}
    for product_id in _product_ids(client, session, ACME.benefitpoint_account_id):
        product = answer(call(client, "getProduct", f"<productID>{product_id}</productID>", session=session),
                         "getProduct")[0]
        by_name[text(product, "name")] = product_id
    criteria = f"<criteria><productID>{by_name[dental.name]}</productID></criteria>"
    listed = _items(call(client, "findBenefitSummaries", criteria, session=session),
                    "findBenefitSummaries", "BenefitSummaryDescription")
    summary_id = text(listed[0], "benefitSummaryID")
    summary = answer(call(client, "getBenefitSummary", f"<benefitSummaryID>{summary_id}</benefitSummaryID>",
                          session=session), "getBenefitSummary").find("BenefitSummary")
    assert summary is not None
    values = {int(text(value, "attributeID")): value.find("attributeValueDetails")
              for value in summary.findall("attributeValues")}
    annual_max = values[2003]
    assert annual_max is not None
    assert text(annual_max, "value") == f"{dental.benefits['annual_max']:.0f}"
    assert (text(annual_max, "UOM"), text(annual_max, "benefitColumnID")) == ("Dollars", "1")


def test_benefit_summary_structure_lists_the_attributes_of_a_type(client: httpx.Client, session: str) -> None:
    items = _items(call(client, "getBenefitSummaryStructure", "<planTypeID>10</planTypeID>", session=session),
                   "getBenefitSummaryStructure", "BenefitAttribute")
    by_id = {int(text(item, "attributeID")): text(item, "UOM") for item in items}
    assert by_id[2003] == "Dollars" and by_id[2007] == "Text"
    unknown = call(client, "getBenefitSummaryStructure", "<planTypeID>555</planTypeID>", session=session)
    assert "Validation_Error" in fault(unknown)[1]


def test_rates_are_composite_tiers_with_double_values(client: httpx.Client, session: str) -> None:
    product_ids = _product_ids(client, session, ACME.benefitpoint_account_id)
    listed = [_items(call(client, "findRates", f"<rateSearchCriteria><productID>{product_id}</productID>"
                          "</rateSearchCriteria>", session=session), "findRates", "RateSummary")
              for product_id in product_ids]
    with_rates = [items for items in listed if items]
    assert len(with_rates) == 2, "dental and vision have rates, the PPO copy has none"
    rate_id = text(with_rates[0][0], "rateID")
    response = call(client, "getRate", f"<rateID>{rate_id}</rateID>", session=session)
    rate = answer(response, "getRate").find("Rate")
    assert rate is not None
    tiers = [text(value, "rateTier/description") for value in rate.findall("rateFieldValues")]
    assert tiers == ["Employee Only", "Employee + Spouse", "Employee + Child(ren)", "Family"]
    assert all(float(text(value, "valueNum")) > 0 for value in rate.findall("rateFieldValues"))
    assert text(rate, "ageBanded") == "false"


def test_the_operation_element_is_in_the_bc_namespace(client: httpx.Client, session: str) -> None:
    response = call(client, "getProductTypes", session=session)
    assert f'xmlns:bc="{BC}"'.encode() in response.content
    assert b"<bc:getProductTypesResponse>" in response.content
