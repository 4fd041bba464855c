"""Handlers of the read operations: each takes the store and the decoded parameters."""

from __future__ import annotations

from typing import Any

from connectors.sandbox.benefitpoint.soap_fault import SoapFault, not_found
from connectors.sandbox.benefitpoint.store import ENTITY_TYPES, Record, Store

Params = dict[str, Any]
_LINES_OF_COVERAGE = {"medical": "Medical", "dental": "Dental", "vision": "Vision", "life": "Life",
                      "add": "Life", "std": "Disability", "ltd": "Disability"}


def _get(table: dict[int, Record], entity_id: int, what: str) -> Record:
    record = table.get(entity_id)
    if record is None:
        raise not_found(what, entity_id)
    return record


def _sorted(records: Any) -> list[Record]:
    return sorted(records, key=lambda record: record["lastModifiedOn"])


def find_accounts(store: Store, params: Params) -> list[Record]:
    criteria = params["criteria"] or {}
    match = (criteria.get("accountNameMatch") or "").strip().lower()
    active = criteria.get("active")
    return [account for _, account in sorted(store.accounts.items())
            if match in account["accountName"].lower() and active in (None, account["active"])]


def get_account(store: Store, params: Params) -> Record:
    return _get(store.accounts, params["accountID"], "account")


def get_available_carriers(store: Store, params: Params) -> list[Record]:
    return [carrier for _, carrier in sorted(store.carriers.items())]


def get_product_types(store: Store, params: Params) -> list[Record]:
    return [{"productTypeID": entry.id, "description": entry.description,
             "lineOfCoverage": _LINES_OF_COVERAGE.get(entry.coverage, "Other")}
            for entry in store.catalog.product_types]


def find_products(store: Store, params: Params) -> list[Record]:
    criteria = params["criteria"]
    account_id = criteria["accountID"]
    _get(store.accounts, account_id, "account")
    since = criteria["sinceLastModifiedOn"]
    found = [product for product in store.owned("Product", account_id)
             if since is None or product["lastModifiedOn"] >= since]
    return [_product_summary(store, product) for product in _sorted(found)]


def _product_summary(store: Store, product: Record) -> Record:
    product_type = store.catalog.product_type(product["productTypeID"])
    carrier = store.carriers.get(product["carrierID"], {})
    return {**product, "productTypeDescription": product_type.description if product_type else None,
            "carrierName": carrier.get("carrierName")}


def get_product(store: Store, params: Params) -> Record:
    return _get(store.products, params["productID"], "product")


def find_benefit_summaries(store: Store, params: Params) -> list[Record]:
    product_id = params["criteria"]["productID"]
    _get(store.products, product_id, "product")
    return _sorted(store.owned("Benefit_Summary", product_id))


def get_benefit_summary(store: Store, params: Params) -> Record:
    return _get(store.summaries, params["benefitSummaryID"], "benefit summary")


def get_benefit_summary_structure(store: Store, params: Params) -> list[Record]:
    plan_type_id = params["planTypeID"]
    if store.catalog.product_type(plan_type_id) is None:
        raise not_found("plan type", plan_type_id)
    return [{"attributeID": entry.attribute_id, "description": entry.description, "UOM": entry.uom}
            for entry in store.catalog.attributes_of(plan_type_id)]


def find_rates(store: Store, params: Params) -> list[Record]:
    product_id = params["rateSearchCriteria"]["productID"]
    _get(store.products, product_id, "product")
    return _sorted(store.owned("Rate", product_id))


def get_rate(store: Store, params: Params) -> Record:
    return _get(store.rates, params["rateID"], "rate")


def find_changes(store: Store, params: Params) -> Record:
    """Entities touched or deleted at or after `sinceLastModifiedOn` (all of them without it)."""
    criteria = params["criteria"] or {"sinceLastModifiedOn": None, "typesToInclude": []}
    since = criteria["sinceLastModifiedOn"]
    kinds = criteria["typesToInclude"] or list(ENTITY_TYPES)
    unknown = sorted(set(kinds) - set(ENTITY_TYPES))
    if unknown:
        raise SoapFault(f"findChanges: typesToInclude {', '.join(unknown)} is not supported")
    started = store.clock.tick()
    id_fields = {"Account": "accountID", "Product": "productID", "Benefit_Summary": "benefitSummaryID",
                 "Rate": "rateID"}
    modifications = [
        {"entityID": row[id_fields[kind]], "entityType": kind, "lastModifiedOn": row["lastModifiedOn"]}
        for kind in kinds for row in store.tables[kind].values()
        if since is None or row["lastModifiedOn"] >= since
    ]
    deletions = [row for row in store.deletions
                 if row["entityType"] in kinds and (since is None or row["deletedOn"] >= since)]
    return {"processStartedOn": started, "modifications": _sorted(modifications), "deletions": deletions}
