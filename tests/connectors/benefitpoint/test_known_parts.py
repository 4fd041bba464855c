"""A plan held as a snapshot: only its changed parts are read, a write compares what it replaces first,
reads back only what it wrote, and the feed names each entity's version without asking for known owners."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from connectors.benefitpoint import BenefitPointConnector
from connectors.errors import StaleVersion
from connectors.ports import RemotePlan
from tests.connectors.benefitpoint.test_contract import ACCOUNT, Sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    world = Sandbox()
    yield world
    world.close()


def _calls(sandbox: Sandbox, since: dict[str, int]) -> Counter[str]:
    return Counter({op: count - since.get(op, 0) for op, count in sandbox.calls.items()
                    if count - since.get(op, 0)})


def _whole(connector: BenefitPointConnector) -> RemotePlan:
    """A product with a summary and a rate, read whole, as a snapshot keeps it."""
    plans = [p for p in connector.list_plans(ACCOUNT)
             if p.plan and p.native["benefit_summary"] and p.native["rates"]]
    return plans[0]


def _person_edits(sandbox: Sandbox, kind: str, product_id: str, **fields: Any) -> tuple[str, str]:
    store = sandbox.app.state.store
    with store.lock:
        if kind == "Product":
            return kind, str(store.put(kind, "productID", {**store.products[int(product_id)], **fields}))
        table, id_field = (store.rates, "rateID") if kind == "Rate" else (store.summaries, "benefitSummaryID")
        record = next(row for row in table.values() if row["productID"] == int(product_id))
        return kind, str(store.put(kind, id_field, {**record, **fields}))


def test_a_summary_only_change_reads_only_the_summary(sandbox: Sandbox) -> None:
    connector = sandbox.connector()
    known = _whole(connector)
    changed = _person_edits(sandbox, "Benefit_Summary", known.id, description="Edited")
    before = dict(sandbox.calls)

    fresh = connector.refresh(connector.restore(known.id, known.native), changed=[changed])

    assert _calls(sandbox, before) == Counter({"getBenefitSummary": 1})
    assert fresh is not None and fresh.native["benefit_summary"]["description"] == "Edited"
    assert fresh.native["product"] == known.native["product"] and fresh.version != known.version
    assert fresh.parts[changed] != known.parts[changed]


def test_a_restored_snapshot_is_the_plan_as_read_without_a_call(sandbox: Sandbox) -> None:
    connector = sandbox.connector()
    known = _whole(connector)
    before = dict(sandbox.calls)
    restored = connector.restore(known.id, known.native)
    assert (restored.plan, restored.version, restored.parts) == (known.plan, known.version, known.parts)
    assert _calls(sandbox, before) == Counter()


def test_a_new_rate_of_the_product_is_found_by_its_listing(sandbox: Sandbox) -> None:
    connector = sandbox.connector()
    known = _whole(connector)
    fresh = connector.refresh(known, changed=[("Rate", "999999")])
    assert fresh is not None and fresh.native["rates"] == known.native["rates"]
    assert sandbox.calls["findRates"] >= 1


def test_a_write_from_a_snapshot_compares_the_product_and_reads_back_only_what_it_wrote(
        sandbox: Sandbox) -> None:
    connector = sandbox.connector()
    known = _whole(connector)
    assert known.plan is not None
    before = dict(sandbox.calls)

    written = connector.update_plan(known, known.plan.with_changes(name="Renamed"), link_id="lnk-1")

    assert _calls(sandbox, before) == Counter({"getProduct": 2, "updateProduct": 1})
    assert written.plan is not None and written.plan.name == "Renamed"
    assert written.parts[("Product", known.id)] != known.parts[("Product", known.id)]


def test_a_stale_snapshot_is_caught_before_update_product_and_nothing_is_written(sandbox: Sandbox) -> None:
    ours = sandbox.connector()
    known = _whole(ours)
    assert known.plan is not None
    _person_edits(sandbox, "Product", known.id, policyNumber="PERSON-1")
    before = dict(sandbox.calls)

    with pytest.raises(StaleVersion) as caught:
        ours.update_plan(known, known.plan.with_changes(name="Ours"), link_id="lnk-1")

    assert not {op for op in _calls(sandbox, before) if op.startswith(("update", "create"))}
    assert caught.value.current.plan.group_number == "PERSON-1"


def test_a_summary_changed_behind_the_snapshot_is_not_overwritten(sandbox: Sandbox) -> None:
    ours = sandbox.connector()
    known = _whole(ours)
    assert known.plan is not None
    _person_edits(sandbox, "Benefit_Summary", known.id, description="Theirs")
    key = next(iter(known.plan.benefits))
    wanted = known.plan.with_changes(name="Ours", benefits={**known.plan.benefits, key: Decimal("1234")})
    before = dict(sandbox.calls)

    with pytest.raises(StaleVersion) as caught:
        ours.update_plan(known, wanted, link_id="lnk-1")

    # Every part is compared before anything is written: not even the product went out.
    assert not {op for op in _calls(sandbox, before) if op.startswith(("update", "create"))}
    assert caught.value.current.native["benefit_summary"]["description"] == "Theirs"


def test_the_feed_asks_nothing_about_entities_it_knows_and_names_their_versions(sandbox: Sandbox) -> None:
    connector = sandbox.connector()
    known = _whole(connector)
    watermark = connector.changes_since(None).watermark
    summary = _person_edits(sandbox, "Benefit_Summary", known.id, description="Edited")
    product = _person_edits(sandbox, "Product", known.id, name="Edited")
    before = dict(sandbox.calls)

    page = connector.changes_since(watermark, owners=lambda keys: {
        key: (known.id, ACCOUNT) for key in keys if key in (summary, product)})

    assert _calls(sandbox, before) == Counter({"findChanges": 1})
    assert page.changed == [(ACCOUNT, known.id)]
    fresh = connector.get_plan(known.id)
    assert fresh is not None
    assert {entity.key: entity.version for entity in page.entities} == {
        summary: fresh.parts[summary], product: fresh.parts[product]}
    assert {entity.plan_id for entity in page.entities} == {known.id}
