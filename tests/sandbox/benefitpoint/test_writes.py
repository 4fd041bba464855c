"""createX / updateX: Result answers, validation errors, whole-record replacement."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import httpx

from connectors.sandbox.demo_world import EMPLOYERS
from tests.sandbox.benefitpoint.soap_client import answer, call, text

ACCOUNT = EMPLOYERS[0].benefitpoint_account_id
LINK_FIELD = 9001


def _product_xml(*, product_id: int | None = None, name: str | None = "Silver HMO", carrier_id: int = 101,
                 product_type_id: int = 2, office_id: int | None = 11, custom: str | None = "link-1",
                 policy: str | None = "G-1") -> str:
    parts = [f"<productID>{product_id}</productID>" if product_id else "",
             f"<accountID>{ACCOUNT}</accountID><productTypeID>{product_type_id}</productTypeID>",
             "<productStatus>Current</productStatus>",
             f"<name>{name}</name>" if name is not None else "",
             f"<carrierID>{carrier_id}</carrierID>",
             f"<policyNumber>{policy}</policyNumber>" if policy else "",
             "<effectiveAsOf>2026-01-01T00:00:00.000-05:00</effectiveAsOf>",
             f"<officeID>{office_id}</officeID>" if office_id else "",
             "<primarySalesLeadUserID>5001</primarySalesLeadUserID>",
             "<primaryServiceLeadUserID>6001</primaryServiceLeadUserID>",
             (f"<customFieldValues><customFieldID>{LINK_FIELD}</customFieldID><valueText>{custom}</valueText>"
              "</customFieldValues>") if custom else ""]
    return "".join(parts)


def _result(response: httpx.Response, operation: str) -> Element:
    assert response.status_code == 200, response.text
    result = answer(response, operation).find("Result")
    assert result is not None
    return result


def _create_product(client: httpx.Client, session: str, **fields: object) -> Element:
    body = (f"<product>{_product_xml(**fields)}</product>"  # type: ignore[arg-type]
            "<planConfigurationOptions><attributeValueOptions>None</attributeValueOptions>"
            "</planConfigurationOptions>")
    return _result(call(client, "createProduct", body, session=session), "createProduct")


def _get(client: httpx.Client, session: str, operation: str, id_field: str, entity_id: str) -> Element:
    element = answer(call(client, operation, f"<{id_field}>{entity_id}</{id_field}>", session=session),
                     operation)
    return element[0]


def _errors(result: Element) -> list[tuple[str, str]]:
    assert text(result, "success") == "false"
    return [(text(error, "errorCode"), text(error, "message")) for error in result.findall("errors")]


def test_create_product_answers_the_new_id(client: httpx.Client, session: str) -> None:
    result = _create_product(client, session)
    assert text(result, "success") == "true"
    product = _get(client, session, "getProduct", "productID", text(result, "ID"))
    assert (text(product, "name"), text(product, "carrierID"), text(product, "policyNumber")) == (
        "Silver HMO", "101", "G-1")
    assert text(product, "customFieldValues/valueText") == "link-1"


def test_invalid_products_get_validation_errors_in_the_result(client: httpx.Client, session: str) -> None:
    cases = {
        "Product.name is required": {"name": None},
        "Product.carrierID 999 is not a known carrier": {"carrier_id": 999},
        "Product.productTypeID 555 is not a known product type": {"product_type_id": 555},
        "Product.officeID is required": {"office_id": None},
    }
    before = len(answer(call(client, "findProducts", f"<criteria><accountID>{ACCOUNT}</accountID></criteria>",
                             session=session), "findProducts"))
    for message, fields in cases.items():
        assert _errors(_create_product(client, session, **fields)) == [("Validation_Error", message)]
    after = answer(call(client, "findProducts", f"<criteria><accountID>{ACCOUNT}</accountID></criteria>",
                        session=session), "findProducts")
    assert len(after) == before


def test_update_product_replaces_the_whole_record(client: httpx.Client, session: str) -> None:
    product_id = int(text(_create_product(client, session), "ID"))
    fields = _product_xml(product_id=product_id, name="Silver HMO 2", custom=None, policy=None)
    update = f"<update>{fields}</update>"
    assert text(_result(call(client, "updateProduct", update, session=session), "updateProduct"),
                "success") == "true"
    product = _get(client, session, "getProduct", "productID", str(product_id))
    assert text(product, "name") == "Silver HMO 2"
    assert product.find("customFieldValues") is None
    assert product.find("policyNumber") is None


def test_update_of_an_unknown_product_is_a_validation_error(client: httpx.Client, session: str) -> None:
    update = f"<update>{_product_xml(product_id=123)}</update>"
    errors = _errors(_result(call(client, "updateProduct", update, session=session), "updateProduct"))
    assert errors == [("Validation_Error", "Product.productID 123 does not name an existing Product")]


def _summary_xml(product_id: str, attribute_id: int, value: str, summary_id: str = "") -> str:
    identity = f"<benefitSummaryID>{summary_id}</benefitSummaryID>" if summary_id else ""
    return (f"<benefitSummary>{identity}<productID>{product_id}</productID><description>Summary</description>"
            f"<viewLevelID>1</viewLevelID><attributeValues><attributeID>{attribute_id}</attributeID>"
            "<attributeVisibility>Visible</attributeVisibility><attributeValueDetails>"
            f"<value>{value}</value><UOM>Dollars</UOM><benefitColumnID>1</benefitColumnID>"
            "</attributeValueDetails></attributeValues></benefitSummary>")


def test_benefit_summaries_are_created_and_replaced(client: httpx.Client, session: str) -> None:
    product_id = text(_create_product(client, session), "ID")
    created = _result(call(client, "createBenefitSummary", _summary_xml(product_id, 1001, "500"),
                           session=session), "createBenefitSummary")
    summary_id = text(created, "ID")
    updated = _result(call(client, "updateBenefitSummary", _summary_xml(product_id, 1002, "1000", summary_id),
                           session=session), "updateBenefitSummary")
    assert text(updated, "success") == "true"
    summary = _get(client, session, "getBenefitSummary", "benefitSummaryID", summary_id)
    assert [text(value, "attributeID") for value in summary.findall("attributeValues")] == ["1002"]


def test_an_attribute_of_another_product_type_is_refused(client: httpx.Client, session: str) -> None:
    product_id = text(_create_product(client, session), "ID")
    result = _result(call(client, "createBenefitSummary", _summary_xml(product_id, 2003, "1500"),
                          session=session), "createBenefitSummary")
    assert "attributeID 2003 is not an attribute of product type 2" in _errors(result)[0][1]


def _rate_xml(product_id: str, values: str, *, banded: str = "", rate_id: str = "") -> str:
    identity = f"<rateID>{rate_id}</rateID>" if rate_id else ""
    return (f"<rate>{identity}<productID>{product_id}</productID><description>Rates</description>"
            f"<rateTypeID>1</rateTypeID><rateTypeTierID>4</rateTypeTierID>{banded}{values}</rate>")


def _tier(description: str, amount: float) -> str:
    return (f"<rateFieldValues><rateField>Premium</rateField><valueNum>{amount}</valueNum>"
            f"<rateTier><rateTierID>1</rateTierID><description>{description}</description></rateTier>"
            "</rateFieldValues>")


def _band(index: int, amount: float) -> str:
    return (f"<rateFieldValues><rateField>Premium</rateField><valueNum>{amount}</valueNum>"
            f"<ageBandIndex>{index}</ageBandIndex></rateFieldValues>")


def test_rates_are_created_and_updated(client: httpx.Client, session: str) -> None:
    product_id = text(_create_product(client, session), "ID")
    rate_id = text(_result(call(client, "createRate", _rate_xml(product_id, _tier("Employee Only", 512.25)),
                                session=session), "createRate"), "ID")
    banded = ("<ageBanded>true</ageBanded><ageBandedStartOn>20</ageBandedStartOn>"
              "<ageBandedEndOn>39</ageBandedEndOn><ageBandedInterval>10</ageBandedInterval>")
    update = _rate_xml(product_id, _band(0, 200.5) + _band(1, 250.75), banded=banded, rate_id=rate_id)
    result = _result(call(client, "updateRate", update, session=session), "updateRate")
    assert text(result, "success") == "true"
    rate = _get(client, session, "getRate", "rateID", rate_id)
    assert text(rate, "ageBanded") == "true"
    values = [(text(value, "ageBandIndex"), float(text(value, "valueNum")))
              for value in rate.findall("rateFieldValues")]
    assert values == [("0", 200.5), ("1", 250.75)]


def test_an_age_band_index_out_of_range_is_refused(client: httpx.Client, session: str) -> None:
    product_id = text(_create_product(client, session), "ID")
    banded = ("<ageBanded>true</ageBanded><ageBandedStartOn>20</ageBandedStartOn>"
              "<ageBandedEndOn>39</ageBandedEndOn><ageBandedInterval>10</ageBandedInterval>")
    result = _result(call(client, "createRate", _rate_xml(product_id, _band(2, 300.0), banded=banded),
                          session=session), "createRate")
    assert "ageBandIndex 2 is not between 0 and 1" in _errors(result)[0][1]
