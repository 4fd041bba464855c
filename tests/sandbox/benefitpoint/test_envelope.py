"""What the server accepts in a request envelope and what it refuses."""

from __future__ import annotations

import httpx

from connectors.sandbox.demo_world import EMPLOYERS
from tests.sandbox.benefitpoint.soap_client import BC, SOAP_ENV, answer, call, envelope, fault, post

ACCOUNT = EMPLOYERS[0].benefitpoint_account_id


def _account_name(response: httpx.Response) -> str | None:
    assert response.status_code == 200, response.text
    return answer(response, "getAccount").findtext("Account/accountName")


def test_children_qualified_under_any_prefix_are_accepted(client: httpx.Client, session: str) -> None:
    payload = envelope("getAccount", f"<x:accountID>{ACCOUNT}</x:accountID>", session=session, prefix="x")
    assert _account_name(post(client, "getAccount", payload)) == EMPLOYERS[0].name


def test_children_in_a_default_namespace_are_accepted(client: httpx.Client, session: str) -> None:
    payload = (f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Header><SessionIdHeader xmlns="{BC}">'
               f"<sessionId>{session}</sessionId></SessionIdHeader></s:Header><s:Body>"
               f'<getAccount xmlns="{BC}"><accountID>{ACCOUNT}</accountID></getAccount>'
               "</s:Body></s:Envelope>")
    assert _account_name(post(client, "getAccount", payload)) == EMPLOYERS[0].name


def test_unqualified_children_are_accepted(client: httpx.Client, session: str) -> None:
    assert _account_name(call(client, "getAccount", f"<accountID>{ACCOUNT}</accountID>",
                              session=session)) == EMPLOYERS[0].name


def test_nested_qualified_children_are_accepted(client: httpx.Client, session: str) -> None:
    body = f"<bc:criteria><bc:accountID>{ACCOUNT}</bc:accountID></bc:criteria>"
    response = call(client, "findProducts", body, session=session)
    assert len(answer(response, "findProducts").findall("ProductSummary")) == 3


def test_a_dtd_is_refused(client: httpx.Client, session: str) -> None:
    payload = ('<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
               + envelope("getAccount", "<accountID>&b;</accountID>", session=session))
    code, message = fault(post(client, "getAccount", payload))
    assert code == "soapenv:Client" and "DTD" in message


def test_an_external_entity_is_refused(client: httpx.Client, session: str) -> None:
    payload = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
               + envelope("getAccount", "<accountID>&e;</accountID>", session=session))
    assert "DTD" in fault(post(client, "getAccount", payload))[1]


def test_a_soap_action_that_names_another_operation_is_refused(client: httpx.Client, session: str) -> None:
    payload = envelope("getAccount", f"<accountID>{ACCOUNT}</accountID>", session=session)
    message = fault(post(client, "getAccount", payload, action=f'"{BC}/getProduct"'))[1]
    assert "SOAPAction" in message and "getAccount" in message


def test_a_missing_soap_action_is_refused(client: httpx.Client, session: str) -> None:
    payload = envelope("getAccount", f"<accountID>{ACCOUNT}</accountID>", session=session)
    assert "SOAPAction" in fault(post(client, "getAccount", payload, action=""))[1]


def test_an_unknown_child_element_is_named(client: httpx.Client, session: str) -> None:
    message = fault(call(client, "getAccount", "<accountNumber>1</accountNumber>", session=session))[1]
    assert "accountNumber" in message


def test_a_missing_required_parameter_is_named(client: httpx.Client, session: str) -> None:
    assert "getAccount.accountID: is required" in fault(call(client, "getAccount", session=session))[1]


def test_a_value_of_the_wrong_type_is_named(client: httpx.Client, session: str) -> None:
    message = fault(call(client, "getAccount", "<accountID>forty</accountID>", session=session))[1]
    assert "getAccount.accountID" in message and "xsd:int" in message


def test_an_unknown_operation_is_refused(client: httpx.Client, session: str) -> None:
    assert "deleteProduct" in fault(call(client, "deleteProduct", "<productID>1</productID>",
                                         session=session))[1]


def test_a_body_that_is_not_xml_is_refused(client: httpx.Client) -> None:
    assert "not well-formed" in fault(post(client, "getAccount", b"<soapenv:Envelope"))[1]


def test_a_body_that_is_not_a_soap_envelope_is_refused(client: httpx.Client) -> None:
    assert "not a SOAP 1.1 Envelope" in fault(post(client, "getAccount", b"<getAccount/>"))[1]
