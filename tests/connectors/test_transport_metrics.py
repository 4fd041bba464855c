"""Every request `send` makes is counted by system, operation and status, and timed."""

from __future__ import annotations

import httpx
import pytest

from config.metrics import REGISTRY
from connectors.errors import TransientError
from connectors.transport import send


def _requests(system: str, operation: str, status: str) -> float:
    labels = {"system": system, "operation": operation, "status": status}
    return REGISTRY.get_sample_value("plansync_api_requests_total", labels) or 0.0


def _timed(system: str, operation: str) -> float:
    labels = {"system": system, "operation": operation}
    return REGISTRY.get_sample_value("plansync_api_request_duration_seconds_count", labels) or 0.0


def _client(handler: httpx.MockTransport) -> httpx.Client:
    return httpx.Client(transport=handler, base_url="http://system.test")


def test_an_answered_request_is_counted_with_its_status_and_timed() -> None:
    before, timed = _requests("perfectquote", "metrics_ok", "200"), _timed("perfectquote", "metrics_ok")
    client = _client(httpx.MockTransport(lambda request: httpx.Response(200, json={})))
    send(client, client.build_request("GET", "/"), system="perfectquote", operation="metrics_ok",
         writes=False)
    assert _requests("perfectquote", "metrics_ok", "200") == before + 1
    assert _timed("perfectquote", "metrics_ok") == timed + 1


def test_a_transient_status_is_counted_with_that_status() -> None:
    before = _requests("benefitpoint", "metrics_busy", "503")
    client = _client(httpx.MockTransport(lambda request: httpx.Response(503)))
    with pytest.raises(TransientError):
        send(client, client.build_request("GET", "/"), system="benefitpoint", operation="metrics_busy",
             writes=False)
    assert _requests("benefitpoint", "metrics_busy", "503") == before + 1


@pytest.mark.parametrize(("fault", "status"), [(httpx.ReadTimeout, "timeout"),
                                               (httpx.ConnectError, "connection_error")])
def test_a_request_with_no_answer_is_counted_by_what_went_wrong(fault: type[httpx.TransportError],
                                                                 status: str) -> None:
    before = _requests("exchange", "metrics_fault", status)

    def handler(request: httpx.Request) -> httpx.Response:
        raise fault("no answer", request=request)

    client = _client(httpx.MockTransport(handler))
    with pytest.raises(TransientError):
        send(client, client.build_request("GET", "/"), system="exchange", operation="metrics_fault",
             writes=False)
    assert _requests("exchange", "metrics_fault", status) == before + 1
