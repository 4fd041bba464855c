"""Retries under injected faults: they succeed when faults pass, stop at their bound, skip 4xx."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from connectors.errors import Duplicate, TransientError, ValidationFailed
from connectors.perfectquote import PerfectQuoteConnector
from connectors.sandbox.demo_world import EMPLOYERS, seed_plans
from connectors.sandbox.perfectquote.app import TOKEN
from reconciliation.plan import Rates, RateStructure, Tier


def _connector(api_url: str, **retry: float) -> PerfectQuoteConnector:
    policy = {"max_attempts": 3, "max_total_s": 5.0, "base_s": 0.01, "cap_s": 0.02,
              "retry_after_cap_s": 0.02, **retry}
    return PerfectQuoteConnector(base_url=api_url, token=TOKEN, timeout_s=2.0, retry=policy)


def test_calls_succeed_through_intermittent_faults(pq_app: Starlette, api_url: str) -> None:
    pq_app.state.faults.configure(error_rate=0.3, throttle_rate=0.2, seed=7)
    with _connector(api_url, max_attempts=10) as connector:
        plans = connector.list_plans("grp_001")
        groups = [connector.get_group(e.perfectquote_group_id) for e in EMPLOYERS]
    assert [p.plan for p in plans] == [s.perfectquote for s in seed_plans(EMPLOYERS[0]) if s.perfectquote]
    assert [g.name for g in groups] == [e.name for e in EMPLOYERS]
    injected = pq_app.state.faults.injected
    assert injected["error"] > 0 and injected["throttle"] > 0


def test_retries_give_up_at_their_bound(pq_app: Starlette, api_url: str) -> None:
    pq_app.state.faults.configure(error_rate=1.0)
    with _connector(api_url) as connector, pytest.raises(TransientError) as caught:
        connector.get_group("grp_001")
    assert caught.value.status == 502 and caught.value.system == "perfectquote"
    assert pq_app.state.faults.injected["error"] == 3


def test_throttling_is_transient_and_carries_retry_after(pq_app: Starlette, api_url: str) -> None:
    pq_app.state.faults.configure(throttle_rate=1.0, retry_after_s=2)
    with _connector(api_url, max_attempts=2) as connector, pytest.raises(TransientError) as caught:
        connector.search_groups("acme")
    assert caught.value.status == 429 and caught.value.retry_after_s == 2.0
    assert pq_app.state.faults.injected["throttle"] == 2


def test_a_hanging_server_is_a_timeout_within_the_bound(pq_app: Starlette, api_url: str) -> None:
    pq_app.state.faults.configure(timeout_rate=1.0, timeout_s=1.0)
    connector = PerfectQuoteConnector(base_url=api_url, token=TOKEN, timeout_s=0.2,
                                      retry={"max_attempts": 2, "base_s": 0.01, "cap_s": 0.01})
    with connector, pytest.raises(TransientError, match="timed out"):
        connector.get_plan("pln_any")
    assert pq_app.state.faults.injected["timeout"] == 2


def test_validation_and_conflicts_are_never_retried(pq_app: Starlette, api_url: str) -> None:
    plan = next(s.perfectquote for s in seed_plans(EMPLOYERS[0]) if s.perfectquote)
    bad = plan.with_changes(rates=Rates(structure=RateStructure.AGE_BANDED, tiers={Tier.FAM: "1"}))
    with _connector(api_url, max_attempts=5) as connector:
        with pytest.raises(ValidationFailed):
            connector.create_plan("grp_001", bad, link_id="lnk_bad")
        connector.create_plan("grp_001", plan, link_id="lnk_once")
        with pytest.raises(Duplicate):
            connector.create_plan("grp_001", plan.with_changes(name="Other"), link_id="lnk_once")
    assert pq_app.state.store.calls["POST /groups/{group_id}/plans"] == 3
