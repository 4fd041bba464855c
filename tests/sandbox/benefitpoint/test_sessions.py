"""Login, the session header on every BrokerConnect call, expiry and re-login."""

from __future__ import annotations

import httpx

from connectors.sandbox.benefitpoint.app import create_app
from connectors.sandbox.server import ServerThread
from tests.sandbox.benefitpoint.soap_client import (
    answer,
    call,
    envelope,
    fault,
    login,
    post,
    session_of,
    text,
)


def test_login_answers_a_session_id(client: httpx.Client) -> None:
    response = login(client)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    result = answer(response, "login").find("result")
    assert result is not None and len(text(result, "sessionID")) >= 16


def test_each_login_opens_its_own_session(client: httpx.Client) -> None:
    assert session_of(client) != session_of(client)


def test_wrong_credentials_are_a_fault(client: httpx.Client) -> None:
    code, message = fault(login(client, password="wrong"))
    assert code == "soapenv:Client"
    assert "invalid username or password" in message
    assert "Invalid Session" not in message


def test_a_call_without_the_session_header_is_refused(client: httpx.Client) -> None:
    response = post(client, "getProductTypes",
                    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
                    b'<soapenv:Body><getProductTypes/></soapenv:Body></soapenv:Envelope>')
    assert "Invalid Session" in fault(response)[1]


def test_an_unknown_session_is_refused(client: httpx.Client) -> None:
    assert "Invalid Session" in fault(call(client, "getProductTypes", session="not-a-session"))[1]


def test_a_valid_session_is_accepted(client: httpx.Client, session: str) -> None:
    assert call(client, "getProductTypes", session=session).status_code == 200


def test_expired_sessions_need_a_new_login(client: httpx.Client, session: str) -> None:
    assert client.post("/_sandbox/expire_sessions").json() == {"expired": 1}
    assert "Invalid Session" in fault(call(client, "getProductTypes", session=session))[1]
    fresh = session_of(client)
    assert call(client, "getProductTypes", session=fresh).status_code == 200


def test_sessions_expire_after_their_time_to_live() -> None:
    with ServerThread(create_app(session_ttl_s=0)) as server, httpx.Client(base_url=server.url) as http:
        session = session_of(http)
        assert "Invalid Session" in fault(call(http, "getProductTypes", session=session))[1]


def test_a_broker_operation_is_not_offered_at_the_login_endpoint(client: httpx.Client) -> None:
    response = post(client, "getProductTypes", envelope("getProductTypes"),
                    path="/aptusConnect/services/LoginV2SOAP")
    assert "is not offered at" in fault(response)[1]
