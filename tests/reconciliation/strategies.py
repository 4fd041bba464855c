"""Hypothesis strategies: canonical plans, edits of a plan, and the two sides of a link."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from reconciliation.plan import (
    PLAN_TYPES,
    AgeBand,
    Coverage,
    Plan,
    PlanStatus,
    PlanValueError,
    Rates,
    Tier,
    benefit_value,
)

# Small pools make both sides touch the same fields, and sometimes pick the same value, often.
BENEFIT_KEYS = (
    "deductible.individual",
    "deductible.family",
    "oop_max.individual",
    "copay.pcp",
    "copay.specialist",
    "coinsurance",
    "network",
    "rx.tier1",
)
CARRIERS = ("aetna", "cigna", "uhc", "kaiser", "bcbs_ma", "guardian")
WORDS = ("Gold", "Silver", "Bronze", "PPO", "HMO", "Plus", "Select", "Dental", "Vision", "2025", "Open")

# Non-negative on purpose: a plan's amounts are prices, and -0.00 is not canonical (see plan.py).
amounts = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2, allow_nan=False)
free_text = st.text(st.characters(categories=("L", "N"), include_characters=" -&/."), max_size=24).filter(
    str.strip
)
plan_names = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join) | free_text
# Letters only: numeric text becomes an amount, and huge exponents are not amounts (see plan.py).


def is_benefit_text(text: str) -> bool:
    """Text that reads as a bad amount ("NaN", "inf", "-5") is refused by design (test_plan_values)."""
    try:
        benefit_value(text, field_name="benefits.any")
    except PlanValueError:
        return False
    return True


benefit_texts = st.sampled_from(("Covered", "Not covered", "20% after deductible")) | st.text(
    st.characters(categories=("L",), include_characters=" -&/"), max_size=24
).filter(is_benefit_text)
benefit_values = st.one_of(st.none(), amounts, benefit_texts)
dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def rates(draw: st.DrawFn) -> Rates:
    if draw(st.booleans()):
        tiers = draw(st.dictionaries(st.sampled_from(list(Tier)), amounts, min_size=1))
        return Rates(structure="composite", tiers=tiers)
    lows = sorted(draw(st.sets(st.integers(min_value=0, max_value=90), min_size=1, max_size=5)))
    bands = tuple(
        AgeBand(min_age=low, max_age=low + draw(st.integers(min_value=0, max_value=9)), rate=draw(amounts))
        for low in lows
    )
    return Rates(structure="age_banded", age_bands=bands)


FIELD_STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "name": plan_names,
    "coverage": st.sampled_from(list(Coverage)),
    "carrier": st.sampled_from(CARRIERS) | free_text,
    "plan_type": st.none() | st.sampled_from(sorted(PLAN_TYPES)),
    "group_number": st.none() | st.sampled_from(("G-100", "G-200", "88231")),
    "status": st.none() | st.sampled_from(list(PlanStatus)),
    "effective_date": st.none() | dates,
    "renewal_date": st.none() | dates,
    "rates": st.none() | rates(),
}


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    scalars = {name: draw(strategy) for name, strategy in FIELD_STRATEGIES.items()}
    benefits = draw(st.dictionaries(st.sampled_from(BENEFIT_KEYS), benefit_values, max_size=6))
    return Plan(**scalars, benefits=benefits)


EDITABLE = (*FIELD_STRATEGIES, *(f"benefits.{key}" for key in BENEFIT_KEYS))


@st.composite
def edits(draw: st.DrawFn, plan: Plan, *, also: frozenset[str] = frozenset()) -> Plan:
    """`plan` with a few fields changed (always those in `also`), benefits added, changed or removed.

    A drawn value may equal the old one, so an edit may change nothing at all.
    """
    picked = draw(st.sets(st.sampled_from(EDITABLE), min_size=1, max_size=3)) | also
    changes = {name: draw(FIELD_STRATEGIES[name]) for name in picked if name in FIELD_STRATEGIES}
    benefits = dict(plan.benefits)
    for key in (path.removeprefix("benefits.") for path in picked if path.startswith("benefits.")):
        if key in benefits and draw(st.booleans()):
            del benefits[key]
        else:
            benefits[key] = draw(benefit_values)
    return plan.with_changes(**changes, benefits=benefits)


@st.composite
def maybe_edited(draw: st.DrawFn, plan: Plan) -> Plan:
    return draw(st.one_of(st.just(plan), edits(plan)))
