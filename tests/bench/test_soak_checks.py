"""The soak's checks find a broken invariant, and pass a world that keeps them (no servers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bench.soak import checks
from bench.soak.checks import Edit, SoakLink

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MERGE = SoakLink(link_id="L1", group_id="g", choice="merge", perfectquote="p1", benefitpoint="b1",
                 state="linked")
SKIP = SoakLink(link_id="L2", group_id="g", choice="skip", perfectquote="p2", benefitpoint=None,
                state="linked")


def _plans(*, pq_name: str = "'Gold'", bp_name: str = "'Gold'", extra_bp: bool = False) -> checks.Plans:
    bp = {"b1": {"version": "1", "fields": {"name": bp_name}}}
    if extra_bp:
        bp["b9"] = {"version": "1", "fields": {"name": "'Gold'"}}
    return {"perfectquote": {"g": {"p1": {"version": "3", "fields": {"name": pq_name}},
                                   "p2": {"version": "1", "fields": {"name": "'Skipped'"}}}},
            "benefitpoint": {"g": bp}}


def _edit(side: str, value: str, *, minutes: int = 0) -> Edit:
    return Edit(side=side, plan_id="p1" if side == "perfectquote" else "b1", link_id="L1", field="name",
                value=value, at=AT + timedelta(minutes=minutes))


def test_a_world_that_keeps_every_invariant_has_no_problem() -> None:
    plans = _plans()
    assert checks.pairs_equal([MERGE, SKIP], plans) == []
    assert checks.one_sided_edits([_edit("perfectquote", "Silver"), _edit("perfectquote", "Gold", minutes=1)],
                                  [MERGE], plans) == []
    assert checks.no_plan_twice([MERGE, SKIP], plans) == []
    assert checks.links_healthy([MERGE, SKIP]) == []


def test_each_broken_invariant_is_named() -> None:
    assert checks.pairs_equal([MERGE], _plans(bp_name="'Silver'")) == ["link L1: sides differ in name"]
    assert checks.one_sided_edits([_edit("benefitpoint", "Silver")], [MERGE], _plans(bp_name="'Silver'")) == [
        "link L1 name: benefitpoint set 'Silver', perfectquote holds 'Gold'"]
    assert checks.no_plan_twice([MERGE, SKIP], _plans(extra_bp=True)) == [
        "g on benefitpoint: 1 plans no link names ['b9'], named twice []"]
    before, after = {"perfectquote:p2": {"version": "1"}}, {"perfectquote:p2": {"version": "2"}}
    assert checks.skipped_untouched(before, after) == ["skipped plan perfectquote:p2: changed"]
    assert checks.skipped_untouched(before, {}) == ["skipped plan perfectquote:p2: gone"]
    assert checks.no_run_running([(7, "g")]) == ["run 7 (g) never finished"]
    orphaned = SoakLink(link_id="L3", group_id="g", choice="copy", perfectquote="p3", benefitpoint=None,
                        state="orphaned")
    assert checks.links_healthy([orphaned]) == ["link L3 of g is orphaned"]
    assert checks.pairs_equal([orphaned], _plans()) == ["link L3: no plan on perfectquote"]
    assert checks.outage_guarded(["failed"], []) == ["the outage run ended ['failed'], not aborted"]
    assert checks.outage_guarded(["aborted"], [(41, "feed", 1)]) == [
        "run 41 (feed) orphaned 1 link(s) while the plans were missing"]
    assert checks.outage_guarded(["aborted"], []) == []


def test_edits_on_both_sides_of_a_field_are_left_to_the_pair_check() -> None:
    edits = [_edit("perfectquote", "Silver"), _edit("benefitpoint", "Bronze", minutes=1)]
    assert checks.one_sided_edits(edits, [MERGE], _plans()) == []


def test_the_longest_wait_is_from_the_kill_to_the_group_s_next_run() -> None:
    kills = [(AT, {"g"}), (AT + timedelta(minutes=5), {"h"})]
    starts = [("g", AT - timedelta(seconds=3)), ("g", AT + timedelta(seconds=19)),
              ("h", AT + timedelta(minutes=5, seconds=25))]
    assert checks.longest_wait(kills, starts) == timedelta(seconds=25)
    assert checks.longest_wait([(AT, {"k"})], starts) == timedelta.max
    assert checks.longest_wait([(AT, set())], starts) is None
