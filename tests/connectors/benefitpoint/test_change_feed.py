"""The change feed against the sandbox: an entity whose answer cannot be read is reported, not raised."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.sandbox.benefitpoint import operations, reads
from reconciliation.pending import UnreadableChange
from reconciliation.side import Side
from tests.connectors.benefitpoint.test_contract import ACCOUNT, Sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    world = Sandbox()
    yield world
    world.close()


def _touch(sandbox: Sandbox, kind: str, product_id: int) -> int:
    """A person edits the product's summary or rate: only that entity gets a fresh lastModifiedOn."""
    store = sandbox.app.state.store
    with store.lock:
        table, id_field = (store.rates, "rateID") if kind == "Rate" else (store.summaries, "benefitSummaryID")
        record = next(row for row in table.values() if row["productID"] == product_id)
        return store.put(kind, id_field, dict(record))


def _unreadable_rates(store: Any, params: dict[str, Any]) -> dict[str, Any]:
    return {**reads.get_rate(store, params), "productID": None}


def test_an_unreadable_rate_is_reported_while_the_rest_of_the_feed_is_read(
        sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    connector = sandbox.connector()
    store = sandbox.app.state.store
    rated = sorted({row["productID"] for row in store.rates.values()} & set(store.products)
                   & {row["productID"] for row in store.summaries.values()}
                   & {int(plan.id) for plan in connector.list_plans(ACCOUNT)})
    products = rated[:2]
    watermark = connector.changes_since(None).watermark
    rate_id = _touch(sandbox, "Rate", products[0])
    _touch(sandbox, "Benefit_Summary", products[1])
    monkeypatch.setitem(operations.HANDLERS, "getRate", _unreadable_rates)

    page = connector.changes_since(watermark)

    assert page.changed == [(ACCOUNT, str(products[1]))]
    [unreadable] = page.unreadable
    assert (unreadable.side, unreadable.entity_type, unreadable.entity_id) == (Side.BENEFITPOINT, "Rate",
                                                                              str(rate_id))
    assert "getRate" in unreadable.error and "productID" in unreadable.error
    assert page.watermark > watermark

    # Asked again next cycle, once the answer reads: the rate's product is among the changes.
    monkeypatch.setitem(operations.HANDLERS, "getRate", reads.get_rate)
    later = connector.changes_since(page.watermark, retry=page.unreadable)
    assert later.changed == [(ACCOUNT, str(products[0]))]
    assert later.unreadable == []


def test_a_retried_entity_that_is_gone_is_simply_dropped(sandbox: Sandbox) -> None:
    connector = sandbox.connector()
    watermark = connector.changes_since(None).watermark
    gone = UnreadableChange(side=Side.BENEFITPOINT, entity_type="Rate", entity_id="999999", error="earlier")
    page = connector.changes_since(watermark, retry=[gone])
    assert (page.changed, page.unreadable) == ([], [])


def test_an_idle_feed_costs_one_call(sandbox: Sandbox) -> None:
    connector = sandbox.connector()
    watermark = connector.changes_since(None).watermark
    calls = sum(sandbox.calls.values())
    page = connector.changes_since(watermark)
    assert (page.changed, page.deleted, page.unreadable) == ([], [], [])
    assert sum(sandbox.calls.values()) - calls == 1
