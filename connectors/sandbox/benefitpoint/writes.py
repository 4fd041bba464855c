"""Handlers of the write operations: validate, replace the whole record, answer a Result."""

from __future__ import annotations

from typing import Any

from connectors.sandbox.benefitpoint.store import Record, Store

Params = dict[str, Any]
_PRODUCT_REQUIRED = ("name", "accountID", "productTypeID", "carrierID", "officeID",
                     "primarySalesLeadUserID", "primaryServiceLeadUserID")


def result(errors: list[str], entity_id: int | None = None) -> Record:
    """`success=false` travels in an HTTP 200 answer, one Validation_Error per problem."""
    if errors:
        return {"success": False, "ID": None,
                "errors": [{"errorCode": "Validation_Error", "message": message} for message in errors]}
    return {"success": True, "ID": entity_id, "errors": []}


def _existing(table: dict[int, Record], record: Record, id_field: str, what: str) -> list[str]:
    """An update names a stored record of the same product (a part never changes hands)."""
    stored = table.get(record[id_field]) if record[id_field] is not None else None
    if stored is None:
        return [f"{what}.{id_field} {record[id_field]!r} does not name an existing {what}"]
    owner = "accountID" if what == "Product" else "productID"
    if record[owner] is not None and record[owner] != stored[owner]:
        return [f"{what}.{owner} cannot change from {stored[owner]} to {record[owner]}"]
    return []


def _product_errors(store: Store, product: Record) -> list[str]:
    errors = [f"Product.{name} is required" for name in _PRODUCT_REQUIRED
              if product[name] is None or (isinstance(product[name], str) and not product[name].strip())]
    if product["accountID"] is not None and product["accountID"] not in store.accounts:
        errors.append(f"Product.accountID {product['accountID']} is not a known account")
    if product["productTypeID"] is not None and store.catalog.product_type(product["productTypeID"]) is None:
        errors.append(f"Product.productTypeID {product['productTypeID']} is not a known product type")
    if product["carrierID"] is not None and product["carrierID"] not in store.carriers:
        errors.append(f"Product.carrierID {product['carrierID']} is not a known carrier")
    errors += [f"Product.customFieldValues[{index}].customFieldID is required"
               for index, value in enumerate(product["customFieldValues"]) if value["customFieldID"] is None]
    return errors


def create_product(store: Store, params: Params) -> Record:
    product = params["product"]
    errors = _product_errors(store, product)
    return result(errors) if errors else result([], store.put("Product", "productID",
                                                              {**product, "productID": None}))


def update_product(store: Store, params: Params) -> Record:
    product = params["update"]
    errors = _existing(store.products, product, "productID", "Product") or _product_errors(store, product)
    return result(errors) if errors else result([], store.put("Product", "productID", product))


def _summary_errors(store: Store, summary: Record) -> list[str]:
    product = store.products.get(summary["productID"]) if summary["productID"] is not None else None
    if product is None:
        return [f"BenefitSummary.productID {summary['productID']!r} is not a known product"]
    known = {entry.attribute_id for entry in store.catalog.attributes_of(product["productTypeID"])}
    errors = []
    for index, value in enumerate(summary["attributeValues"]):
        if value["attributeID"] not in known:
            errors.append(f"BenefitSummary.attributeValues[{index}].attributeID {value['attributeID']!r} "
                          f"is not an attribute of product type {product['productTypeID']}")
        errors += [f"BenefitSummary.attributeValues[{index}].attributeValueDetails[{position}]"
                   f".benefitColumnID is required"
                   for position, detail in enumerate(value["attributeValueDetails"])
                   if detail["benefitColumnID"] is None]
    return errors


def create_benefit_summary(store: Store, params: Params) -> Record:
    summary = params["benefitSummary"]
    errors = _summary_errors(store, summary)
    return result(errors) if errors else result([], store.put("Benefit_Summary", "benefitSummaryID",
                                                              {**summary, "benefitSummaryID": None}))


def update_benefit_summary(store: Store, params: Params) -> Record:
    summary = params["benefitSummary"]
    errors = (_existing(store.summaries, summary, "benefitSummaryID", "BenefitSummary")
              or _summary_errors(store, summary))
    return result(errors) if errors else result([], store.put("Benefit_Summary", "benefitSummaryID", summary))


def _rate_errors(store: Store, rate: Record) -> list[str]:
    if rate["productID"] is None or rate["productID"] not in store.products:
        return [f"Rate.productID {rate['productID']!r} is not a known product"]
    values = rate["rateFieldValues"]
    if not rate["ageBanded"]:
        return [f"Rate.rateFieldValues[{index}].rateTier is required on a rate that is not age banded"
                for index, value in enumerate(values) if not (value["rateTier"] or {}).get("description")]
    start, end, interval = rate["ageBandedStartOn"], rate["ageBandedEndOn"], rate["ageBandedInterval"]
    if start is None or end is None or not interval or interval < 0 or end < start:
        return ["Rate: an age-banded rate needs ageBandedStartOn <= ageBandedEndOn and ageBandedInterval > 0"]
    bands = -(-(end - start + 1) // interval)
    return [f"Rate.rateFieldValues[{index}].ageBandIndex {value['ageBandIndex']!r} is not between 0 and "
            f"{bands - 1}" for index, value in enumerate(values)
            if value["ageBandIndex"] is None or not 0 <= value["ageBandIndex"] < bands]


def create_rate(store: Store, params: Params) -> Record:
    rate = params["rate"]
    errors = _rate_errors(store, rate)
    return result(errors) if errors else result([], store.put("Rate", "rateID", {**rate, "rateID": None}))


def update_rate(store: Store, params: Params) -> Record:
    rate = params["rate"]
    errors = _existing(store.rates, rate, "rateID", "Rate") or _rate_errors(store, rate)
    return result(errors) if errors else result([], store.put("Rate", "rateID", rate))
