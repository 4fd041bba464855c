"""The seeded demo world both sandboxes start from: the same employers on both sides.

Plans are given in canonical form; each sandbox turns them into its own records. Some
plans exist on both sides (under different names: plans are never matched by name),
some on one side only, and BenefitPoint's copies of shared plans often lack rates.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reconciliation.plan import AgeBand, Coverage, Plan, PlanStatus, Rates, RateStructure, Tier


@dataclass(frozen=True, slots=True, kw_only=True)
class Employer:
    name: str
    perfectquote_group_id: str
    benefitpoint_account_id: int
    ein: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedPlan:
    """A plan of the demo world: `perfectquote` / `benefitpoint` is its content on that side."""

    key: str
    perfectquote: Plan | None
    benefitpoint: Plan | None


_NAMES = (
    "Acme Widgets", "Blue Harbor Logistics", "Cedar Ridge Dental Group", "Driftwood Coffee Co",
    "Evergreen Landscaping", "Fulton Street Bakery", "Granite Peak Engineering",
    "Harborview Family Clinic", "Ironwood Manufacturing", "Juniper Software",
    "Keystone Property Management", "Lakeside Veterinary Partners",
)

EMPLOYERS: tuple[Employer, ...] = tuple(
    Employer(
        name=name,
        perfectquote_group_id=f"grp_{index + 1:03d}",
        benefitpoint_account_id=48201 + index,
        ein=f"{12 + index:02d}-{3456789 + index:07d}",
    )
    for index, name in enumerate(_NAMES)
)

_MEDICAL_CARRIERS = ("AETNA", "BCBS", "CIGNA", "UHC", "KAISER")
_DENTAL_CARRIERS = ("DELTA", "GUARDIAN")
_VISION_CARRIERS = ("VSP", "EYEMED")
_LIFE_CARRIERS = ("METLIFE", "PRINCIPAL")


def _cents(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low * 100, high * 100)) / 100


def _medical(rng: random.Random, *, plan_type: str, deductible: int) -> dict[str, object]:
    return {
        "deductible.individual": deductible,
        "deductible.family": deductible * 2,
        "out_of_pocket_max.individual": deductible * 4,
        "out_of_pocket_max.family": deductible * 8,
        "coinsurance": rng.choice((10, 20, 30)),
        "copays.primary_care": rng.choice((20, 25, 30)),
        "copays.specialist": rng.choice((40, 50, 60)),
        "copays.urgent_care": 75,
        "copays.emergency_room": 250 if plan_type != "hdhp" else None,
        "rx.generic": "$10",
        "rx.preferred_brand": "$40",
        "rx.non_preferred_brand": "$70",
        "rx.specialty": "20% to $250",
    }


def _composite(rng: random.Random, base: int) -> Rates:
    employee = _cents(rng, base, base + 120)
    return Rates(structure=RateStructure.COMPOSITE, tiers={
        Tier.EE: employee,
        Tier.ES: employee * Decimal("2.1"),
        Tier.EC: employee * Decimal("1.9"),
        Tier.FAM: employee * Decimal("3.0"),
    })


def _age_banded(rng: random.Random) -> Rates:
    bands = [(0, 14), (15, 29), (30, 39), (40, 49), (50, 59), (60, 64)]
    base = _cents(rng, 180, 260)
    return Rates(structure=RateStructure.AGE_BANDED, age_bands=tuple(
        AgeBand(min_age=low, max_age=high, rate=base * (1 + Decimal(i) / 4))
        for i, (low, high) in enumerate(bands)
    ))


def seed_plans(employer: Employer, *, seed: int = 0) -> list[SeedPlan]:
    """The employer's plans, the same for the same seed in every process."""
    rng = random.Random(f"{seed}:{employer.benefitpoint_account_id}")
    year = 2026
    common = {
        "status": PlanStatus.ACTIVE,
        "effective_date": date(year, 1, 1),
        "renewal_date": date(year + 1, 1, 1),
    }
    medical_carrier = rng.choice(_MEDICAL_CARRIERS)
    deductible = rng.choice((1000, 1500, 2000, 3000))
    group_number = f"{rng.randrange(1000000, 9999999)}-00"
    ppo = Plan(name=f"Gold PPO {deductible}", coverage=Coverage.MEDICAL, plan_type="ppo",
               carrier=medical_carrier, group_number=group_number,
               benefits=_medical(rng, plan_type="ppo", deductible=deductible),
               rates=_composite(rng, 480), **common)
    # BenefitPoint's record of the same plan: basic details, another name, no rates.
    ppo_in_bp = ppo.with_changes(name=f"{medical_carrier.title()} Open Access PPO",
                                 benefits={}, rates=None)
    hdhp = Plan(name="Bronze HDHP 5000", coverage=Coverage.MEDICAL, plan_type="hdhp",
                carrier=medical_carrier, group_number=group_number,
                benefits=_medical(rng, plan_type="hdhp", deductible=5000),
                rates=_age_banded(rng), **common)
    dental_carrier = rng.choice(_DENTAL_CARRIERS)
    dental = Plan(name="Dental PPO", coverage=Coverage.DENTAL, carrier=dental_carrier,
                  group_number=f"D{rng.randrange(10000, 99999)}",
                  benefits={"deductible.individual": 50, "annual_max": rng.choice((1000, 1500)),
                            "coinsurance.basic": 80, "coinsurance.major": 50,
                            "orthodontia": "50% to $1,500 lifetime"},
                  rates=_composite(rng, 30), **common)
    vision = Plan(name="Vision Plus", coverage=Coverage.VISION, carrier=rng.choice(_VISION_CARRIERS),
                  benefits={"exam": 10, "materials": 25, "frame_allowance": 150},
                  rates=_composite(rng, 6), **common)
    life = Plan(name="Basic Life 50k", coverage=Coverage.LIFE, carrier=rng.choice(_LIFE_CARRIERS),
                benefits={"benefit_amount": 50000, "ad_d": "matches life benefit"},
                rates=_composite(rng, 5), **common)
    return [
        SeedPlan(key="ppo", perfectquote=ppo, benefitpoint=ppo_in_bp),
        SeedPlan(key="hdhp", perfectquote=hdhp, benefitpoint=None),
        SeedPlan(key="dental", perfectquote=dental, benefitpoint=dental),
        SeedPlan(key="vision", perfectquote=None, benefitpoint=vision),
        SeedPlan(key="life", perfectquote=life, benefitpoint=None),
    ]
