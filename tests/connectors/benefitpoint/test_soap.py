"""Envelopes: built with the session header, parsed whether children are qualified or not, safely."""

from __future__ import annotations

import pytest
from defusedxml.ElementTree import fromstring

from connectors.benefitpoint.soap import build_envelope, items_of, object_of, parse_body, response_of
from connectors.errors import BadResponse
from tests.connectors.benefitpoint.fakes import BC, SOAP, envelope, response

PRODUCT = ("<Product><productID>7</productID><name>Gold</name>"
           "<customFieldValues><customFieldID>9001</customFieldID><valueText>lnk-1</valueText>"
           "</customFieldValues><customFieldValues><customFieldID>12</customFieldID>"
           "<valueText>keep me</valueText></customFieldValues></Product>")


@pytest.mark.parametrize("qualified", [False, True])
def test_a_single_object_is_read_whatever_the_prefix(qualified: bool) -> None:
    body = parse_body(response("getProduct", PRODUCT, qualified=qualified), operation="getProduct")
    product = object_of(response_of(body, operation="getProduct"), "Product", operation="getProduct")
    assert product["productID"] == "7"
    assert product["name"] == "Gold"
    assert product["customFieldValues"] == [
        {"customFieldID": "9001", "valueText": "lnk-1"}, {"customFieldID": "12", "valueText": "keep me"}]


@pytest.mark.parametrize("qualified", [False, True])
def test_a_list_answer_repeats_one_element_per_item(qualified: bool) -> None:
    inner = "".join(f"<ProductSummary><productID>{n}</productID></ProductSummary>" for n in (1, 2, 3))
    body = parse_body(response("findProducts", inner, qualified=qualified), operation="findProducts")
    assert [item["productID"] for item in items_of(body, "ProductSummary")] == ["1", "2", "3"]


def test_a_one_item_array_field_is_still_a_list_and_a_wrapped_array_is_unwrapped() -> None:
    inner = ("<Rate><rateFieldValues><valueNum>1.5</valueNum></rateFieldValues></Rate>")
    rate = object_of(parse_body(response("getRate", inner), operation="getRate"), "Rate", operation="getRate")
    assert rate["rateFieldValues"] == [{"valueNum": "1.5"}]
    wrapped = ("<Rate><rateFieldValues><RateFieldValue><valueNum>1</valueNum></RateFieldValue>"
               "<RateFieldValue><valueNum>2</valueNum></RateFieldValue></rateFieldValues></Rate>")
    rate = object_of(parse_body(response("getRate", wrapped), operation="getRate"), "Rate",
                     operation="getRate")
    assert rate["rateFieldValues"] == [{"valueNum": "1"}, {"valueNum": "2"}]
    leaf_only = ("<BenefitSummary><attributeValueDetails><UOM>Dollars</UOM></attributeValueDetails>"
                 "</BenefitSummary>")
    summary = object_of(parse_body(response("getBenefitSummary", leaf_only), operation="getBenefitSummary"),
                        "BenefitSummary", operation="getBenefitSummary")
    assert summary["attributeValueDetails"] == [{"UOM": "Dollars"}]


def test_the_request_carries_the_session_header_and_unqualified_parameters() -> None:
    sent = build_envelope("findProducts", {"criteria": {"accountID": 48213}}, session_id="abc")
    root = fromstring(sent)
    assert root.find(f"{{{SOAP}}}Header/{{{BC}}}SessionIdHeader/sessionId").text == "abc"
    assert root.find(f"{{{SOAP}}}Body/{{{BC}}}findProducts/criteria/accountID").text == "48213"


DTD_PAYLOADS = [
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    + envelope("<bc:getProductResponse><Product><name>&lol2;</name></Product></bc:getProductResponse>"),
    b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://attacker.test/x.dtd">' + envelope("<a/>"),
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>'
    + envelope("<bc:getProductResponse><Product><name>&ext;</name></Product></bc:getProductResponse>"),
]


@pytest.mark.parametrize("payload", DTD_PAYLOADS)
def test_dtds_and_entities_are_refused(payload: bytes) -> None:
    with pytest.raises(BadResponse) as caught:
        parse_body(payload, operation="getProduct")
    assert caught.value.system == "benefitpoint"
    assert "refused" in caught.value.message


@pytest.mark.parametrize("payload", [
    b"<html><body>Service Unavailable</body></html>",
    envelope("<bc:getProductResponse><Product><name>Go")[:-30],
    b"",
])
def test_html_or_truncated_answers_are_bad_responses(payload: bytes) -> None:
    with pytest.raises(BadResponse) as caught:
        parse_body(payload, operation="getProduct")
    assert caught.value.operation == "getProduct"
    assert caught.value.field == "Envelope"


def test_a_missing_answer_element_names_it() -> None:
    body = parse_body(response("getProduct", "<Other/>"), operation="getProduct")
    with pytest.raises(BadResponse) as caught:
        object_of(body, "Product", operation="getProduct")
    assert caught.value.field == "Product"
    with pytest.raises(BadResponse):
        response_of(body, operation="getRate")


@pytest.mark.parametrize("depth", [65, 100_000])
def test_deeply_nested_answers_are_refused_without_exhausting_the_stack(depth: int) -> None:
    nested = b"<a>" * depth + b"</a>" * depth
    content = (b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
               + nested + b"</soap:Body></soap:Envelope>")
    with pytest.raises(BadResponse, match="nested deeper than the limit of 64"):
        parse_body(content, operation="findProducts")


def test_an_answer_at_the_depth_limit_is_read() -> None:
    nested = b"<a>" * 60 + b"x" + b"</a>" * 60
    content = (b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
               + nested + b"</soap:Body></soap:Envelope>")
    assert parse_body(content, operation="findProducts").tag == "a"
