"""PerfectQuote plan records <-> canonical plans (names, tiers, money strings, dates)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from config.crosswalk import UnknownCarrier, load_crosswalk
from connectors.perfectquote.benefits import benefits_for_write, flatten
from connectors.ports import RemotePlan
from reconciliation.plan import AgeBand, Plan, PlanValueError, Rates, Tier, money
from reconciliation.side import Side

TIER_NAMES = {"employee": Tier.EE, "employee_spouse": Tier.ES,
              "employee_children": Tier.EC, "family": Tier.FAM}
NATIVE_TIERS = {tier: name for name, tier in TIER_NAMES.items()}
READ_ONLY_FIELDS = ("id", "group_id", "version", "updated_at")


def _object(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PlanValueError(f"{name}: must be an object, got {type(value).__name__}")
    return value


def _text(record: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = record.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise PlanValueError(f"{name}: must be text, got {value!r}")
    return value


def _amount(value: Any, name: str) -> Decimal:
    # The contract promises money as decimal strings; a bare number means the answer is off.
    if not isinstance(value, str):
        raise PlanValueError(f"{name}: must be a decimal string, got {value!r}")
    return money(value, field_name=name)


def rates_from_native(value: Any) -> Rates | None:
    if value is None:
        return None
    rates = _object(value, "rates")
    tiers: dict[Tier, Decimal] = {}
    for name, amount in _object(rates.get("tiers") or {}, "rates.tiers").items():
        if name not in TIER_NAMES:
            raise PlanValueError(f"rates.tiers: {name!r} is not one of {', '.join(TIER_NAMES)}")
        tiers[TIER_NAMES[name]] = _amount(amount, f"rates.tiers.{name}")
    bands_raw = rates.get("age_bands") or []
    if not isinstance(bands_raw, list):
        raise PlanValueError("rates.age_bands: must be a list")
    bands = []
    for index, band in enumerate(bands_raw):
        band = _object(band, f"rates.age_bands[{index}]")
        ages = (band.get("min_age"), band.get("max_age"))
        if not all(isinstance(age, int) and not isinstance(age, bool) for age in ages):
            raise PlanValueError(f"rates.age_bands[{index}]: min_age and max_age must be whole numbers")
        bands.append(AgeBand(min_age=ages[0], max_age=ages[1],
                             rate=_amount(band.get("rate"), f"rates.age_bands[{index}].rate")))
    return Rates(structure=_text(rates, "structure", required=True),  # type: ignore[arg-type]
                 frequency=rates.get("frequency") or "monthly", tiers=tiers, age_bands=tuple(bands))


def plan_from_native(record: Mapping[str, Any]) -> Plan:
    """The canonical plan of one record; PlanValueError names the field that is wrong."""
    record = _object(record, "plan")
    carrier = _object(record.get("carrier"), "carrier")
    return Plan(
        name=_text(record, "name", required=True),  # type: ignore[arg-type]
        coverage=_text(record, "coverage", required=True),  # type: ignore[arg-type]
        carrier=_text(carrier, "code", required=True),  # type: ignore[arg-type]
        plan_type=_text(record, "plan_type"),
        group_number=_text(record, "group_number"),
        status=_text(record, "status"),  # type: ignore[arg-type]
        effective_date=_text(record, "effective_date"),  # type: ignore[arg-type]
        renewal_date=_text(record, "renewal_date"),  # type: ignore[arg-type]
        benefits=flatten(record.get("benefits") or {}),
        rates=rates_from_native(record.get("rates")),
    )


def rates_to_native(rates: Rates | None) -> dict[str, Any] | None:
    if rates is None:
        return None
    return {
        "structure": rates.structure.value,
        "frequency": rates.frequency,
        "tiers": {NATIVE_TIERS[tier]: f"{amount:f}" for tier, amount in rates.tiers.items()},
        "age_bands": [{"min_age": band.min_age, "max_age": band.max_age, "rate": f"{band.rate:f}"}
                      for band in rates.age_bands],
    }


def _carrier_name(code: str, current: Mapping[str, Any]) -> str:
    known = current.get("carrier")
    if isinstance(known, Mapping) and str(known.get("code", "")).upper() == code and known.get("name"):
        return str(known["name"])
    try:
        return load_crosswalk().by_code(code).name
    except UnknownCarrier:
        return code


def plan_to_native(plan: Plan, *, current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The writable fields of a record for `plan`; `current` lends its unknown benefit keys
    and its external_refs, which a full replace would otherwise clear."""
    base = current or {}
    code = plan.carrier.upper()
    return {
        "name": plan.name,
        "coverage": plan.coverage.value,
        "plan_type": plan.plan_type.upper() if plan.plan_type else None,
        "carrier": {"code": code, "name": _carrier_name(code, base)},
        "group_number": plan.group_number,
        "status": plan.status.value if plan.status else None,
        "effective_date": plan.effective_date.isoformat() if plan.effective_date else None,
        "renewal_date": plan.renewal_date.isoformat() if plan.renewal_date else None,
        "benefits": benefits_for_write(plan, current),
        "rates": rates_to_native(plan.rates),
        "external_refs": dict(base.get("external_refs") or {}),
    }


def problem_field(problem: str) -> str:
    """The field a PlanValueError message starts with (`rates.tiers.family: ...`)."""
    return problem.split(":", 1)[0].strip() or "plan"


def remote_plan_from_native(record: Any) -> RemotePlan:
    """A RemotePlan; content that cannot be made canonical gives plan=None and the problem.

    The id is the one thing without which nothing can be recorded: its absence raises.
    """
    record = _object(record, "plan")
    plan_id = record.get("id")
    if not isinstance(plan_id, str) or not plan_id:
        raise PlanValueError(f"id: must be non-empty text, got {plan_id!r}")
    refs = record.get("external_refs")
    link_id = refs.get("plansync") if isinstance(refs, Mapping) else None
    version = record.get("version")
    try:
        if not isinstance(version, int) or isinstance(version, bool):
            raise PlanValueError(f"version: must be a whole number, got {version!r}")
        plan, problem = plan_from_native(record), None
    except PlanValueError as error:
        plan, problem = None, str(error)
    return RemotePlan(side=Side.PERFECTQUOTE, id=plan_id, version=str(version) if version is not None else "",
                      plan=plan, problem=problem, link_id=link_id if isinstance(link_id, str) else None,
                      native=dict(record))
