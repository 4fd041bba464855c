"""The sandbox's starting data: demo-world groups and plans as PerfectQuote records, members."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

from config.crosswalk import UnknownCarrier, load_crosswalk
from connectors.sandbox.demo_world import Employer, seed_plans
from reconciliation.plan import Plan, Rates

SEEDED_AT = "2026-11-01T08:00:00Z"
_TIERS = {"ee": "employee", "es": "employee_spouse", "ec": "employee_children", "fam": "family"}
_FIRST = ("Avery", "Jordan", "Riley", "Morgan", "Casey", "Quinn", "Harper", "Rowan", "Sage", "Emerson")
_LAST = ("Lindqvist", "Okafor", "Marchetti", "Nakamura", "Delacroix", "Abernathy", "Castellanos")


def _text(value: Any) -> Any:
    return f"{value:f}" if isinstance(value, Decimal) else value


def _benefits(flat: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, leaf = key.split(".")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = _text(value)
    return nested


def _rates(rates: Rates | None) -> dict[str, Any] | None:
    if rates is None:
        return None
    return {"structure": rates.structure.value, "frequency": rates.frequency,
            "tiers": {_TIERS[tier.value]: _text(amount) for tier, amount in rates.tiers.items()},
            "age_bands": [{"min_age": b.min_age, "max_age": b.max_age, "rate": _text(b.rate)}
                          for b in rates.age_bands]}


def _carrier(code: str) -> dict[str, str]:
    try:
        return {"code": code.upper(), "name": load_crosswalk().by_code(code).name}
    except UnknownCarrier:
        return {"code": code.upper(), "name": code.title()}


def plan_record(plan: Plan) -> dict[str, Any]:
    """The writable fields of a canonical plan, spelled the way PerfectQuote spells them."""
    return {
        "name": plan.name, "coverage": plan.coverage.value,
        "plan_type": plan.plan_type.upper() if plan.plan_type else None,
        "carrier": _carrier(plan.carrier), "group_number": plan.group_number,
        "status": plan.status.value if plan.status else None,
        "effective_date": plan.effective_date.isoformat() if plan.effective_date else None,
        "renewal_date": plan.renewal_date.isoformat() if plan.renewal_date else None,
        "benefits": _benefits(dict(plan.benefits)), "rates": _rates(plan.rates), "external_refs": {},
    }


def seeded_plan_records(employer: Employer, *, seed: int) -> list[dict[str, Any]]:
    return [plan_record(item.perfectquote) for item in seed_plans(employer, seed=seed)
            if item.perfectquote is not None]


def seeded_members(employer: Employer, *, seed: int, plan_id: str | None) -> list[dict[str, Any]]:
    """A few fake members (SSNs in the never-issued 900 range) enrolled in the group's first plan."""
    rng = random.Random(f"members:{seed}:{employer.perfectquote_group_id}")
    changes = []
    for index in range(rng.randint(2, 4)):
        member = {
            "member_id": f"m_{employer.benefitpoint_account_id}_{index + 1}",
            "first_name": rng.choice(_FIRST), "last_name": rng.choice(_LAST),
            "ssn": f"900-{rng.randrange(10, 100)}-{rng.randrange(1000, 10000)}",
            "date_of_birth": date(rng.randrange(1960, 2000), rng.randrange(1, 13),
                                  rng.randrange(1, 29)).isoformat(),
            "relationship": "subscriber",
        }
        changes.append({"kind": "add", "member": member, "plan_id": plan_id,
                        "coverage_level": rng.choice(("EE", "ES", "EC", "FAM")),
                        "effective_date": "2026-01-01"})
    return changes
