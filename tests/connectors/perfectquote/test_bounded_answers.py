"""An oversized answer from a real server is refused without being held whole."""

from __future__ import annotations

import tracemalloc

import pytest
from starlette.applications import Starlette

from connectors.errors import BadResponse
from connectors.perfectquote import PerfectQuoteConnector
from connectors.sandbox.perfectquote.app import TOKEN
from connectors.transport import DEFAULT_MAX_RESPONSE_BYTES


def test_a_runaway_answer_is_refused_naming_system_operation_and_limit(pq_app: Starlette,
                                                                       api_url: str) -> None:
    pq_app.state.faults.configure(oversized_rate=1.0, oversized_bytes=4 * DEFAULT_MAX_RESPONSE_BYTES)
    tracemalloc.start()
    try:
        with PerfectQuoteConnector(base_url=api_url, token=TOKEN, timeout_s=30.0,
                                   retry={"max_attempts": 1}) as connector, \
                pytest.raises(BadResponse) as caught:
            connector.get_group("grp_001")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.system == "perfectquote" and caught.value.operation == "get_group"
    assert f"limit of {DEFAULT_MAX_RESPONSE_BYTES} bytes" in str(caught.value)
    assert pq_app.state.faults.injected["oversized"] == 1
    # The chunks read before the cut, not the 64 MiB the server was sending.
    assert peak < 3 * DEFAULT_MAX_RESPONSE_BYTES
