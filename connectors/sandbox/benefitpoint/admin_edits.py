"""Admin: a person editing a product in BenefitPoint (fresh lastModifiedOn, seen by findChanges)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.sandbox.benefitpoint.store import Record, Store

PRODUCT_FIELDS = ("name", "policyNumber", "productStatus", "carrierID")


class EditRefused(ValueError):
    """The edit names something the product cannot hold; nothing was changed."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _attribute_values(store: Store, product: Record, attributes: Any) -> dict[int, str]:
    if not isinstance(attributes, dict):
        raise EditRefused("attributes must be an object of attributeID -> value")
    known = {entry.attribute_id: entry for entry in store.catalog.attributes_of(product["productTypeID"])}
    values: dict[int, str] = {}
    for key, value in attributes.items():
        if not str(key).isdigit() or int(key) not in known:
            raise EditRefused(f"attribute {key!r} is not an attribute of product type "
                              f"{product['productTypeID']}")
        values[int(key)] = str(value)
    return values


def _edited_summary(store: Store, product: Record, values: dict[int, str]) -> Record:
    """The product's benefit summary with each value set (an attribute it lacks is added)."""
    summary = next((row for row in store.summaries.values() if row["productID"] == product["productID"]),
                   {"benefitSummaryID": None, "productID": product["productID"],
                    "description": "Benefit Summary", "viewLevelID": 1, "attributeValues": []})
    by_id = {entry.attribute_id: entry for entry in store.catalog.attributes_of(product["productTypeID"])}
    rows = {row["attributeID"]: row for row in summary["attributeValues"]}
    for attribute_id, value in values.items():
        rows[attribute_id] = {"attributeID": attribute_id, "attributeVisibility": "Visible",
                              "attributeValueDetails": [{"value": value, "UOM": by_id[attribute_id].uom,
                                                         "benefitColumnID": 1}]}
    return {**summary, "attributeValues": [rows[key] for key in sorted(rows)]}


def edit_product(store: Store, product_id: int, body: Any) -> Record:
    """Change the named product fields and benefit attributes, all or nothing."""
    if not isinstance(body, dict):
        raise EditRefused("the body must be a JSON object")
    unknown = sorted(set(body) - {*PRODUCT_FIELDS, "attributes"})
    if unknown:
        raise EditRefused(f"not editable here: {', '.join(unknown)}")
    with store.lock:
        product = store.products.get(product_id)
        if product is None:
            raise EditRefused(f"product {product_id} does not exist", status=404)
        if "carrierID" in body and body["carrierID"] not in store.carriers:
            raise EditRefused(f"carrierID {body['carrierID']!r} is not a known carrier")
        values = _attribute_values(store, product, body.get("attributes", {}))
        fields = {name: body[name] for name in PRODUCT_FIELDS if name in body}
        if fields:
            store.put("Product", "productID", {**product, **fields})
        if values:
            store.put("Benefit_Summary", "benefitSummaryID", _edited_summary(store, product, values))
        return dict(store.products[product_id])


async def admin_edit_product(request: Request) -> Response:
    try:
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise EditRefused("the request body is not JSON") from None
        product = edit_product(request.app.state.store, request.path_params["product_id"], body)
    except EditRefused as error:
        return JSONResponse({"error": str(error)}, status_code=error.status)
    return JSONResponse({key: value.isoformat() if isinstance(value, datetime) else value
                         for key, value in product.items()})


def edit_route(prefix: str) -> Route:
    return Route(f"{prefix}products/{{product_id:int}}", admin_edit_product, methods=["POST"])
