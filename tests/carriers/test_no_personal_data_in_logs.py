"""No SSN, name or date of birth from an enrollment change reaches a log line."""

from __future__ import annotations

import io
import json
from datetime import date

from config.logging import configure_logging
from worker.service import carriers as service
from worker.service.carrier_jobs import run_carrier_cycle

from .conftest import Exchange, ListEnrollment, member_change
from .test_lifecycle import _activate

SECRETS = ("666-12-3456", "666123456", "Philippa", "Quenneville", "1979-11-23", "sandbox-key")


def test_a_whole_carrier_cycle_logs_no_personal_data(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    stream = io.StringIO()
    configure_logging(level="debug", stream=stream)
    try:
        source = ListEnrollment([member_change("m_7", ssn="666-12-3456", first_name="Philippa",
                                               last_name="Quenneville", date_of_birth=date(1979, 11, 23))])
        exchange.faults.configure(throttle_rate=0.3, retry_after_s=0.01, seed=3)
        integration_id = _activate(factory, exchange)
        run_carrier_cycle(factory, exchange.connector, source, now=exchange.now())
        exchange.advance(days=1)
        run_carrier_cycle(factory, exchange.connector, source, now=exchange.now())
        [failure] = service.list_messages(factory, now=exchange.now(), failures_only=True)
        service.resolve(factory, exchange.connector, failure.message.id or 0, text="Corrected SSN",
                        now=exchange.now(), changes={"ssn": "666-12-3456"})
        exchange.advance(days=1)
        run_carrier_cycle(factory, exchange.connector, source, now=exchange.now())
        service.disable(factory, exchange.connector, integration_id, now=exchange.now())
    finally:
        configure_logging(level="info")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    events = {line["event"] for line in lines}
    assert {"carrier.status_changed", "carrier.transmission.sent", "carrier.message.received",
            "carrier.message.reappeared", "carrier.message.resolved", "http.retry"} <= events
    text = stream.getvalue()
    assert [secret for secret in SECRETS if secret in text] == []
