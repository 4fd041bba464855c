"""Plans for example tests: one PerfectQuote-style medical plan and small edits of it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from reconciliation.plan import Plan, Rates

BASE = Plan(
    name="Gold PPO 500",
    coverage="medical",
    carrier="aetna",
    plan_type="ppo",
    group_number="G-100",
    status="active",
    effective_date=date(2025, 1, 1),
    renewal_date=date(2026, 1, 1),
    benefits={"deductible.individual": "500", "copay.pcp": "25", "network": "Open Access"},
    rates=Rates(structure="composite", tiers={"ee": "512.40", "es": "1024.80", "ec": "950", "fam": "1500"}),
)


def with_benefit(plan: Plan, key: str, value: object) -> Plan:
    return plan.with_changes(benefits={**plan.benefits, key: value})


def without_benefit(plan: Plan, key: str) -> Plan:
    return plan.with_changes(benefits={name: value for name, value in plan.benefits.items() if name != key})


def with_tier(plan: Plan, tier: str, amount: str) -> Plan:
    assert plan.rates is not None
    return plan.with_changes(rates=Rates(structure="composite", tiers={**plan.rates.tiers, tier: amount}))


def cents(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.01"))
