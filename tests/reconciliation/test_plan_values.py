"""Bad amounts never become canonical: the plan is refused, naming the field and the value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reconciliation.plan import AgeBand, Plan, PlanValueError, Rates, RateStructure, Tier


def _plan(**changes: object) -> Plan:
    return Plan(name="Gold PPO", coverage="medical", carrier="aetna", **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("NaN", "not a finite amount"),
        ("Infinity", "not a finite amount"),
        ("-inf", "not a finite amount"),
        ("1e400", "too large an amount"),
        ("1000000000000", "too large an amount"),
        ("-250", "a negative amount"),
        (-250, "a negative amount"),
        (float("nan"), "not a finite amount"),
    ],
)
def test_a_bad_benefit_amount_is_refused_naming_field_and_value(value: object, problem: str) -> None:
    with pytest.raises(PlanValueError) as caught:
        _plan(benefits={"deductible.individual": value})
    message = str(caught.value)
    assert message.startswith("benefits.deductible.individual:")
    assert repr(value) in message and problem in message


@pytest.mark.parametrize("value", ["abc", "$10", "20% to $250", "Included"])
def test_text_benefits_stay_text(value: str) -> None:
    assert _plan(benefits={"rx.generic": value}).benefits == {"rx.generic": value}


@pytest.mark.parametrize(("value", "expected"), [("1500", "1500.00"), ("1e3", "1000.00"), ("-0.001", "0.00"),
                                                 ("20", "20.00")])
def test_good_amounts_are_cents(value: str, expected: str) -> None:
    assert _plan(benefits={"coinsurance": value}).benefits == {"coinsurance": Decimal(expected)}


@pytest.mark.parametrize("amount", ["-5.00", "NaN", "1e400"])
def test_bad_rates_are_refused(amount: str) -> None:
    with pytest.raises(PlanValueError, match=r"rates\.tiers\.(ee|Tier\.EE)"):
        Rates(structure=RateStructure.COMPOSITE, tiers={Tier.EE: amount})
    with pytest.raises(PlanValueError, match=r"rates\.age_bands\.rate"):
        AgeBand(min_age=0, max_age=14, rate=amount)  # type: ignore[arg-type]
