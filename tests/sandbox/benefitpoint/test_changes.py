"""findChanges after updates and deletes, and the admin delete endpoint."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import httpx

from connectors.sandbox.demo_world import EMPLOYERS
from tests.sandbox.benefitpoint.soap_client import answer, call, fault, text

ACCOUNT = EMPLOYERS[1].benefitpoint_account_id


def _changes(client: httpx.Client, session: str, *, since: str = "", types: tuple[str, ...] = ()) -> Element:
    criteria = f"<sinceLastModifiedOn>{since}</sinceLastModifiedOn>" if since else ""
    criteria += "".join(f"<typesToInclude>{kind}</typesToInclude>" for kind in types)
    response = call(client, "findChanges", f"<criteria>{criteria}</criteria>", session=session)
    assert response.status_code == 200, response.text
    summary = answer(response, "findChanges").find("ChangeSummary")
    assert summary is not None
    return summary


def _entries(summary: Element, kind: str) -> set[tuple[str, str]]:
    return {(text(entry, "entityType"), text(entry, "entityID")) for entry in summary.findall(kind)}


def _first_product(client: httpx.Client, session: str) -> Element:
    listed = answer(call(client, "findProducts", f"<criteria><accountID>{ACCOUNT}</accountID></criteria>",
                         session=session), "findProducts")
    product_id = text(listed[0], "productID")
    return answer(call(client, "getProduct", f"<productID>{product_id}</productID>", session=session),
                  "getProduct")[0]


def _rename(client: httpx.Client, session: str, product: Element, name: str) -> None:
    fields = "".join(f"<{child.tag}>{child.text}</{child.tag}>" for child in product
                     if child.tag not in {"name", "customFieldValues"})
    response = call(client, "updateProduct", f"<update>{fields}<name>{name}</name></update>", session=session)
    assert text(answer(response, "updateProduct"), "Result/success") == "true"


def test_without_a_watermark_every_entity_is_reported(client: httpx.Client, session: str) -> None:
    summary = _changes(client, session)
    kinds = {kind for kind, _ in _entries(summary, "modifications")}
    assert kinds == {"Account", "Product", "Benefit_Summary", "Rate"}
    assert summary.findall("deletions") == []


def test_after_an_update_only_the_updated_product_is_reported(client: httpx.Client, session: str) -> None:
    watermark = text(_changes(client, session), "processStartedOn")
    product = _first_product(client, session)
    _rename(client, session, product, "Renamed Plan")
    summary = _changes(client, session, since=watermark)
    assert _entries(summary, "modifications") == {("Product", text(product, "productID"))}
    later = _changes(client, session, since=text(summary, "processStartedOn"))
    assert _entries(later, "modifications") == set()


def test_types_to_include_filters_the_report(client: httpx.Client, session: str) -> None:
    summary = _changes(client, session, types=("Rate",))
    assert {kind for kind, _ in _entries(summary, "modifications")} == {"Rate"}


def test_a_deleted_product_is_reported_with_its_summaries(client: httpx.Client, session: str) -> None:
    watermark = text(_changes(client, session), "processStartedOn")
    product_id = text(_first_product(client, session), "productID")
    summaries = answer(call(client, "findBenefitSummaries", f"<criteria><productID>{product_id}</productID>"
                            "</criteria>", session=session), "findBenefitSummaries")
    assert client.delete(f"/_sandbox/products/{product_id}").status_code == 204
    summary = _changes(client, session, since=watermark)
    deleted = _entries(summary, "deletions")
    assert ("Product", product_id) in deleted
    assert {("Benefit_Summary", text(item, "benefitSummaryID")) for item in summaries} <= deleted
    assert all(text(entry, "deletedOn").endswith("-05:00") for entry in summary.findall("deletions"))
    assert "Validation_Error" in fault(call(client, "getProduct", f"<productID>{product_id}</productID>",
                                            session=session))[1]


def test_deleting_an_unknown_product_is_a_404(client: httpx.Client) -> None:
    response = client.delete("/_sandbox/products/1")
    assert response.status_code == 404 and "product 1" in response.json()["error"]
