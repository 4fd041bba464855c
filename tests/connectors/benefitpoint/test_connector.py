"""The connector over scripted answers: one bad product among good ones, creates that never duplicate."""

from __future__ import annotations

import re

import pytest

from connectors.errors import TransientError
from connectors.ports import guarded_calls
from tests.connectors.benefitpoint.fakes import ScriptedBenefitPoint, connector_for, response, result
from tests.connectors.benefitpoint.test_mapping import sample_plan


def product_xml(product_id: int, *, carrier_id: int = 101, link_id: str | None = None) -> str:
    link = (f"<customFieldValues><customFieldID>9001</customFieldID><valueText>{link_id}</valueText>"
            "</customFieldValues>") if link_id else ""
    return (f"<Product><productID>{product_id}</productID><accountID>5</accountID>"
            f"<productTypeID>1</productTypeID><productStatus>Current</productStatus>"
            f"<name>Plan {product_id}</name><carrierID>{carrier_id}</carrierID>"
            f"<effectiveAsOf>2026-01-01T00:00:00.000-05:00</effectiveAsOf><officeID>1</officeID>"
            f"{link}<lastModifiedOn>2026-02-01T10:00:00.000-05:00</lastModifiedOn></Product>")


def requested_id(content: bytes, name: str) -> int:
    match = re.search(rf"<{name}>(\d+)</{name}>".encode(), content)
    assert match is not None
    return int(match.group(1))


def world(products: dict[int, str], *, rates: dict[int, str] | None = None) -> ScriptedBenefitPoint:
    """Products by id (their <Product> XML, or a whole raw answer), optional one rate per product."""
    fake = ScriptedBenefitPoint()
    summaries = "".join(f"<ProductSummary><productID>{pid}</productID></ProductSummary>" for pid in products)
    fake.script("findProducts", (200, response("findProducts", summaries)))
    fake.script("findBenefitSummaries", (200, response("findBenefitSummaries", "")))
    fake.handlers["getProduct"] = lambda content: (
        200, response("getProduct", products[requested_id(content, "productID")]))
    fake.handlers["findRates"] = lambda content: (200, response("findRates", (
        f"<RateSummary><rateID>{requested_id(content, 'productID')}</rateID></RateSummary>"
        if requested_id(content, "productID") in (rates or {}) else "")))
    fake.handlers["getRate"] = lambda content: (200, response("getRate", (rates or {})[
        requested_id(content, "rateID")]))
    return fake


def test_one_bad_product_becomes_a_problem_and_the_rest_go_on() -> None:
    bad_rate = ("<Rate><rateFieldValues><valueNum>abc</valueNum><rateTier><description>Family"
                "</description></rateTier></rateFieldValues></Rate>")
    fake = world({1: product_xml(1), 2: product_xml(2, carrier_id=999), 3: product_xml(3),
                  4: product_xml(4)}, rates={3: bad_rate})
    original = fake.handlers["getProduct"]
    fake.handlers["getProduct"] = lambda content: (
        (200, b"<html>maintenance</html>") if requested_id(content, "productID") == 4 else original(content))
    plans = {plan.id: plan for plan in connector_for(fake).list_plans("5")}
    assert plans["1"].plan is not None and plans["1"].problem is None
    assert plans["2"].plan is None and "carrierID 999" in (plans["2"].problem or "")
    assert plans["3"].plan is None and "valueNum" in (plans["3"].problem or "")
    assert plans["4"].plan is None and "getProduct" in (plans["4"].problem or "")


def test_any_edit_moves_the_version() -> None:
    fake = world({1: product_xml(1)})
    connector = connector_for(fake)
    before = connector.get_plan("1")
    fake.handlers["getProduct"] = lambda _c: (200, response("getProduct", product_xml(1).replace(
        "2026-02-01T10", "2026-02-02T10")))
    after = connector.get_plan("1")
    assert before is not None and after is not None
    assert before.plan == after.plan
    assert before.version != after.version


def create_world(create_answers: list[tuple[int, bytes]], *, lost_create_went_through: bool
                 ) -> ScriptedBenefitPoint:
    products: dict[int, str] = {}
    fake = world(products)
    fake.script("getAccount", (200, response("getAccount", "<Account><accountID>5</accountID><officeID>1"
                                                              "</officeID></Account>")))
    answers = list(create_answers)

    def create(_content: bytes) -> tuple[int, bytes]:
        status, body = answers.pop(0)
        if status == 200 or lost_create_went_through:
            products[700 + len(products)] = product_xml(700 + len(products), link_id="lnk-1")
        return status, body

    fake.handlers["createProduct"] = create
    fake.handlers["findProducts"] = lambda _c: (200, response("findProducts", "".join(
        f"<ProductSummary><productID>{pid}</productID></ProductSummary>" for pid in products)))
    fake.script("createBenefitSummary", (200, response("createBenefitSummary", result(new_id=1))))
    fake.script("createRate", (200, response("createRate", result(new_id=1))))
    return fake


def test_a_create_whose_answer_was_lost_is_found_by_link_id_not_repeated() -> None:
    fake = create_world([(504, b"gateway timeout")], lost_create_went_through=True)
    created = connector_for(fake).create_plan("5", sample_plan(), link_id="lnk-1")
    assert fake.calls("createProduct") == 1
    assert created.id == "700" and created.link_id == "lnk-1"


def test_a_create_that_did_not_happen_is_tried_again_after_looking() -> None:
    fake = create_world([(503, b"busy"), (200, response("createProduct", result(new_id=700)))],
                        lost_create_went_through=False)
    created = connector_for(fake).create_plan("5", sample_plan(), link_id="lnk-1")
    assert fake.calls("createProduct") == 2
    assert fake.calls("findProducts") >= 1
    assert created.id == "700"


def test_a_create_that_keeps_failing_gives_up_without_duplicates() -> None:
    fake = create_world([(503, b"busy")] * 3, lost_create_went_through=False)
    with pytest.raises(TransientError):
        connector_for(fake, retry={"max_attempts": 3, "sleep": lambda _s: None}).create_plan(
            "5", sample_plan(), link_id="lnk-1")
    assert fake.calls("createProduct") == 3
    assert fake.calls("createBenefitSummary") == 0


class Overtaken(Exception):
    pass


def _overtaken() -> None:
    raise Overtaken


def test_a_closed_guard_lets_reads_through_and_stops_a_create_before_it_is_sent() -> None:
    fake = create_world([(200, response("createProduct", result(new_id=700)))],
                        lost_create_went_through=False)
    fake.handlers["getProduct"] = lambda _c: (200, response("getProduct", product_xml(1)))
    connector = connector_for(fake)
    with guarded_calls(_overtaken):
        assert connector.get_plan("1") is not None
        assert connector.list_plans("5") == []
        with pytest.raises(Overtaken):
            connector.create_plan("5", sample_plan(), link_id="lnk-1")
    assert fake.calls("getProduct") >= 1 and fake.calls("findProducts") >= 1
    assert fake.calls("createProduct") == 0
