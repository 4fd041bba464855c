"""The pure parts of the sandbox: its clock, its dateTime text, its seeded state."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.sandbox.benefitpoint.codec import SERVER_TZ, format_datetime, parse_datetime
from connectors.sandbox.benefitpoint.seed import seed_store
from connectors.sandbox.benefitpoint.store import Clock, Store


def test_the_clock_never_repeats_a_millisecond() -> None:
    frozen = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    clock = Clock(lambda: frozen)
    ticks = [clock.tick() for _ in range(3)]
    assert [format_datetime(tick) for tick in ticks] == [
        "2026-03-01T07:00:00.000-05:00", "2026-03-01T07:00:00.001-05:00", "2026-03-01T07:00:00.002-05:00"]


def test_datetimes_without_an_offset_are_read_in_the_server_offset() -> None:
    assert parse_datetime("2026-01-01T00:00:00") == datetime(2026, 1, 1, tzinfo=SERVER_TZ)
    assert parse_datetime("2026-01-01T05:00:00Z") == datetime(2026, 1, 1, tzinfo=SERVER_TZ)


def _products(seed: int) -> list[tuple[object, ...]]:
    store = seed_store(Store(), seed=seed)
    return [(row["name"], row["policyNumber"], row["carrierID"]) for row in store.products.values()]


def test_the_same_seed_gives_the_same_products_and_another_seed_others() -> None:
    assert _products(0) == _products(0)
    assert _products(0) != _products(1)


def test_deleting_a_product_removes_its_parts_and_records_each_deletion() -> None:
    store = seed_store(Store())
    product_id = next(row["productID"] for row in store.rates.values())
    assert store.delete_product(product_id)
    assert all(row["productID"] != product_id for row in [*store.summaries.values(), *store.rates.values()])
    assert {row["entityType"] for row in store.deletions} == {"Product", "Benefit_Summary", "Rate"}
    assert not store.delete_product(product_id)


def test_a_record_found_by_its_owner_follows_the_owner_it_has_now() -> None:
    store = seed_store(Store())
    product = next(iter(store.products.values()))
    account_id, moved_to = product["accountID"], product["accountID"] + 999
    assert product in store.owned("Product", account_id)
    store.put("Product", "productID", {**product, "accountID": moved_to})
    assert [row["productID"] for row in store.owned("Product", moved_to)] == [product["productID"]]
    assert all(row["productID"] != product["productID"] for row in store.owned("Product", account_id))
    # Each of its parts once, under its product, as a scan of the table finds them.
    for kind in ("Benefit_Summary", "Rate"):
        scanned = [row for row in store.tables[kind].values() if row["productID"] == product["productID"]]
        assert store.owned(kind, product["productID"]) == scanned
