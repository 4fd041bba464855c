"""Checks a plan body the way PerfectQuote would: 422 with one detail per bad field."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from connectors.sandbox.perfectquote.errors import invalid

COVERAGES = ("medical", "dental", "vision", "life", "add", "std", "ltd", "other")
PLAN_TYPES = ("HMO", "PPO", "EPO", "POS", "HDHP", "INDEMNITY")
STATUSES = ("active", "pending", "cancelled", "expired")
STRUCTURES = ("composite", "age_banded")
TIERS = ("employee", "employee_spouse", "employee_children", "family")
MONEY = re.compile(r"^-?\d+(\.\d{1,2})?$")
WRITABLE = ("name", "coverage", "plan_type", "carrier", "group_number", "status", "effective_date",
            "renewal_date", "benefits", "rates", "external_refs")


class _Problems:
    def __init__(self) -> None:
        self.details: list[dict[str, str]] = []

    def add(self, field: str, problem: str) -> None:
        self.details.append({"field": field, "problem": problem})


def _money(value: Any, field: str, problems: _Problems) -> None:
    if not isinstance(value, str) or not MONEY.match(value):
        problems.add(field, "must be a decimal string with up to 2 places")
    elif value.startswith("-"):
        problems.add(field, "must be >= 0")


def _choice(body: dict[str, Any], field: str, allowed: tuple[str, ...], problems: _Problems, *,
            nullable: bool) -> None:
    value = body.get(field)
    if value is None and nullable:
        return
    if value not in allowed:
        problems.add(field, f"must be one of {', '.join(allowed)}")


def _benefits(value: Any, path: str, problems: _Problems) -> None:
    if not isinstance(value, dict):
        problems.add(path, "must be an object")
        return
    for key, item in value.items():
        if isinstance(item, dict):
            _benefits(item, f"{path}.{key}", problems)
        elif item is not None and (isinstance(item, bool) or not isinstance(item, str | int | float)):
            problems.add(f"{path}.{key}", "must be text, a number or null")


def _rates(rates: Any, problems: _Problems) -> None:
    if rates is None:
        return
    if not isinstance(rates, dict):
        problems.add("rates", "must be an object or null")
        return
    if rates.get("structure") not in STRUCTURES:
        problems.add("rates.structure", f"must be one of {', '.join(STRUCTURES)}")
    if not isinstance(rates.get("frequency", "monthly"), str):
        problems.add("rates.frequency", "must be text")
    tiers, bands = rates.get("tiers") or {}, rates.get("age_bands") or []
    if not isinstance(tiers, dict) or not isinstance(bands, list):
        problems.add("rates", "tiers must be an object and age_bands a list")
        return
    for tier, amount in tiers.items():
        if tier not in TIERS:
            problems.add(f"rates.tiers.{tier}", f"must be one of {', '.join(TIERS)}")
        else:
            _money(amount, f"rates.tiers.{tier}", problems)
    for index, band in enumerate(bands):
        field = f"rates.age_bands[{index}]"
        ages = (band.get("min_age"), band.get("max_age")) if isinstance(band, dict) else (None, None)
        if not all(isinstance(age, int) and not isinstance(age, bool) and age >= 0 for age in ages):
            problems.add(field, "min_age and max_age must be whole numbers >= 0")
        elif ages[1] < ages[0]:
            problems.add(field, "max_age must be >= min_age")
        _money(band.get("rate") if isinstance(band, dict) else None, f"{field}.rate", problems)
    if rates.get("structure") == "age_banded" and tiers:
        problems.add("rates.tiers", "must be empty when the structure is age_banded")


def _date(body: dict[str, Any], field: str, problems: _Problems) -> None:
    value = body.get(field)
    if value is None:
        return
    try:
        date.fromisoformat(value if isinstance(value, str) and len(value) == 10 else "bad")
    except ValueError:
        problems.add(field, "must be a date YYYY-MM-DD")


def writable_plan(body: Any) -> dict[str, Any]:
    """The writable fields of a valid body (unknown fields dropped), or a 422 ApiError."""
    problems = _Problems()
    if not isinstance(body, dict):
        problems.add("body", "must be a JSON object")
        raise invalid(problems.details)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add("name", "is required")
    _choice(body, "coverage", COVERAGES, problems, nullable=False)
    _choice(body, "plan_type", PLAN_TYPES, problems, nullable=True)
    _choice(body, "status", STATUSES, problems, nullable=True)
    carrier = body.get("carrier")
    if not isinstance(carrier, dict) or not isinstance(carrier.get("code"), str) or not carrier["code"]:
        problems.add("carrier.code", "is required")
    if body.get("group_number") is not None and not isinstance(body["group_number"], str):
        problems.add("group_number", "must be text or null")
    _date(body, "effective_date", problems)
    _date(body, "renewal_date", problems)
    _benefits(body.get("benefits") or {}, "benefits", problems)
    _rates(body.get("rates"), problems)
    refs = body.get("external_refs") or {}
    if not isinstance(refs, dict) or not all(isinstance(v, str | None) for v in refs.values()):
        problems.add("external_refs", "must be an object of text values")
    if problems.details:
        raise invalid(problems.details)
    record = {field: body.get(field) for field in WRITABLE}
    record["benefits"] = body.get("benefits") or {}
    record["external_refs"] = dict(refs)
    return record
