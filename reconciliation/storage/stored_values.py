"""Field values as the change log and conflicts store them: JSON, money as decimal strings."""

from __future__ import annotations

from typing import Any

from reconciliation.plan_fields import field_to_json


def stored_value(path: str, value: Any) -> Any:
    """Canonical values (Decimal, date, Rates) become JSON; values already JSON stay as they are."""
    if value is None or isinstance(value, dict | list | bool | int | str):
        return value
    return field_to_json(path, value)
