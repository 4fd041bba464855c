"""Hypothesis strategies for a whole link: synced merges edited on either side, and every odd shape."""

from __future__ import annotations

from hypothesis import strategies as st

from reconciliation.decisions import Choice, ConflictPolicy, LinkInput, SideState
from reconciliation.side import Side
from tests.reconciliation.strategies import EDITABLE, edits, maybe_edited, plans
from tests.reconciliation.world import link, synced

sides = st.sampled_from(list(Side))
policies = st.sampled_from(list(ConflictPolicy))
settlement_maps = st.dictionaries(st.sampled_from(EDITABLE), sides, max_size=3)


@st.composite
def synced_links(draw: st.DrawFn) -> LinkInput:
    """A merge synced once (one shared baseline), then edited on either side, both, or neither."""
    base = draw(plans())
    # Fields both sides edit: where conflicts, and edits to the same value, come from.
    contested = frozenset(draw(st.sets(st.sampled_from(EDITABLE), max_size=2)))
    edited = draw(st.sampled_from([(True, True), (True, False), (False, True), (True, True), (False, False)]))
    pq_now, bp_now = (draw(edits(base, also=contested)) if edit else base for edit in edited)
    return link(
        source_of_truth=draw(sides),
        pq=synced(base, pq_now),
        bp=synced(base, bp_now),
        policy=draw(policies),
        settlements=draw(settlement_maps),
    )


@st.composite
def any_links(draw: st.DrawFn) -> LinkInput:
    """Every shape a link can arrive in: any choice, plans gone, copies not yet created, first syncs."""
    base = draw(plans())
    choice = draw(st.sampled_from([Choice.MERGE, Choice.COPY, Choice.MERGE, Choice.COPY, *Choice]))
    source = draw(sides)
    states = {}
    for side in Side:
        if side is not source and choice is Choice.COPY and draw(st.booleans()):
            states[side] = SideState(known=False)
            continue
        baseline = draw(st.none() | st.just(base))
        gone = draw(st.sampled_from([False, False, False, False, True]))
        current = None if gone else draw(maybe_edited(base))
        states[side] = SideState(known=True, baseline=baseline, current=current)
    return link(
        choice=choice,
        source_of_truth=source,
        pq=states[Side.PERFECTQUOTE],
        bp=states[Side.BENEFITPOINT],
        policy=draw(policies),
        settlements=draw(settlement_maps),
    )


@st.composite
def diverged_links(draw: st.DrawFn) -> LinkInput:
    """A merge whose two baselines differ (a system stored a plan its own way), then edited."""
    pq_base = draw(plans())
    bp_base = draw(edits(pq_base))
    return link(
        source_of_truth=draw(sides),
        pq=synced(pq_base, draw(maybe_edited(pq_base))),
        bp=synced(bp_base, draw(maybe_edited(bp_base))),
        policy=draw(policies),
        settlements=draw(settlement_maps),
    )
