"""Injected faults (503 with Retry-After, truncated XML) and the per-operation call counts."""

from __future__ import annotations

from xml.etree.ElementTree import ParseError

import httpx
import pytest
from defusedxml.ElementTree import fromstring
from starlette.applications import Starlette

from connectors.sandbox.benefitpoint.app import create_app
from connectors.sandbox.faults import FaultSettings
from connectors.sandbox.server import ServerThread
from tests.sandbox.benefitpoint.soap_client import call, login, session_of


def test_throttling_answers_503_with_retry_after() -> None:
    app = create_app(faults=FaultSettings(throttle_rate=1.0, retry_after_s=2.0))
    with ServerThread(app) as server, httpx.Client(base_url=server.url) as http:
        response = login(http)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"


def test_a_malformed_answer_is_truncated_xml() -> None:
    app = create_app(faults=FaultSettings(malformed_rate=1.0))
    with ServerThread(app) as server, httpx.Client(base_url=server.url) as http:
        response = login(http)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml")
    with pytest.raises(ParseError):
        fromstring(response.content, forbid_dtd=True)


def test_faults_switched_on_at_runtime_leave_the_admin_endpoints_alone(client: httpx.Client,
                                                                       app: Starlette) -> None:
    session = session_of(client)
    assert client.put("/_sandbox/faults", json={"error_rate": 1.0}).status_code == 200
    assert call(client, "getProductTypes", session=session).status_code == 502
    assert client.post("/_sandbox/expire_sessions").status_code == 200
    assert app.state.faults.injected["error"] == 1


def test_the_store_counts_calls_per_operation(client: httpx.Client, app: Starlette) -> None:
    session = session_of(client)
    for _ in range(3):
        call(client, "getAvailableCarriers", session=session)
    call(client, "getProductTypes", session="expired")
    assert app.state.store.calls == {"login": 1, "getAvailableCarriers": 3, "getProductTypes": 1}
