"""The canonical plan: one normalized value for a plan as either system holds it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

CENTS = Decimal("0.01")
# A trillion is beyond any premium, deductible or benefit amount: a larger number is bad data.
MAX_AMOUNT = Decimal("1000000000000")

BenefitValue = Decimal | str | None
E = TypeVar("E", bound=StrEnum)


class Coverage(StrEnum):
    MEDICAL = "medical"
    DENTAL = "dental"
    VISION = "vision"
    LIFE = "life"
    ADD = "add"
    STD = "std"
    LTD = "ltd"
    OTHER = "other"


class PlanStatus(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class RateStructure(StrEnum):
    COMPOSITE = "composite"
    AGE_BANDED = "age_banded"


class Tier(StrEnum):
    """Composite rate tiers: employee, + spouse, + child(ren), family."""

    EE = "ee"
    ES = "es"
    EC = "ec"
    FAM = "fam"


PLAN_TYPES = frozenset({"hmo", "ppo", "epo", "pos", "hdhp", "indemnity"})


class PlanValueError(ValueError):
    """A value cannot be made canonical; the message names the field and the problem."""


def money(value: Any, *, field_name: str) -> Decimal:
    """A Decimal with two places, rounded half-even (doubles from SOAP included).

    Amounts of plans are never negative, infinite or not-a-number; such a value is bad data
    from the system that holds it, and copying it to the other one would spread it.
    """
    if isinstance(value, bool):
        raise PlanValueError(f"{field_name}: {value!r} is not an amount")
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise PlanValueError(f"{field_name}: {value!r} is not an amount") from None
    if not amount.is_finite():
        raise PlanValueError(f"{field_name}: {value!r} is not a finite amount")
    if amount.copy_abs() >= MAX_AMOUNT:
        raise PlanValueError(f"{field_name}: {value!r} is too large an amount")
    if amount < 0 and not amount.quantize(CENTS, rounding=ROUND_HALF_EVEN).is_zero():
        raise PlanValueError(f"{field_name}: {value!r} is a negative amount")
    cents = amount.quantize(CENTS, rounding=ROUND_HALF_EVEN)
    # -0.00 and 0.00 are one amount; without this their content hashes differ.
    return cents.copy_abs() if cents.is_zero() else cents


def benefit_value(value: Any, *, field_name: str) -> BenefitValue:
    """Numbers become Decimal cents, text is stripped, empty text is None."""
    if value is None:
        return None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return money(value, field_name=field_name)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if not _looks_numeric(text):
            return text
        # Text that reads as a number is an amount, and must be a good one ("NaN", "1e400", "-250" are not).
        return money(text, field_name=field_name)
    raise PlanValueError(f"{field_name}: {value!r} is neither a number nor text")


def _looks_numeric(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


@dataclass(frozen=True, slots=True, kw_only=True)
class AgeBand:
    min_age: int
    max_age: int
    rate: Decimal

    def __post_init__(self) -> None:
        if self.min_age < 0 or self.max_age < self.min_age:
            raise PlanValueError(f"rates.age_bands: {self.min_age}-{self.max_age} is not a range")
        object.__setattr__(self, "rate", money(self.rate, field_name="rates.age_bands.rate"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Rates:
    structure: RateStructure
    tiers: Mapping[Tier, Decimal] = field(default_factory=dict)
    age_bands: tuple[AgeBand, ...] = ()
    frequency: str = "monthly"

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "structure", _enum(RateStructure, self.structure, "rates.structure"))
        put(self, "frequency", _required_text(self.frequency, "rates.frequency").lower())
        tiers = {
            _enum(Tier, tier, "rates.tiers"): money(amount, field_name=f"rates.tiers.{tier}")
            for tier, amount in self.tiers.items()
        }
        put(self, "tiers", dict(sorted(tiers.items())))
        put(self, "age_bands", tuple(sorted(self.age_bands, key=lambda band: band.min_age)))


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """Normalized content only: no ids, versions or timestamps of either system.

    `benefits` is flat: nested keys are joined with dots (`deductible.individual`), and
    keys neither system names in its mapping are kept as they are. A benefit with no value is
    left out: "not offered" has one form.
    """

    name: str
    coverage: Coverage
    carrier: str
    plan_type: str | None = None
    group_number: str | None = None
    status: PlanStatus | None = None
    effective_date: date | None = None
    renewal_date: date | None = None
    benefits: Mapping[str, BenefitValue] = field(default_factory=dict)
    rates: Rates | None = None

    def __post_init__(self) -> None:
        # Normalizing here, once, means every Plan in the process is canonical, whoever built it.
        put = object.__setattr__
        put(self, "name", _required_text(self.name, "name"))
        put(self, "carrier", _required_text(self.carrier, "carrier").lower())
        put(self, "coverage", _enum(Coverage, self.coverage, "coverage"))
        put(self, "plan_type", _plan_type(self.plan_type))
        put(self, "group_number", _optional_text(self.group_number))
        if self.status is not None:
            put(self, "status", _enum(PlanStatus, self.status, "status"))
        put(self, "effective_date", _date(self.effective_date, "effective_date"))
        put(self, "renewal_date", _date(self.renewal_date, "renewal_date"))
        put(self, "benefits", _benefits(self.benefits))

    def with_changes(self, **changes: Any) -> Plan:
        return replace(self, **changes)


def _required_text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PlanValueError(f"{name}: must be non-empty text, got {value!r}")
    return " ".join(value.split())


def _optional_text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _enum(kind: type[E], value: Any, name: str) -> E:
    try:
        return kind(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise PlanValueError(f"{name}: {value!r} is not one of {allowed}") from None


def _plan_type(value: Any) -> str | None:
    text = _optional_text(value)
    if text is None:
        return None
    lowered = text.lower()
    if lowered not in PLAN_TYPES:
        raise PlanValueError(f"plan_type: {value!r} is not one of {', '.join(sorted(PLAN_TYPES))}")
    return lowered


def _date(value: Any, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise PlanValueError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def _benefits(values: Mapping[str, Any]) -> dict[str, BenefitValue]:
    normalized: dict[str, BenefitValue] = {}
    for key, value in values.items():
        path = key.strip().lower()
        if not path:
            raise PlanValueError("benefits: a key is empty")
        amount = benefit_value(value, field_name=f"benefits.{path}")
        # No value (not offered, unknown) is no benefit: BenefitPoint cannot tell the two apart, and
        # keeping both forms would make equal plans differ and re-write each other every hour.
        if amount is not None:
            normalized[path] = amount
    return dict(sorted(normalized.items()))

