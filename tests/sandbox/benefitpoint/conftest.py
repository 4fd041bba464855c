"""A live BenefitPoint sandbox per test (state changes stay within the test)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette

from connectors.sandbox.benefitpoint.app import create_app
from connectors.sandbox.server import ServerThread
from tests.sandbox.benefitpoint.soap_client import session_of


@pytest.fixture
def app() -> Starlette:
    return create_app(seed=0)


@pytest.fixture
def client(app: Starlette) -> Iterator[httpx.Client]:
    with ServerThread(app) as server, httpx.Client(base_url=server.url, timeout=10.0) as http:
        yield http


@pytest.fixture
def session(client: httpx.Client) -> str:
    return session_of(client)
