"""PerfectQuote's nested `benefits` object <-> the canonical flat dotted keys."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

from connectors.benefitpoint.catalogue import load_catalogue
from reconciliation.plan import BenefitValue, Plan, PlanValueError


def flatten(benefits: Any, *, prefix: str = "") -> dict[str, Any]:
    """Nested objects joined with dots; leaves are kept as they are (the Plan normalizes them)."""
    if not isinstance(benefits, Mapping):
        raise PlanValueError(f"benefits{'.' + prefix.rstrip('.') if prefix else ''}: must be an object")
    flat: dict[str, Any] = {}
    for key, value in benefits.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, prefix=f"{path}."))
        elif isinstance(value, list):
            raise PlanValueError(f"benefits.{path}: a list is not a benefit value")
        else:
            flat[path] = value
    return flat


def native_value(value: BenefitValue | Any) -> Any:
    """Canonical Decimal amounts travel as decimal strings, as the contract wants money."""
    return f"{value:f}" if isinstance(value, Decimal) else value


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted keys back to nested objects; a key that is both a value and a group is an error."""
    nested: dict[str, Any] = {}
    for path in sorted(flat):
        parts = path.split(".")
        node = nested
        for depth, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                taken = ".".join(parts[: depth + 1])
                raise PlanValueError(f"benefits.{taken}: is both a value and a group of values")
            node = child
        if isinstance(node.get(parts[-1]), dict):
            raise PlanValueError(f"benefits.{path}: is both a value and a group of values")
        node[parts[-1]] = native_value(flat[path])
    return nested


def merged_for_write(planned: Mapping[str, BenefitValue], current_native: Any, *,
                     mapped: Collection[str] = ()) -> dict[str, Any]:
    """The planned benefits, plus keys of the current record that are not `mapped`.

    Mapped keys (those BenefitPoint holds for the plan's coverage) are the plan's to set or clear;
    the others would be lost on a full replace, so they are carried over.
    """
    flat: dict[str, Any] = dict(planned)
    current = flatten(current_native) if isinstance(current_native, Mapping) else {}
    for key, value in current.items():
        lowered = key.lower()
        if lowered not in flat and lowered not in mapped:
            flat[lowered] = value
    return nest(flat)


def mapped_keys(plan: Plan) -> frozenset[str]:
    """The benefit keys BenefitPoint has an attribute for in a plan of this coverage and plan type."""
    product_type = load_catalogue().for_plan(plan.coverage, plan.plan_type)
    return frozenset(attribute.key for attribute in product_type.attributes) if product_type else frozenset()


def benefits_for_write(plan: Plan, current: Mapping[str, Any] | None) -> dict[str, Any]:
    """The plan's benefits, and the current record's keys BenefitPoint cannot hold while the coverage
    stays: a plan that changes coverage takes the new coverage's benefits only, never the old one's."""
    if current is None or str(current.get("coverage") or "").strip().lower() != plan.coverage.value:
        return nest(plan.benefits)
    return merged_for_write(plan.benefits, current.get("benefits"), mapped=mapped_keys(plan))
