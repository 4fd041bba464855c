"""Benefit-summary attribute values <-> canonical benefit keys, through the attribute table."""

from __future__ import annotations

import copy
from decimal import Decimal

from connectors.benefitpoint.catalogue import NUMERIC_UOMS, Attribute, Catalogue, ProductType
from connectors.benefitpoint.units import amount_in_unit
from connectors.benefitpoint.values import integer, text
from connectors.benefitpoint.xmltree import Native
from reconciliation.plan import BenefitValue, Plan

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
        return amount_in_unit(raw, attribute)
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


def _foreign_ids(product_type: ProductType, catalogue: Catalogue) -> set[int]:
    """Attributes the catalogue gives only to other product types: a summary left from before the
    product changed type holds them, and BenefitPoint refuses a summary with them."""
    own = {attribute.attribute_id for attribute in product_type.attributes}
    every = {attribute.attribute_id for other in catalogue.product_types for attribute in other.attributes}
    return every - own


def summary_differs(plan: Plan, product_type: ProductType, *, summary: Native | None,
                    catalogue: Catalogue) -> bool:
    """Whether the summary must be written: its benefits are not the plan's, or it holds another type's."""
    wanted = {key: value for key, value in plan.benefits.items() if product_type.attribute_for_key(key)}
    if benefits_from_native(summary, product_type) != wanted:
        return True
    foreign = _foreign_ids(product_type, catalogue)
    return any(_attribute_id(value) in foreign for value in _attribute_values(summary))


def summary_for(plan: Plan, product_type: ProductType, *, product_id: int,
                existing: Native | None, catalogue: Catalogue) -> Native:
    """The BenefitSummary to write: `existing` with the table's attributes set from the plan.

    Attributes no table maps are kept as read; mapped ones the plan lacks are removed, and so are
    the attributes of another product type (the product changed type): the summary holds the new
    type's benefits only.
    """
    summary: Native = copy.deepcopy(existing) if existing else {
        "productID": product_id, "description": plan.name, "viewLevelID": VIEW_LEVEL_ID,
    }
    by_id = {attribute.attribute_id: attribute for attribute in product_type.attributes}
    foreign = _foreign_ids(product_type, catalogue)
    kept: list[Native] = []
    written: set[int] = set()
    for value in _attribute_values(existing):
        attribute_id = _attribute_id(value) or 0
        attribute = by_id.get(attribute_id)
        if attribute is None:
            if attribute_id not in foreign:
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
