"""Benefit-summary attribute values <-> canonical benefit keys, through the attribute table."""

from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation

from connectors.benefitpoint.catalogue import NUMERIC_UOMS, Attribute, ProductType
from connectors.benefitpoint.values import integer, text
from connectors.benefitpoint.xmltree import Native
from reconciliation.plan import BenefitValue, Plan, money

IN_NETWORK_COLUMN = 1
NEW_VISIBILITY = "Visible"
VIEW_LEVEL_ID = 1


def _attribute_values(summary: Native | None) -> list[Native]:
    if summary is None:
        return []
    return [value for value in summary.get("attributeValues", []) if isinstance(value, dict)]


def _attribute_id(value: Native) -> int | None:
    return integer(value, "attributeID", where="BenefitSummary.attributeValues", required=True)


def _detail(value: Native) -> Native | None:
    details = [d for d in value.get("attributeValueDetails", []) if isinstance(d, dict)]
    in_network = [d for d in details if str(d.get("benefitColumnID", "")).strip() == str(IN_NETWORK_COLUMN)]
    return (in_network or details or [None])[0]


def benefit_from_text(raw: str | None, attribute: Attribute) -> BenefitValue:
    if raw is None or not raw.strip():
        return None
    if attribute.uom in NUMERIC_UOMS:
        cleaned = raw.replace("$", "").replace(",", "").replace("%", "").strip()
        try:
            return money(Decimal(cleaned), field_name=f"benefits.{attribute.key}")
        except (InvalidOperation, ValueError):
            return raw.strip()
    return raw.strip()


def benefits_from_native(summary: Native | None, product_type: ProductType) -> dict[str, BenefitValue]:
    """Only the keys of the product type's table; other attributes stay native."""
    benefits: dict[str, BenefitValue] = {}
    by_id = {attribute.attribute_id: attribute for attribute in product_type.attributes}
    for value in _attribute_values(summary):
        attribute = by_id.get(_attribute_id(value) or 0)
        if attribute is None:
            continue
        detail = _detail(value)
        raw = text(detail, "value", where="BenefitSummary.attributeValueDetails") if detail else None
        benefits[attribute.key] = benefit_from_text(raw, attribute)
    return benefits


def value_text(value: BenefitValue) -> str:
    if value is None:
        return ""
    return f"{value:f}" if isinstance(value, Decimal) else value


def summary_for(plan: Plan, product_type: ProductType, *, product_id: int,
                existing: Native | None) -> Native:
    """The BenefitSummary to write: `existing` with the table's attributes set from the plan.

    Attributes the table does not map are kept as read; mapped ones the plan lacks are removed.
    """
    summary: Native = copy.deepcopy(existing) if existing else {
        "productID": product_id, "description": plan.name, "viewLevelID": VIEW_LEVEL_ID,
    }
    by_id = {attribute.attribute_id: attribute for attribute in product_type.attributes}
    kept: list[Native] = []
    written: set[int] = set()
    for value in _attribute_values(existing):
        attribute = by_id.get(_attribute_id(value) or 0)
        if attribute is None:
            kept.append(value)
        elif attribute.key in plan.benefits and attribute.attribute_id not in written:
            kept.append(_with_value(value, attribute, plan.benefits[attribute.key]))
            written.add(attribute.attribute_id)
    for attribute in product_type.attributes:
        if attribute.key in plan.benefits and attribute.attribute_id not in written:
            kept.append(_with_value({"attributeID": attribute.attribute_id,
                                     "attributeVisibility": NEW_VISIBILITY},
                                    attribute, plan.benefits[attribute.key]))
    summary["attributeValues"] = kept
    return summary


def _with_value(value: Native, attribute: Attribute, benefit: BenefitValue) -> Native:
    updated = dict(value)
    details = [dict(d) for d in value.get("attributeValueDetails", []) if isinstance(d, dict)]
    target = _detail({"attributeValueDetails": details})
    if target is None:
        target = {"value": "", "UOM": attribute.uom, "benefitColumnID": IN_NETWORK_COLUMN}
        details.append(target)
    target["value"] = value_text(benefit)
    target["UOM"] = attribute.uom
    updated["attributeValueDetails"] = details
    return updated


def unmapped_keys(plan: Plan, product_type: ProductType) -> list[str]:
    known = {attribute.key for attribute in product_type.attributes}
    return sorted(key for key in plan.benefits if key not in known)



