"""A plan seeded into the sandbox reads back, through the connector, as the same canonical plan."""

from __future__ import annotations

from starlette.applications import Starlette

from connectors.benefitpoint import BenefitPointConnector
from connectors.sandbox.benefitpoint.seed import _add_plan
from connectors.sandbox.demo_world import EMPLOYERS, seed_plans
from connectors.sandbox.server import ServerThread
from reconciliation.plan import RateStructure


def test_an_age_banded_plan_with_uneven_bands_reads_back_with_the_same_bands(app: Starlette) -> None:
    employer = EMPLOYERS[0]
    hdhp = next(entry.perfectquote for entry in seed_plans(employer) if entry.key == "hdhp")
    assert hdhp is not None and hdhp.rates is not None
    assert hdhp.rates.structure is RateStructure.AGE_BANDED
    store = app.state.store
    before = set(store.products)
    _add_plan(store, hdhp, account=store.accounts[employer.benefitpoint_account_id])
    (product_id,) = set(store.products) - before
    with ServerThread(app) as server:
        connector = BenefitPointConnector(base_url=server.url, username="sandbox", password="sandbox")
        try:
            remote = connector.get_plan(str(product_id))
        finally:
            connector.close()
    assert remote is not None
    assert remote.problem is None
    assert remote.plan is not None and remote.plan.rates == hdhp.rates
