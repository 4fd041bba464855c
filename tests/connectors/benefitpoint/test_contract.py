"""Contract tests: the connector against the BenefitPoint sandbox over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from connectors.benefitpoint import BenefitPointConnector
from connectors.benefitpoint.client import BrokerConnectClient
from connectors.benefitpoint.session import SoapSession
from connectors.errors import BadResponse, StaleVersion, ValidationFailed
from connectors.sandbox.benefitpoint.app import create_app
from connectors.sandbox.demo_world import EMPLOYERS, seed_plans
from connectors.sandbox.server import ServerThread
from reconciliation.plan import Rates, RateStructure, Tier

EMPLOYER = EMPLOYERS[0]
ACCOUNT = str(EMPLOYER.benefitpoint_account_id)
FAST_RETRY = {"max_attempts": 10, "base_s": 0.005, "cap_s": 0.02, "max_total_s": 20.0}


class Sandbox:
    def __init__(self, **app_options: Any) -> None:
        self.app = create_app(seed=0, **app_options)
        self.server = ServerThread(self.app).start()
        self.connectors: list[BenefitPointConnector] = []

    @property
    def calls(self) -> Any:
        return self.app.state.store.calls

    def connector(self, **options: Any) -> BenefitPointConnector:
        options.setdefault("retry", FAST_RETRY)
        connector = BenefitPointConnector(base_url=self.server.url, username="sandbox", password="sandbox",
                                          **options)
        self.connectors.append(connector)
        return connector

    def faults(self, **settings: Any) -> None:
        httpx.put(f"{self.server.url}/_sandbox/faults", json=settings).raise_for_status()

    def close(self) -> None:
        for connector in self.connectors:
            connector.close()
        self.server.stop()


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    world = Sandbox()
    yield world
    world.close()


def seeded(key: str, side: str = "perfectquote") -> Any:
    return next(getattr(s, side) for s in seed_plans(EMPLOYER, seed=0) if s.key == key)


def test_list_plans_reads_the_seeded_products_in_canonical_form(sandbox: Sandbox) -> None:
    plans = sandbox.connector().list_plans(ACCOUNT)
    expected = [s.benefitpoint for s in seed_plans(EMPLOYER, seed=0) if s.benefitpoint is not None]
    assert sorted((p.plan.name for p in plans if p.plan), key=str) == sorted(p.name for p in expected)
    for plan in plans:
        assert plan.problem is None
        assert plan.plan in expected
        assert plan.version


def test_accounts_carriers_and_product_types(sandbox: Sandbox) -> None:
    connector = sandbox.connector()
    assert EMPLOYER.name in {a.name for a in connector.find_accounts()}
    assert [a.account_id for a in connector.find_accounts(EMPLOYER.name[:6])] == [ACCOUNT]
    account = connector.get_account(ACCOUNT)
    assert account is not None and account.office_id is not None
    assert connector.get_account("1") is None
    assert 101 in {c.carrier_id for c in connector.available_carriers()}
    assert "Dental" in {t.description for t in connector.product_types()}


def test_create_with_link_id_then_find_it_by_that_id(sandbox: Sandbox) -> None:
    connector = sandbox.connector()
    plan = seeded("hdhp")
    created = connector.create_plan(ACCOUNT, plan, link_id="lnk-hdhp")
    assert created.plan == plan
    assert created.link_id == "lnk-hdhp"
    found = connector.find_by_link_id(ACCOUNT, "lnk-hdhp")
    assert found is not None and found.id == created.id and found.version == created.version
    assert connector.find_by_link_id(ACCOUNT, "lnk-other") is None
    assert connector.get_plan(created.id) is not None
    assert connector.get_plan("1") is None


def test_update_writes_only_what_changed_and_keeps_the_link_id(sandbox: Sandbox) -> None:
    connector = sandbox.connector()
    current = connector.create_plan(ACCOUNT, seeded("life"), link_id="lnk-life")
    assert current.plan is not None
    wanted = current.plan.with_changes(name="Basic Life 75k", benefits={
        **current.plan.benefits, "benefit_amount": Decimal("75000")})
    before = dict(sandbox.calls)
    confirmed = connector.update_plan(current, wanted, link_id="lnk-life")
    assert confirmed.plan == wanted
    assert confirmed.link_id == "lnk-life"
    assert confirmed.version != current.version
    writes = {op: sandbox.calls[op] - before.get(op, 0)
              for op in ("updateProduct", "updateBenefitSummary", "updateRate")}
    assert writes == {"updateProduct": 1, "updateBenefitSummary": 1, "updateRate": 0}
    assert connector.update_plan(confirmed, wanted, link_id="lnk-life").version == confirmed.version


def test_an_edit_since_reading_is_a_stale_version_carrying_the_fresh_plan(sandbox: Sandbox) -> None:
    ours, theirs = sandbox.connector(), sandbox.connector()
    read = ours.list_plans(ACCOUNT)[0]
    assert read.plan is not None
    edited = theirs.update_plan(read, read.plan.with_changes(group_number="EDITED-1"), link_id="lnk-x")
    with pytest.raises(StaleVersion) as caught:
        ours.update_plan(read, read.plan.with_changes(name="Ours"), link_id="lnk-x")
    assert caught.value.current.version == edited.version
    assert caught.value.current.plan.group_number == "EDITED-1"


def test_changes_since_maps_summaries_and_rates_to_their_product(sandbox: Sandbox) -> None:
    connector = sandbox.connector()
    plans = {p.plan.name: p for p in connector.list_plans(ACCOUNT) if p.plan}
    # Linking writes the link id into the product; after that only the summary or the rate moves.
    dental = connector.update_plan(plans["Dental PPO"], plans["Dental PPO"].plan, link_id="lnk-d")
    vision = connector.update_plan(plans["Vision Plus"], plans["Vision Plus"].plan, link_id="lnk-v")
    watermark = connector.changes_since(None).watermark
    product_updates = sandbox.calls["updateProduct"]
    connector.update_plan(dental, dental.plan.with_changes(benefits={**dental.plan.benefits,
                                                                     "annual_max": Decimal("2500")}),
                          link_id="lnk-d")
    connector.update_plan(vision, vision.plan.with_changes(rates=Rates(
        structure=RateStructure.COMPOSITE, tiers={**vision.plan.rates.tiers, Tier.EE: Decimal("11.11")})),
        link_id="lnk-v")
    assert sandbox.calls["updateProduct"] == product_updates
    assert (sandbox.calls["updateBenefitSummary"], sandbox.calls["updateRate"]) == (1, 1)
    page = connector.changes_since(watermark)
    assert sorted(page.changed) == sorted([(ACCOUNT, dental.id), (ACCOUNT, vision.id)])
    assert page.deleted == []
    httpx.delete(f"{sandbox.server.url}/_sandbox/products/{vision.id}").raise_for_status()
    later = connector.changes_since(page.watermark)
    assert later.deleted == [(None, vision.id)]
    assert later.watermark >= page.watermark


def test_rates_are_never_written_when_not_writable(sandbox: Sandbox) -> None:
    connector = sandbox.connector(rates_writable=False)
    plan = seeded("hdhp")
    created = connector.create_plan(ACCOUNT, plan, link_id="lnk-1")
    assert created.plan is not None and created.plan.rates is None
    assert created.plan == plan.with_changes(rates=None)
    dental = next(p for p in connector.list_plans(ACCOUNT) if p.plan and p.plan.name == "Dental PPO")
    cheaper = Rates(structure=RateStructure.COMPOSITE, tiers={Tier.EE: Decimal("1.00")})
    confirmed = connector.update_plan(dental, dental.plan.with_changes(rates=cheaper), link_id="lnk-2")
    assert confirmed.plan.rates == dental.plan.rates
    assert sandbox.calls["createRate"] == 0 and sandbox.calls["updateRate"] == 0


def test_an_expired_session_is_renewed(sandbox: Sandbox) -> None:
    connector = sandbox.connector()
    connector.product_types()
    httpx.post(f"{sandbox.server.url}/_sandbox/expire_sessions").raise_for_status()
    assert connector.product_types()
    assert sandbox.calls["login"] == 2


def test_reads_and_writes_get_through_injected_503s(sandbox: Sandbox) -> None:
    connector = sandbox.connector()
    sandbox.faults(throttle_rate=0.3, retry_after_s=0.01, seed=7)
    plans = connector.list_plans(ACCOUNT)
    created = connector.create_plan(ACCOUNT, seeded("hdhp"), link_id="lnk-503")
    injected = httpx.get(f"{sandbox.server.url}/_sandbox/faults").json()["injected"]
    assert injected["throttle"] > 0
    assert len(plans) == 3 and all(p.problem is None for p in plans)
    assert created.plan == seeded("hdhp")
    assert len(connector.list_plans(ACCOUNT)) == 4
    assert sandbox.calls["createProduct"] == 1


def test_a_validation_error_is_never_retried(sandbox: Sandbox) -> None:
    sandbox.faults(throttle_rate=0.2, retry_after_s=0.01, seed=3)
    http = httpx.Client(base_url=sandbox.server.url, timeout=5.0)
    client = BrokerConnectClient(SoapSession(http, username="sandbox", password="sandbox", retry=FAST_RETRY))
    invalid = {"accountID": ACCOUNT, "productTypeID": 1, "carrierID": 101, "officeID": 1,
               "primarySalesLeadUserID": 1, "primaryServiceLeadUserID": 1}
    with pytest.raises(ValidationFailed):
        client.create_product(invalid, view_level_id=1)
    with pytest.raises(ValidationFailed):
        client.update_product({**invalid, "productID": 700001})
    http.close()
    assert sandbox.calls["createProduct"] == 1
    assert sandbox.calls["updateProduct"] == 1


def test_a_truncated_answer_is_a_bad_response(sandbox: Sandbox) -> None:
    connector = sandbox.connector()
    connector.product_types()
    sandbox.faults(malformed_rate=1.0)
    with pytest.raises(BadResponse) as caught:
        connector.get_plan("700001")
    assert caught.value.system == "benefitpoint" and caught.value.operation == "getProduct"
