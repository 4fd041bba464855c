"""The WSDL served at each endpoint: well-formed, document/literal, naming every operation."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import httpx
from defusedxml.ElementTree import fromstring

from connectors.sandbox.benefitpoint.signatures import BROKER_PATH, LOGIN_PATH, operations_at
from connectors.sandbox.benefitpoint.wsdl import SOAP_BINDING_NS, WSDL_NS, XSD_NS
from tests.sandbox.benefitpoint.soap_client import BC

W, S, X = f"{{{WSDL_NS}}}", f"{{{SOAP_BINDING_NS}}}", f"{{{XSD_NS}}}"


def _wsdl(client: httpx.Client, path: str) -> Element:
    response = client.get(f"{path}?wsdl")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/xml")
    return fromstring(response.content, forbid_dtd=True)


def test_the_broker_wsdl_names_every_operation_with_its_soap_action(client: httpx.Client) -> None:
    root = _wsdl(client, BROKER_PATH)
    assert root.get("targetNamespace") == BC
    expected = {op.name: op.soap_action for op in operations_at(BROKER_PATH)}
    port_ops = {op.get("name") for op in root.iter(f"{W}operation") if op.find(f"{S}operation") is None}
    assert port_ops == set(expected)
    actions = {op.get("name"): op.find(f"{S}operation").get("soapAction")
               for op in root.iter(f"{W}operation") if op.find(f"{S}operation") is not None}
    assert actions == expected
    binding = root.find(f"{W}binding/{S}binding")
    assert binding is not None and binding.get("style") == "document"
    assert {body.get("use") for body in root.iter(f"{S}body")} == {"literal"}


def test_every_broker_operation_requires_the_session_header(client: httpx.Client) -> None:
    root = _wsdl(client, BROKER_PATH)
    headed = {op.get("name") for op in root.find(f"{W}binding").findall(f"{W}operation")
              if op.find(f"{W}input/{S}header") is not None}
    assert headed == {op.name for op in operations_at(BROKER_PATH)}


def test_the_schema_declares_request_response_and_type_for_each_operation(client: httpx.Client) -> None:
    schema = _wsdl(client, BROKER_PATH).find(f"{W}types/{X}schema")
    elements = {element.get("name") for element in schema.findall(f"{X}element")}
    types = {element.get("name") for element in schema.findall(f"{X}complexType")}
    for op in operations_at(BROKER_PATH):
        assert {op.name, f"{op.name}Response"} <= elements
        assert op.answer_type in types
    referenced = {element.get("type").split(":")[1] for element in schema.iter(f"{X}element")
                  if (element.get("type") or "").startswith("bc:")}
    simple = {element.get("name") for element in schema.findall(f"{X}simpleType")}
    assert referenced <= types | simple


def test_the_login_wsdl_offers_login_at_its_own_address(client: httpx.Client) -> None:
    root = _wsdl(client, LOGIN_PATH)
    assert {op.get("name") for op in root.find(f"{W}portType")} == {"login"}
    address = root.find(f"{W}service/{W}port/{S}address")
    assert address is not None
    assert address.get("location") == str(client.base_url).rstrip("/") + LOGIN_PATH


def test_a_get_without_wsdl_is_not_found(client: httpx.Client) -> None:
    assert client.get(BROKER_PATH).status_code == 404
