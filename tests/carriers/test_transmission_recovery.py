"""A crash around a transmission never sends the same changes twice."""

from __future__ import annotations

from typing import Any

import pytest

from carriers.storage import repository as carrier_repo
from connectors.exchange.connector import CarrierExchangeConnector
from worker.service.carrier_jobs import transmit_due

from .conftest import Exchange, ListEnrollment, member_change, transmissions
from .test_lifecycle import _activate, _get


class Crash(Exception):
    """Stands for the worker process dying."""


class CrashAfterSend:
    """Passes the call through, then dies before the caller can record that it was sent."""

    def __init__(self, inner: CarrierExchangeConnector) -> None:
        self.inner = inner

    def transmit(self, *args: Any, **kwargs: Any) -> Any:
        self.inner.transmit(*args, **kwargs)
        raise Crash


class CrashBeforeSend:
    def transmit(self, *args: Any, **kwargs: Any) -> Any:
        raise Crash


def _transmission_rows(factory, integration_id: int):  # type: ignore[no-untyped-def]
    with factory() as session:
        return [(transmission.state, transmission.external_identifier) for transmission in
                carrier_repo.find_transmissions(session, integration_id)]


def test_crash_after_send_then_retry_sends_nothing_twice(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    source = ListEnrollment([member_change("m_1"), member_change("m_2")])
    integration_id = _activate(factory, exchange)
    with pytest.raises(Crash):
        transmit_due(factory, CrashAfterSend(exchange.connector), source, now=exchange.now())  # type: ignore[arg-type]
    assert [state for state, _ in _transmission_rows(factory, integration_id)] == ["prepared"]
    source.changes.append(member_change("m_3"))
    assert transmit_due(factory, exchange.connector, source, now=exchange.now()) == {"sent": 1}
    sent = transmissions(exchange)
    assert len(sent) == 1
    assert [c["member_external_id"] for c in sent[0]["changes"]] == ["m_1", "m_2"]
    assert _get(factory, integration_id).enrollment_watermark == "2"
    assert [state for state, _ in _transmission_rows(factory, integration_id)] == ["sent"]


def test_crash_before_send_then_retry_sends_once(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    source = ListEnrollment([member_change("m_1")])
    integration_id = _activate(factory, exchange)
    with pytest.raises(Crash):
        transmit_due(factory, CrashBeforeSend(), source, now=exchange.now())  # type: ignore[arg-type]
    prepared = _transmission_rows(factory, integration_id)
    assert transmit_due(factory, exchange.connector, source, now=exchange.now()) == {"sent": 1}
    assert transmit_due(factory, exchange.connector, source, now=exchange.now()) == {"sent": 0}
    sent = transmissions(exchange)
    assert len(sent) == 1 and sent[0]["external_identifier"] == prepared[0][1]
    assert _transmission_rows(factory, integration_id) == [("sent", prepared[0][1])]
