"""What a merge's first sync will empty on the side that is not the source of truth, said at link time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from reconciliation.decisions import Choice
from reconciliation.link_entry import LinkEntry, PlanRef
from reconciliation.plan import Plan
from reconciliation.side import Side

NAMES = {Side.PERFECTQUOTE: "PerfectQuote plan", Side.BENEFITPOINT: "BenefitPoint product"}


def _plan_name(side: Side, plan_id: str) -> str:
    return f"{NAMES[side]} {plan_id}"


def _rates_fate(target: Side, name: str) -> str:
    if target is Side.BENEFITPOINT:
        # The BenefitPoint writer never removes rates: a plan without rates leaves them as they are.
        return (f"{name} keeps its rates (plansync never removes rates in BenefitPoint); they reach "
                "PerfectQuote only once they change in BenefitPoint")
    return f"the first sync removes {name}'s rates"


def _benefits_fate(target: Side, name: str, *, same_coverage: bool) -> str:
    if target is Side.PERFECTQUOTE and same_coverage:
        # PerfectQuote keeps the keys BenefitPoint has no attribute for: no plan from there can say them.
        return f"the first sync clears {name}'s benefits (those BenefitPoint has no attribute for stay)"
    return f"the first sync clears {name}'s benefits"


def emptying_warnings(entries: Iterable[LinkEntry],
                      plans: Mapping[PlanRef, Plan | None]) -> list[tuple[LinkEntry, str]]:
    """For each merge whose source of truth has no rates or no benefits while the other plan has some:
    the entry and one line saying what the first sync will do. Unreadable plans are not judged."""
    warnings: list[tuple[LinkEntry, str]] = []
    for entry in entries:
        source = entry.source_of_truth
        if entry.choice is not Choice.MERGE or not isinstance(source, Side):
            continue
        target = source.other
        ids = {side: entry.plan_id(side) or "" for side in Side}
        held = {side: plans.get((side, ids[side])) for side in Side}
        origin, other = held[source], held[target]
        if origin is None or other is None:
            continue
        names = {side: _plan_name(side, ids[side]) for side in Side}
        said = f"{names[source]}, the source of truth, has no"
        if origin.rates is None and other.rates is not None:
            warnings.append((entry, f"{said} rates: {_rates_fate(target, names[target])}"))
        if not origin.benefits and other.benefits:
            fate = _benefits_fate(target, names[target], same_coverage=origin.coverage is other.coverage)
            warnings.append((entry, f"{said} benefits: {fate}"))
    return warnings
