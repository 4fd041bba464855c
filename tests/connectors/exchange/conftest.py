"""The exchange sandbox over real HTTP with a connector to it (the carrier tests use it too)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from connectors.exchange.connector import CarrierExchangeConnector
from connectors.sandbox.exchange.app import API_KEY, create_app
from connectors.sandbox.exchange.store import ExchangeStore, SandboxClock
from connectors.sandbox.faults import FaultInjector
from connectors.sandbox.server import ServerThread

# A Monday, well before the Aetna sandbox's daily 02:00 America/New_York (07:00 UTC) window.
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FAST_RETRY = {"max_attempts": 4, "base_s": 0.01, "cap_s": 0.05, "retry_after_cap_s": 0.05}


class Exchange:
    """The running sandbox, its state and a connector to it."""

    def __init__(self, url: str, store: ExchangeStore, connector: CarrierExchangeConnector,
                 faults: FaultInjector) -> None:
        self.url, self.store, self.connector, self.faults = url, store, connector, faults

    def now(self) -> datetime:
        return self.store.clock.now()

    def advance(self, **delta: float) -> datetime:
        seconds = delta.get("seconds", 0) + 60 * delta.get("minutes", 0) + 3600 * delta.get("hours", 0) \
            + 86400 * delta.get("days", 0)
        with self.store.lock:
            self.store.clock.advance(seconds)
        return self.now()


@contextmanager
def serve_exchange() -> Iterator[Exchange]:
    app = create_app(activation_delay_s=5.0)
    app.state.store.clock = SandboxClock(START)
    with ServerThread(app) as server:
        connector = CarrierExchangeConnector(base_url=server.url, api_key=API_KEY, timeout_s=5.0,
                                             retry=FAST_RETRY)
        yield Exchange(server.url, app.state.store, connector, app.state.faults)
        connector.close()


@pytest.fixture
def exchange() -> Iterator[Exchange]:
    with serve_exchange() as running:
        yield running
