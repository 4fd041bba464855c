"""Laws of the link map: pairing never depends on plan names; a map is valid only as a whole."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciliation.link_map import LinkEntry, LinkMapError, unreviewed, validate_link_map
from reconciliation.plan import Plan
from reconciliation.side import Side
from tests.reconciliation.strategies import plan_names

LAWS = settings(max_examples=200, deadline=None)
PQ_POOL = [f"pln_{n:02d}" for n in range(1, 7)]
BP_POOL = [str(90210 + n) for n in range(1, 7)]
sides = st.sampled_from(list(Side))


@st.composite
def entries(draw: st.DrawFn) -> LinkEntry:
    """Any entry over a pool of ids a little larger than the group's plans, so some point at nothing."""
    kind = draw(st.sampled_from(["merge", "copy", "skip"]))
    if kind == "merge":
        return LinkEntry.merge(
            draw(st.sampled_from(PQ_POOL)), draw(st.sampled_from(BP_POOL)), source_of_truth=draw(sides)
        )
    side = draw(sides)
    plan_id = draw(st.sampled_from(PQ_POOL if side is Side.PERFECTQUOTE else BP_POOL))
    return LinkEntry.copy(side, plan_id) if kind == "copy" else LinkEntry.skip(side, plan_id)


# Only names matter here; the rest of a plan is fixed to keep the examples cheap.
named_plans = st.builds(Plan, name=plan_names, coverage=st.just("medical"), carrier=st.just("aetna"))
group_plans = st.tuples(
    st.dictionaries(st.sampled_from(PQ_POOL[:5]), named_plans, max_size=5),
    st.dictionaries(st.sampled_from(BP_POOL[:5]), named_plans, max_size=5),
)


def _verdict(
    chosen: list[LinkEntry], pq_plans: dict[str, Plan], bp_plans: dict[str, Plan]
) -> tuple[list[str], list[tuple[Side, str]]]:
    try:
        validate_link_map(chosen, perfectquote_plan_ids=pq_plans, benefitpoint_plan_ids=bp_plans)
        problems: list[str] = []
    except LinkMapError as error:
        problems = error.problems
    left = unreviewed(chosen, perfectquote_plan_ids=pq_plans, benefitpoint_plan_ids=bp_plans)
    return problems, left


def _renamed(plan: Plan, pool: list[str], data: st.DataObject) -> Plan:
    return plan.with_changes(name=data.draw(st.sampled_from(pool)))


@LAWS
@given(st.lists(entries(), max_size=6), group_plans, st.data())
def test_renaming_plans_on_either_side_never_changes_the_pairing(
    chosen: list[LinkEntry], both: tuple[dict[str, Plan], dict[str, Plan]], data: st.DataObject
) -> None:
    pq_plans, bp_plans = both
    names = data.draw(st.lists(plan_names, min_size=len(pq_plans) + len(bp_plans), max_size=12))
    # Renames that swap names across systems are the ones a name-based pairing would trip on.
    pool = [plan.name for plan in (*pq_plans.values(), *bp_plans.values())] + names
    renamed_pq = {key: _renamed(plan, pool, data) for key, plan in pq_plans.items()}
    renamed_bp = {key: _renamed(plan, pool, data) for key, plan in bp_plans.items()}
    assert _verdict(chosen, pq_plans, bp_plans) == _verdict(chosen, renamed_pq, renamed_bp)


@LAWS
@given(st.lists(entries(), max_size=6), group_plans)
def test_a_map_is_valid_exactly_when_every_entry_is_valid_alone_and_no_plan_is_chosen_twice(
    chosen: list[LinkEntry], both: tuple[dict[str, Plan], dict[str, Plan]]
) -> None:
    pq_plans, bp_plans = both
    problems, left = _verdict(chosen, pq_plans, bp_plans)
    alone_ok = [not _verdict([entry], pq_plans, bp_plans)[0] for entry in chosen]
    refs = [ref for entry in chosen for ref in entry.refs]
    assert (not problems) == (all(alone_ok) and len(refs) == len(set(refs)))
    assert len(problems) >= alone_ok.count(False) + len(refs) - len(set(refs))
    mentioned = set(refs)
    listed = [(Side.PERFECTQUOTE, key) for key in pq_plans] + [(Side.BENEFITPOINT, key) for key in bp_plans]
    assert left == [ref for ref in listed if ref not in mentioned]
