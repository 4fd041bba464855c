"""A BenefitPoint plan (Product + BenefitSummary + Rate) <-> the canonical Plan."""

from __future__ import annotations

import copy
from typing import Any

from config.crosswalk import Crosswalk, UnknownCarrier
from connectors.benefitpoint.benefits import benefits_from_native
from connectors.benefitpoint.catalogue import Catalogue, ProductType
from connectors.benefitpoint.rates import rates_from_native
from connectors.benefitpoint.units import check_units
from connectors.benefitpoint.values import MappingError, date_time, integer, plan_date, text
from connectors.benefitpoint.xmltree import Native
from reconciliation.plan import Plan, PlanStatus, PlanValueError

STATUSES: dict[str, PlanStatus | None] = {
    "Current": PlanStatus.ACTIVE, "Pending": PlanStatus.PENDING, "Cancelled": PlanStatus.CANCELLED,
    "Expired": PlanStatus.EXPIRED, "None_Selected": None,
}
NATIVE_STATUS: dict[PlanStatus | None, str] = {status: name for name, status in STATUSES.items()}


def product_type_of(product: Native, catalogue: Catalogue) -> ProductType:
    type_id = integer(product, "productTypeID", where="Product", required=True)
    product_type = catalogue.by_id(type_id or 0)
    if product_type is None:
        raise MappingError("Product.productTypeID", catalogue.not_mapped(type_id or 0))
    return product_type


def plan_from_native(product: Native, summary: Native | None, rate: Native | None, *,
                     catalogue: Catalogue, crosswalk: Crosswalk) -> Plan:
    """The canonical plan, or MappingError naming the field that cannot be made canonical."""
    product_type = product_type_of(product, catalogue)
    carrier_id = integer(product, "carrierID", where="Product", required=True)
    try:
        carrier = crosswalk.by_benefitpoint_id(carrier_id or 0).code.lower()
    except UnknownCarrier as error:
        raise MappingError("Product.carrierID", str(error)) from None
    raw_status = text(product, "productStatus", where="Product") or "None_Selected"
    if raw_status not in STATUSES:
        raise MappingError("Product.productStatus", f"{raw_status!r} is not one of {', '.join(STATUSES)}")
    try:
        return Plan(
            name=text(product, "name", where="Product", required=True) or "",
            coverage=product_type.coverage,
            plan_type=product_type.plan_type,
            carrier=carrier,
            group_number=text(product, "policyNumber", where="Product"),
            status=STATUSES[raw_status],
            effective_date=plan_date(product, "effectiveAsOf", where="Product"),
            renewal_date=plan_date(product, "renewalOn", where="Product"),
            benefits=benefits_from_native(summary, product_type),
            rates=rates_from_native(rate),
        )
    except PlanValueError as error:
        raise MappingError("Product", str(error)) from None


def product_fields(plan: Plan, *, catalogue: Catalogue, crosswalk: Crosswalk) -> dict[str, Any]:
    """The Product fields a canonical plan decides, in BenefitPoint's terms.

    Every write of a plan starts here, so a benefit its product type cannot hold as a number is
    refused here, before the product, its summary or its rates are sent.
    """
    product_type = catalogue.for_plan(plan.coverage, plan.plan_type)
    if product_type is None:
        raise MappingError("coverage",
                           f"no BenefitPoint product type for {plan.coverage}: {catalogue.remedy}")
    check_units(plan, product_type)
    try:
        carrier_id = crosswalk.by_code(plan.carrier).benefitpoint_id
    except UnknownCarrier as error:
        raise MappingError("carrier", str(error)) from None
    return {
        "productTypeID": product_type.id,
        "productStatus": NATIVE_STATUS[plan.status],
        "name": plan.name,
        "carrierID": carrier_id,
        "policyNumber": plan.group_number,
        "effectiveAsOf": date_time(plan.effective_date) if plan.effective_date else None,
        "renewalOn": date_time(plan.renewal_date) if plan.renewal_date else None,
    }


_FIELD_SOURCES = {
    "productTypeID": ("coverage", "plan_type"), "productStatus": ("status",), "name": ("name",),
    "carrierID": ("carrier",), "policyNumber": ("group_number",), "effectiveAsOf": ("effective_date",),
    "renewalOn": ("renewal_date",),
}


def product_for_create(plan: Plan, *, account: Native, link_field_id: int, link_id: str,
                       catalogue: Catalogue, crosswalk: Crosswalk) -> Native:
    fields = product_fields(plan, catalogue=catalogue, crosswalk=crosswalk)
    return {
        "accountID": account["accountID"],
        **{name: fields[name] for name in ("productTypeID", "productStatus", "name", "carrierID",
                                           "policyNumber", "effectiveAsOf", "renewalOn")},
        "officeID": account.get("officeID"),
        "primarySalesLeadUserID": account.get("primarySalesLeadUserID"),
        "primaryServiceLeadUserID": account.get("primaryServiceLeadUserID"),
        "customFieldValues": [{"customFieldID": link_field_id, "valueText": link_id}],
    }


def product_for_update(product: Native, plan: Plan, *, current: Plan | None, link_field_id: int,
                       link_id: str, catalogue: Catalogue, crosswalk: Crosswalk) -> Native | None:
    """The Product as read with the changed fields applied; None when nothing changed."""
    fields = product_fields(plan, catalogue=catalogue, crosswalk=crosswalk)
    updated = copy.deepcopy(product)
    for name, sources in _FIELD_SOURCES.items():
        if current is None or any(getattr(current, s) != getattr(plan, s) for s in sources):
            if fields[name] is None:
                updated.pop(name, None)
            else:
                updated[name] = fields[name]
    set_link_id(updated, link_field_id=link_field_id, link_id=link_id)
    return None if updated == product else updated


def link_id_of(product: Native, *, link_field_id: int) -> str | None:
    for value in product.get("customFieldValues", []):
        if isinstance(value, dict) and str(value.get("customFieldID", "")).strip() == str(link_field_id):
            return text(value, "valueText", where="Product.customFieldValues")
    return None


def set_link_id(product: Native, *, link_field_id: int, link_id: str) -> None:
    if link_id_of(product, link_field_id=link_field_id) == link_id:
        return
    values = [v for v in product.get("customFieldValues", [])
              if not (isinstance(v, dict) and str(v.get("customFieldID", "")).strip() == str(link_field_id))]
    product["customFieldValues"] = [*values, {"customFieldID": link_field_id, "valueText": link_id}]
