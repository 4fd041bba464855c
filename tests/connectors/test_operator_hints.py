"""Connector errors tell an operator where to look, and ids reach a URL path as one escaped segment."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest

from connectors.errors import AccessDenied, BadResponse, NotFound
from connectors.exchange.connector import CarrierExchangeConnector
from connectors.paths import MalformedId, segment
from connectors.perfectquote import PerfectQuoteConnector
from tests.connectors.benefitpoint.fakes import ScriptedBenefitPoint, connector_for, fault

NO_RETRY = {"max_attempts": 1}
GROUP = {"id": "grp_001", "name": "Acme Widgets", "benefitpoint_account_id": "48201"}


def _perfectquote(handler: Callable[[httpx.Request], httpx.Response]) -> PerfectQuoteConnector:
    connector = PerfectQuoteConnector(base_url="http://pq.test/api/v1", token="tok-secret", retry=NO_RETRY)
    connector._client._http._transport = httpx.MockTransport(handler)
    return connector


def _exchange(handler: Callable[[httpx.Request], httpx.Response]) -> CarrierExchangeConnector:
    connector = CarrierExchangeConnector(base_url="http://exchange.test", api_key="key-secret",
                                         retry=NO_RETRY)
    connector._http._transport = httpx.MockTransport(handler)
    return connector


@pytest.mark.parametrize(("value", "escaped"), [
    ("grp_001", "grp_001"), ("a b?c#d%e", "a%20b%3Fc%23d%25e"), ("pln.v2", "pln.v2"), ("..x", "..x")])
def test_an_id_is_one_escaped_segment(value: str, escaped: str) -> None:
    assert segment(value, what="group id") == escaped


@pytest.mark.parametrize("value", ["grp_002/../grp_001", "..", ".", "", " ", "a\\b", "x\n"])
def test_an_id_that_cannot_be_one_segment_is_refused_naming_it(value: str) -> None:
    with pytest.raises(MalformedId, match=r"group id .* is malformed"):
        segment(value, what="group id")


def test_a_traversing_group_id_never_reaches_perfectquote() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(200, json=GROUP)

    connector = _perfectquote(handler)
    with pytest.raises(MalformedId, match=re.escape("grp_002/../grp_001")):
        connector.get_group("grp_002/../grp_001")
    assert connector.get_group("grp 001?x").id == "grp_001"
    assert seen == ["/api/v1/groups/grp%20001%3Fx"]


def test_a_plan_id_from_an_answer_that_is_no_segment_is_a_bad_answer() -> None:
    connector = _perfectquote(lambda request: httpx.Response(500))
    with pytest.raises(BadResponse, match=re.escape("plan id '../grp_001' is malformed")) as caught:
        connector.get_plan("../grp_001")
    assert caught.value.operation == "get_plan"


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_names_the_setting_to_check(status: int) -> None:
    body = {"error": {"code": "unauthorized", "message": "a valid bearer token is required"}}
    connector = _perfectquote(lambda request: httpx.Response(status, json=body))
    with pytest.raises(AccessDenied, match="PERFECTQUOTE_TOKEN") as caught:
        connector.search_groups("acme")
    assert caught.value.status == status and "tok-secret" not in str(caught.value)


def test_a_bare_404_is_a_wrong_url_and_a_contract_404_an_unknown_id() -> None:
    bare = _perfectquote(lambda request: httpx.Response(404, text="Not Found"))
    with pytest.raises(BadResponse, match="PERFECTQUOTE_URL"):
        bare.search_groups("acme")
    with pytest.raises(BadResponse, match="PERFECTQUOTE_URL"):
        bare.get_plan("pln_1")  # never taken for a plan that is gone
    answer = {"error": {"code": "not_found", "message": "group 'grp_9' does not exist"}}
    contract = _perfectquote(lambda request: httpx.Response(404, json=answer))
    with pytest.raises(NotFound, match="group 'grp_9' does not exist"):
        contract.get_group("grp_9")
    assert contract.get_plan("pln_1") is None


@pytest.mark.parametrize(("status", "content", "content_type"), [
    (404, b"Not Found", "text/plain"),
    (200, b"<html><body>Welcome to nginx</body></html>", "text/html"),
    (200, b'{"hello": "json"}', "application/json"),
])
def test_a_login_that_finds_no_soap_service_is_a_wrong_url_not_wrong_credentials(
        status: int, content: bytes, content_type: str) -> None:
    fake = ScriptedBenefitPoint().script("login", (status, content, {"Content-Type": content_type}))
    with pytest.raises(BadResponse) as caught:
        connector_for(fake).available_carriers()
    message = str(caught.value)
    assert "BENEFITPOINT_URL" in message and "http://bp.test/aptusConnect/services/LoginV2SOAP" in message
    assert "password" not in message.lower() and caught.value.operation == "login"


def test_a_refused_login_names_the_credentials_settings() -> None:
    fake = ScriptedBenefitPoint().script("login", (500, fault("Login failed: invalid username or password")))
    with pytest.raises(AccessDenied, match="BENEFITPOINT_USERNAME and BENEFITPOINT_PASSWORD") as caught:
        connector_for(fake).available_carriers()
    assert "hunter2-pass" not in str(caught.value)


def test_the_exchange_names_its_key_on_401_and_escapes_ids() -> None:
    refused = _exchange(lambda request: httpx.Response(401, json={"errors": {"api_key": ["is invalid"]}}))
    with pytest.raises(AccessDenied, match="CARRIER_EXCHANGE_API_KEY") as caught:
        refused.get_coverage_period("cp_1")
    assert "key-secret" not in str(caught.value)
    with pytest.raises(MalformedId):
        refused.get_coverage_period("cp_1/../cp_2")
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(404, json={"errors": {"id": ["not found"]}})

    with pytest.raises(NotFound):
        _exchange(handler).get_coverage_period("cp 1?")
    assert seen == ["/coverage_periods/cp%201%3F"]
