"""PerfectQuote's nested `benefits` object <-> the canonical flat dotted keys."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from reconciliation.plan import BenefitValue, PlanValueError

# The medical keys the contract names; any other key (dental, vision, new ones) is kept as read.
KNOWN_BENEFIT_KEYS = frozenset({
    "deductible.individual", "deductible.family",
    "out_of_pocket_max.individual", "out_of_pocket_max.family",
    "coinsurance",
    "copays.primary_care", "copays.specialist", "copays.urgent_care", "copays.emergency_room",
    "rx.generic", "rx.preferred_brand", "rx.non_preferred_brand", "rx.specialty",
})


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


def merged_for_write(planned: Mapping[str, BenefitValue], current_native: Any) -> dict[str, Any]:
    """The planned benefits, plus keys of the current record that no mapping names.

    Keys the contract names are the plan's to set or clear; the others (a dental maximum the
    other system cannot hold) would be lost on a full replace, so they are carried over.
    """
    flat: dict[str, Any] = dict(planned)
    current = flatten(current_native) if isinstance(current_native, Mapping) else {}
    for key, value in current.items():
        lowered = key.lower()
        if lowered not in flat and lowered not in KNOWN_BENEFIT_KEYS:
            flat[lowered] = value
    return nest(flat)
