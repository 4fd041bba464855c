"""BenefitPoint Rate records <-> canonical Rates: tiers by description, age bands by index."""

from __future__ import annotations

import copy
import itertools
from decimal import Decimal
from math import gcd

from connectors.benefitpoint.values import MappingError, boolean, cents, integer, text
from connectors.benefitpoint.xmltree import Native
from reconciliation.plan import AgeBand, Rates, RateStructure, Tier

TIER_DESCRIPTIONS: dict[Tier, str] = {
    Tier.EE: "Employee Only",
    Tier.ES: "Employee + Spouse",
    Tier.EC: "Employee + Child(ren)",
    Tier.FAM: "Family",
}
_TIERS_BY_DESCRIPTION = {" ".join(d.lower().split()): tier for tier, d in TIER_DESCRIPTIONS.items()}
DEFAULT_RATE_FIELD = "Rate"


def tier_for(description: str) -> Tier:
    tier = _TIERS_BY_DESCRIPTION.get(" ".join(description.lower().split()))
    if tier is None:
        raise MappingError("Rate.rateFieldValues.rateTier.description",
                           f"{description!r} is not a known tier ({', '.join(TIER_DESCRIPTIONS.values())})")
    return tier


def rates_from_native(rate: Native | None) -> Rates | None:
    if rate is None:
        return None
    values = [v for v in rate.get("rateFieldValues", []) if isinstance(v, dict)]
    if boolean(rate, "ageBanded", where="Rate"):
        return Rates(structure=RateStructure.AGE_BANDED, age_bands=_bands_from(rate, values))
    tiers: dict[Tier, Decimal] = {}
    for value in values:
        tier_record = value.get("rateTier")
        if not isinstance(tier_record, dict):
            continue
        tier = tier_for(text(tier_record, "description", where="Rate.rateTier", required=True) or "")
        amount = cents(text(value, "valueNum", where="Rate.rateFieldValues", required=True) or "",
                       field="Rate.rateFieldValues.valueNum")
        if tiers.get(tier, amount) != amount:
            raise MappingError("Rate.rateFieldValues", f"tier {TIER_DESCRIPTIONS[tier]!r} has two amounts")
        tiers[tier] = amount
    return Rates(structure=RateStructure.COMPOSITE, tiers=tiers)


def _bands_from(rate: Native, values: list[Native]) -> tuple[AgeBand, ...]:
    start = integer(rate, "ageBandedStartOn", where="Rate", required=True) or 0
    end = integer(rate, "ageBandedEndOn", where="Rate", required=True) or 0
    interval = integer(rate, "ageBandedInterval", where="Rate", required=True) or 0
    if interval <= 0 or end < start:
        raise MappingError("Rate.ageBandedInterval", f"ages {start}-{end} by {interval} are not bands")
    by_index: dict[int, Decimal] = {}
    for value in values:
        index = integer(value, "ageBandIndex", where="Rate.rateFieldValues", required=True) or 0
        low = start + index * interval
        if index < 0 or low > end:
            raise MappingError("Rate.rateFieldValues.ageBandIndex", f"{index} is outside {start}-{end}")
        by_index[index] = cents(text(value, "valueNum", where="Rate.rateFieldValues", required=True) or "",
                                field="Rate.rateFieldValues.valueNum")
    bands: list[AgeBand] = []
    for index in sorted(by_index):
        low = start + index * interval
        high = min(low + interval - 1, end)
        previous = bands[-1] if bands else None
        # Neighbouring bands at one rate are one band: uneven bands are written at a finer interval.
        if previous and previous.max_age + 1 == low and previous.rate == by_index[index]:
            bands[-1] = AgeBand(min_age=previous.min_age, max_age=high, rate=previous.rate)
        else:
            bands.append(AgeBand(min_age=low, max_age=high, rate=by_index[index]))
    return tuple(bands)


def rate_to_native(rates: Rates, *, product_id: int, existing: Native | None) -> Native:
    """The Rate to write: `existing` as read with its values replaced, or a new one."""
    record: Native = copy.deepcopy(existing) if existing else {
        "productID": product_id, "description": "Rates", "rateTypeID": 1, "rateTypeTierID": 1,
    }
    old_values = [v for v in record.get("rateFieldValues", []) if isinstance(v, dict)]
    field_name = next((v["rateField"] for v in old_values if isinstance(v.get("rateField"), str)),
                      DEFAULT_RATE_FIELD)
    for name in ("ageBanded", "ageBandedStartOn", "ageBandedEndOn", "ageBandedInterval", "rateFieldValues"):
        record.pop(name, None)
    if rates.structure is RateStructure.AGE_BANDED and rates.age_bands:
        start, end, interval = _band_layout(rates.age_bands)
        record.update(ageBanded=True, ageBandedStartOn=start, ageBandedEndOn=end, ageBandedInterval=interval)
        record["rateFieldValues"] = [
            {"rateField": field_name, "valueNum": band.rate, "ageBandIndex": index}
            for band in rates.age_bands
            for index in range((band.min_age - start) // interval, (band.max_age - start) // interval + 1)
        ]
    else:
        record["ageBanded"] = False
        record["rateFieldValues"] = [
            {"rateField": field_name, "valueNum": amount,
             "rateTier": {"rateTierID": list(Tier).index(tier) + 1, "description": TIER_DESCRIPTIONS[tier]}}
            for tier, amount in rates.tiers.items()
        ]
    return record


def _band_layout(bands: tuple[AgeBand, ...]) -> tuple[int, int, int]:
    """Start, end and the widest interval on which every band begins (and ends, but the last)."""
    for before, after in itertools.pairwise(bands):
        if after.min_age <= before.max_age:
            raise MappingError("rates.age_bands", f"{before.min_age}-{before.max_age} and "
                               f"{after.min_age}-{after.max_age} overlap")
    start, last = bands[0].min_age, bands[-1]
    interval = last.min_age - start
    for band in bands[:-1]:
        interval = gcd(interval, band.min_age - start, band.max_age + 1 - start)
    # ageBandedEndOn cuts the last band, so its own width need not divide the interval.
    return start, last.max_age, interval or (last.max_age + 1 - start)
