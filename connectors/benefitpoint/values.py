"""BenefitPoint field values <-> canonical ones: dates, doubles, ints, booleans, text."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

from connectors.benefitpoint.xmltree import Native, text_of
from reconciliation.plan import money

# Dates go back at midnight in a fixed offset: the calendar date is all a plan date holds.
WRITE_OFFSET = "-05:00"


class MappingError(ValueError):
    """A native record cannot be made canonical (or back); names the field and the value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def text(record: Native, name: str, *, where: str, required: bool = False) -> str | None:
    value = record.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise MappingError(f"{where}.{name}", "is missing")
        return None
    if isinstance(value, dict | list):
        raise MappingError(f"{where}.{name}", f"expected a value, got a structure {value!r}")
    return text_of(value).strip()


def integer(record: Native, name: str, *, where: str, required: bool = False) -> int | None:
    raw = text(record, name, where=where, required=required)
    if raw is None:
        return None
    try:
        number = float(raw)
    except ValueError:
        raise MappingError(f"{where}.{name}", f"{raw!r} is not a number") from None
    if not number.is_integer():
        raise MappingError(f"{where}.{name}", f"{raw!r} is not a whole number")
    return int(number)


def boolean(record: Native, name: str, *, where: str) -> bool | None:
    raw = text(record, name, where=where)
    if raw is None:
        return None
    lowered = raw.lower()
    if lowered not in {"true", "false", "1", "0"}:
        raise MappingError(f"{where}.{name}", f"{raw!r} is not a boolean")
    return lowered in {"true", "1"}


def cents(raw: str, *, field: str) -> Decimal:
    """An xsd:double as Decimal cents, rounded half-even from the digits sent (0.125 -> 0.12)."""
    try:
        number = float(raw)
    except ValueError:
        raise MappingError(field, f"{raw!r} is not a number") from None
    if not math.isfinite(number):
        raise MappingError(field, f"{raw!r} is not a finite number")
    return money(raw.strip(), field_name=field)


def plan_date(record: Native, name: str, *, where: str) -> date | None:
    """The calendar date in the value's own offset (`2026-01-01T00:00:00.000-05:00` -> 2026-01-01)."""
    raw = text(record, name, where=where)
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise MappingError(f"{where}.{name}", f"{raw!r} is not an xsd:dateTime") from None


def date_time(value: date) -> str:
    return f"{value.isoformat()}T00:00:00.000{WRITE_OFFSET}"


def number_text(value: Decimal | int) -> str:
    return f"{value:f}" if isinstance(value, Decimal) else str(value)
