"""Views of a canonical plan: JSON for storage, flat fields for the merge, a content hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from reconciliation.plan import AgeBand, BenefitValue, Plan, PlanValueError, Rates

BENEFIT_PREFIX = "benefits."
RATES_FIELD = "rates"
# Rates move as one unit: a tier from one side and a structure from the other is no plan.
SCALAR_FIELDS = tuple(
    f.name for f in dataclass_fields(Plan) if f.name not in {"benefits", "rates"}
)

FieldValue = Any


def _scalar_to_json(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    return value if value is None or isinstance(value, str | int) else str(value)


def rates_to_json(rates: Rates | None) -> dict[str, Any] | None:
    if rates is None:
        return None
    return {
        "structure": rates.structure.value,
        "frequency": rates.frequency,
        "tiers": {tier.value: f"{amount:f}" for tier, amount in rates.tiers.items()},
        "age_bands": [
            {"min_age": band.min_age, "max_age": band.max_age, "rate": f"{band.rate:f}"}
            for band in rates.age_bands
        ],
    }


def rates_from_json(data: Mapping[str, Any] | None) -> Rates | None:
    if data is None:
        return None
    return Rates(
        structure=data["structure"],
        frequency=data.get("frequency", "monthly"),
        tiers=dict(data.get("tiers", {})),
        age_bands=tuple(
            AgeBand(min_age=int(b["min_age"]), max_age=int(b["max_age"]), rate=b["rate"])
            for b in data.get("age_bands", [])
        ),
    )


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """JSON-safe and lossless: money as decimal strings, dates as ISO dates."""
    data = {name: _scalar_to_json(getattr(plan, name)) for name in SCALAR_FIELDS}
    data["benefits"] = {key: _scalar_to_json(value) for key, value in plan.benefits.items()}
    data["rates"] = rates_to_json(plan.rates)
    return data


def plan_from_json(data: Mapping[str, Any]) -> Plan:
    try:
        return Plan(
            **{name: data.get(name) for name in SCALAR_FIELDS},
            benefits=dict(data.get("benefits") or {}),
            rates=rates_from_json(data.get("rates")),
        )
    except (KeyError, TypeError) as error:
        raise PlanValueError(f"stored plan: {error}") from None


def plan_to_fields(plan: Plan) -> dict[str, FieldValue]:
    """Flat field paths to hashable values: what the three-way merge compares."""
    flat: dict[str, FieldValue] = {name: getattr(plan, name) for name in SCALAR_FIELDS}
    for key, value in plan.benefits.items():
        flat[BENEFIT_PREFIX + key] = value
    flat[RATES_FIELD] = plan.rates
    return flat


def plan_from_fields(flat: Mapping[str, FieldValue]) -> Plan:
    benefits: dict[str, BenefitValue] = {
        path.removeprefix(BENEFIT_PREFIX): value
        for path, value in flat.items()
        if path.startswith(BENEFIT_PREFIX)
    }
    return Plan(
        **{name: flat.get(name) for name in SCALAR_FIELDS},
        benefits=benefits,
        rates=flat.get(RATES_FIELD),
    )


def field_to_json(path: str, value: FieldValue) -> Any:
    """A field value as it goes into the change log and the dry-run output."""
    return rates_to_json(value) if path == RATES_FIELD else _scalar_to_json(value)


def content_hash(plan: Plan) -> str:
    """Equal content, equal hash, in any process: compared before anything finer."""
    encoded = json.dumps(plan_to_json(plan), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()
