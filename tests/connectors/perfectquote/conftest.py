"""A fresh PerfectQuote sandbox over real loopback HTTP for each test, and a connector to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette

from connectors.perfectquote import PerfectQuoteConnector
from connectors.sandbox.perfectquote.app import TOKEN, create_app
from connectors.sandbox.server import ServerThread

FAST_RETRY = {"max_attempts": 4, "max_total_s": 5.0, "base_s": 0.01, "cap_s": 0.05,
              "retry_after_cap_s": 0.05}


@pytest.fixture
def pq_app() -> Starlette:
    return create_app(seed=0, rate_limit_per_s=None)


@pytest.fixture
def pq_url(pq_app: Starlette) -> Iterator[str]:
    with ServerThread(pq_app) as server:
        yield server.url


@pytest.fixture
def api_url(pq_url: str) -> str:
    return f"{pq_url}/api/v1"


@pytest.fixture
def connector(api_url: str) -> Iterator[PerfectQuoteConnector]:
    with PerfectQuoteConnector(base_url=api_url, token=TOKEN, timeout_s=5.0, retry=FAST_RETRY) as client:
        yield client
