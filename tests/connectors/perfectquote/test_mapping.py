"""Native PerfectQuote records <-> canonical plans: names, tiers, money, unknown keys."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.perfectquote.benefits import merged_for_write, nest
from connectors.perfectquote.mapping import plan_from_native, plan_to_native, remote_plan_from_native
from reconciliation.plan import PlanValueError, RateStructure, Tier

RECORD: dict[str, Any] = {
    "id": "pln_01J9Z3", "group_id": "grp_7Q2", "version": 7, "updated_at": "2026-11-21T10:04:11Z",
    "name": "Gold PPO 1500", "coverage": "medical", "plan_type": "PPO",
    "carrier": {"code": "AETNA", "name": "Aetna"}, "group_number": "0123456-00", "status": "active",
    "effective_date": "2026-01-01", "renewal_date": "2027-01-01",
    "benefits": {"deductible": {"individual": "1500.00", "family": "3000.00"}, "coinsurance": "20",
                 "copays": {"primary_care": "25.00", "emergency_room": None},
                 "rx": {"generic": "$10"}, "annual_max": "1500"},
    "rates": {"structure": "composite", "frequency": "monthly",
              "tiers": {"employee": "512.30", "employee_spouse": "1076.83",
                        "employee_children": "973.37", "family": "1537.13"}, "age_bands": []},
    "external_refs": {"benefitpoint": "90211", "plansync": "lnk_2f6c"},
    "a_field_from_the_future": {"anything": 1},
}


def test_a_record_becomes_a_canonical_plan() -> None:
    plan = plan_from_native(RECORD)
    assert plan.carrier == "aetna" and plan.plan_type == "ppo" and plan.coverage == "medical"
    assert plan.effective_date == date(2026, 1, 1)
    assert plan.benefits["deductible.individual"] == Decimal("1500.00")
    assert plan.benefits["coinsurance"] == Decimal("20.00")
    assert "copays.emergency_room" not in plan.benefits  # null: not offered, one form with absent
    assert plan.benefits["rx.generic"] == "$10"
    assert plan.rates is not None and plan.rates.tiers[Tier.FAM] == Decimal("1537.13")


def test_the_remote_plan_carries_version_link_and_the_record() -> None:
    remote = remote_plan_from_native(RECORD)
    assert (remote.id, remote.version, remote.link_id) == ("pln_01J9Z3", "7", "lnk_2f6c")
    assert remote.native["external_refs"]["benefitpoint"] == "90211"


def test_canonical_back_to_native_spells_the_contract() -> None:
    native = plan_to_native(plan_from_native(RECORD))
    assert native["carrier"] == {"code": "AETNA", "name": "Aetna"}
    assert native["plan_type"] == "PPO"
    assert native["rates"]["tiers"]["employee_children"] == "973.37"
    assert native["benefits"]["deductible"] == {"individual": "1500.00", "family": "3000.00"}
    assert native["external_refs"] == {}


def test_age_bands_map_both_ways() -> None:
    record = copy.deepcopy(RECORD)
    record["rates"] = {"structure": "age_banded", "tiers": {},
                       "age_bands": [{"min_age": 15, "max_age": 29, "rate": "300"},
                                     {"min_age": 0, "max_age": 14, "rate": "210.44"}]}
    plan = plan_from_native(record)
    assert plan.rates is not None and plan.rates.structure is RateStructure.AGE_BANDED
    assert [band.min_age for band in plan.rates.age_bands] == [0, 15]
    assert plan_to_native(plan)["rates"]["age_bands"][1] == {"min_age": 15, "max_age": 29, "rate": "300.00"}


def test_a_write_keeps_unknown_benefit_keys_and_refs_of_the_current_record() -> None:
    plan = plan_from_native(RECORD)
    trimmed = plan.with_changes(benefits={k: v for k, v in plan.benefits.items()
                                          if k not in {"annual_max", "copays.primary_care"}})
    native = plan_to_native(trimmed, current=RECORD)
    assert native["benefits"]["annual_max"] == "1500"
    assert "primary_care" not in native["benefits"].get("copays", {})
    assert native["external_refs"] == RECORD["external_refs"]


def test_a_key_that_is_both_a_value_and_a_group_is_refused() -> None:
    with pytest.raises(PlanValueError, match=r"benefits\.deductible"):
        nest({"deductible": Decimal(1), "deductible.family": Decimal(2)})
    assert merged_for_write({}, None) == {}


@pytest.mark.parametrize(("change", "field"), [
    ({"rates": {"structure": "composite", "tiers": {"family": "12,00"}}}, "rates.tiers.family"),
    ({"rates": {"structure": "composite", "tiers": {"family": 12.5}}}, "rates.tiers.family"),
    ({"rates": {"structure": "composite", "tiers": {"employee_plus_one": "1"}}}, "rates.tiers"),
    ({"coverage": "medicalish"}, "coverage"),
    ({"status": "gone"}, "status"),
    ({"name": None}, "name"),
    ({"carrier": "AETNA"}, "carrier"),
    ({"effective_date": "01/02/2026"}, "effective_date"),
    ({"benefits": {"copays": [1, 2]}}, "benefits.copays"),
    ({"benefits": {"deductible": {"individual": "NaN"}}}, "benefits.deductible.individual"),
    ({"benefits": {"deductible": {"individual": "Infinity"}}}, "benefits.deductible.individual"),
    ({"benefits": {"deductible": {"individual": "1e400"}}}, "benefits.deductible.individual"),
    ({"benefits": {"deductible": {"individual": "-250"}}}, "benefits.deductible.individual"),
    ({"rates": {"structure": "composite", "tiers": {"family": "-1.00"}}}, "rates.tiers.family"),
    ({"rates": {"structure": "composite", "tiers": {"family": "NaN"}}}, "rates.tiers.family"),
])
def test_a_record_that_cannot_be_canonical_names_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(PlanValueError) as caught:
        plan_from_native({**RECORD, **change})
    assert str(caught.value).startswith(field)
    remote = remote_plan_from_native({**RECORD, **change})
    assert remote.plan is None and remote.problem is not None and remote.problem.startswith(field)


_money = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False).map(lambda d: f"{d:f}")
_key = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
_leaf = st.one_of(st.none(), _money, st.text(alphabet="$%0123456789 abcxyz", min_size=1, max_size=12),
                  st.integers(min_value=0, max_value=10**6))
_benefits = st.recursive(st.dictionaries(_key, _leaf, max_size=4),
                         lambda inner: st.dictionaries(_key, st.one_of(_leaf, inner), max_size=4),
                         max_leaves=12)
_tiers = st.dictionaries(st.sampled_from(["employee", "employee_spouse", "employee_children", "family"]),
                         _money)
_records = st.fixed_dictionaries({
    "id": st.just("pln_1"), "version": st.integers(min_value=1, max_value=999),
    "name": st.text(alphabet="ABC xyz09-", min_size=1, max_size=20).filter(str.strip),
    "coverage": st.sampled_from(["medical", "dental", "vision", "life", "add", "std", "ltd", "other"]),
    "plan_type": st.sampled_from([None, "HMO", "PPO", "EPO", "POS", "HDHP", "INDEMNITY"]),
    "carrier": st.fixed_dictionaries({"code": st.sampled_from(["AETNA", "DELTA", "ACME"])}),
    "group_number": st.one_of(st.none(), st.text(alphabet="0123456789-D", min_size=1, max_size=10)),
    "status": st.sampled_from([None, "active", "pending", "cancelled", "expired"]),
    "effective_date": st.one_of(st.none(), st.dates().map(date.isoformat)),
    "benefits": _benefits,
    "rates": st.one_of(st.none(), _tiers.map(lambda tiers: {"structure": "composite", "tiers": tiers})),
})


@settings(max_examples=150, deadline=None)
@given(_records)
def test_native_canonical_native_canonical_is_a_fixed_point(record: dict[str, Any]) -> None:
    canonical = plan_from_native(record)
    again = plan_from_native(plan_to_native(canonical))
    assert again == canonical
    assert plan_from_native(plan_to_native(again)) == again


def test_a_write_that_changes_coverage_keeps_no_benefit_of_the_old_coverage() -> None:
    life = {**RECORD, "coverage": "life", "plan_type": None,
            "benefits": {"benefit_amount": "50000", "ad_d": "matches life benefit",
                         "waiting_period": "90 days"}}
    dental = plan_from_native({**RECORD, "coverage": "dental", "plan_type": None,
                               "benefits": {"annual_max": "1500"}})
    assert plan_to_native(dental, current=life)["benefits"] == {"annual_max": "1500.00"}
    # The same coverage: a key BenefitPoint has no attribute for stays, one it holds is the plan's to clear.
    same = plan_to_native(dental, current={**life, "coverage": "dental",
                                           "benefits": {"orthodontia": "50%", "waiting_period": "6 months"}})
    assert same["benefits"] == {"annual_max": "1500.00", "waiting_period": "6 months"}
