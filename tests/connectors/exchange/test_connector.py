"""The exchange connector against the sandbox: paging, 422s, retries, bad answers, the API key."""

from __future__ import annotations

import httpx
import pytest

from connectors.errors import AccessDenied, BadResponse, NotFound, TransientError, ValidationFailed
from connectors.exchange.connector import CarrierExchangeConnector
from tests.carriers.conftest import member_change

from .conftest import FAST_RETRY, Exchange


def _period(exchange: Exchange, number: str = "0123456-00") -> str:
    group_id = exchange.connector.ensure_group(external_identifier="group-1", name="Acme Widgets")
    return exchange.connector.create_coverage_period(group_id, external_identifier="integration-1",
                                                     carrier_name="Aetna", carrier_group_number=number).id


def test_groups_and_periods_are_found_again_not_duplicated(exchange: Exchange) -> None:
    first, second = _period(exchange), _period(exchange)
    assert first == second and len(exchange.store.groups) == 1 and len(exchange.store.periods) == 1


def test_422_carries_the_errors(exchange: Exchange) -> None:
    period_id = _period(exchange)
    with pytest.raises(ValidationFailed) as refused:
        exchange.connector.transmit(period_id, "tx-1", [member_change("m_1")])
    assert refused.value.details == {"status": ["not active"]} and "not active" in str(refused.value)
    with pytest.raises(ValidationFailed, match="carrier_group_number"):
        exchange.connector.set_enabled(period_id, True)


def test_errors_are_paged_with_link_next(exchange: Exchange) -> None:
    period_id = _period(exchange)
    store = exchange.store
    for index in range(230):
        store.errors[f"e_x{index}"] = {"id": f"e_x{index}", "period_id": period_id,
                                       "member_external_id": f"m_{index}", "severity": "Warning",
                                       "code": "relationship_defaulted", "message": "Relationship missing",
                                       "status": "unresolved", "created_at": exchange.now(),
                                       "resolution": None}
    found = exchange.connector.list_errors(period_id, status="unresolved")
    assert [m.id for m in found] == [f"e_x{index}" for index in range(230)]
    assert exchange.connector.list_errors(period_id, status="resolved") == []


def test_transient_faults_are_retried(exchange: Exchange) -> None:
    period_id = _period(exchange)
    exchange.faults.configure(error_rate=0.3, throttle_rate=0.2, retry_after_s=0.01, seed=7)
    connector = CarrierExchangeConnector(base_url=exchange.url, api_key="sandbox-key",
                                         retry={**FAST_RETRY, "max_attempts": 20})
    for _ in range(10):
        assert connector.get_coverage_period(period_id).status == "pending"
    assert exchange.faults.injected["error"] + exchange.faults.injected["throttle"] > 0


def test_persistent_outage_ends_as_transient_error(exchange: Exchange) -> None:
    exchange.faults.configure(error_rate=1.0)
    with pytest.raises(TransientError):
        exchange.connector.get_coverage_period("cp_1")


def test_malformed_body_names_the_field(exchange: Exchange) -> None:
    exchange.faults.configure(malformed_rate=1.0)
    with pytest.raises(BadResponse) as bad:
        exchange.connector.get_coverage_period("cp_1")
    assert bad.value.field == "body"


def test_off_contract_answer_names_the_field() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        period = {"id": "cp_1", "carrier_name": "Aetna", "carrier_group_number": "1", "status": "asleep"}
        return httpx.Response(200, json={"coverage_period": period})

    connector = CarrierExchangeConnector(base_url="http://exchange.test", api_key="k")
    connector._http._transport = httpx.MockTransport(handler)
    with pytest.raises(BadResponse) as bad:
        connector.get_coverage_period("cp_1")
    assert bad.value.field == "coverage_period.status"


def test_wrong_key_and_unknown_ids(exchange: Exchange) -> None:
    with pytest.raises(NotFound):
        exchange.connector.get_coverage_period("cp_404")
    with pytest.raises(AccessDenied):
        CarrierExchangeConnector(base_url=exchange.url, api_key="wrong").get_coverage_period("cp_1")


def test_advance_moves_the_sandbox_clock_and_activates(exchange: Exchange) -> None:
    period_id = _period(exchange)
    before = exchange.now()
    moved = httpx.post(f"{exchange.url}/_sandbox/advance", json={"seconds": 6})
    assert moved.status_code == 200 and (exchange.now() - before).total_seconds() == 6
    assert exchange.connector.get_coverage_period(period_id).status == "active"
    assert httpx.post(f"{exchange.url}/_sandbox/advance", json={"seconds": -1}).status_code == 400


def test_changes_are_sent_in_the_exchange_words(exchange: Exchange) -> None:
    period_id = _period(exchange)
    exchange.advance(seconds=6)
    receipt = exchange.connector.transmit(period_id, "tx-1", [member_change("m_9", ssn="123-45-6789")])
    again = exchange.connector.transmit(period_id, "tx-1", [member_change("m_9")])
    assert (receipt.status, receipt.replayed, again.id, again.replayed) == ("queued", False, receipt.id, True)
    [sent] = exchange.store.transmissions.values()
    assert sent["changes"] == [{
        "kind": "add", "member_external_id": "m_9", "first_name": "Dana", "last_name": "Whitfield",
        "ssn": "123-45-6789", "date_of_birth": "1984-07-19", "relationship": "subscriber",
        "coverage_level": "EE", "effective_date": "2026-04-01"}]
