"""One example per rule of the reconcile step."""

from __future__ import annotations

import pytest

from reconciliation import reconcile as reconcile_module
from reconciliation.decisions import Action, Choice, ConflictPolicy, FieldChange, SideState, WriteKind
from reconciliation.reconcile import ReconcileInputError, reconcile
from reconciliation.side import Side
from tests.reconciliation.examples import BASE, cents, with_benefit, with_tier, without_benefit
from tests.reconciliation.world import apply_writes, link, synced

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


def test_an_unchanged_link_decides_nothing() -> None:
    outcome = reconcile(link(pq=synced(BASE, BASE), bp=synced(BASE, BASE)))
    assert outcome.action is Action.NOTHING and outcome.writes == () and outcome.conflicts == ()
    assert outcome.next_baselines == {Side.PERFECTQUOTE: BASE, Side.BENEFITPOINT: BASE}


def test_an_unchanged_link_is_never_diffed(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_diff(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged link was diffed")

    monkeypatch.setattr(reconcile_module, "changed_paths", no_diff)
    assert reconcile(link(pq=synced(BASE, BASE), bp=synced(BASE, BASE))).action is Action.NOTHING


def test_only_the_side_whose_hash_moved_is_diffed(monkeypatch: pytest.MonkeyPatch) -> None:
    diffed: list[dict[str, object]] = []
    real = reconcile_module.changed_paths

    def recording(before: dict[str, object], after: dict[str, object]) -> list[str]:
        diffed.append(after)
        return real(before, after)

    monkeypatch.setattr(reconcile_module, "changed_paths", recording)
    reconcile(link(pq=synced(BASE, BASE.with_changes(group_number="G-200")), bp=synced(BASE, BASE)))
    assert len(diffed) == 1 and diffed[0]["group_number"] == "G-200"


@pytest.mark.parametrize("changed_on", [PQ, BP])
def test_one_side_changed_carries_its_fields_to_the_other(changed_on: Side) -> None:
    edited = with_benefit(BASE.with_changes(name="Gold PPO 750"), "deductible.individual", "750")
    states = {side: synced(BASE, edited if side is changed_on else BASE) for side in Side}
    outcome = reconcile(link(pq=states[PQ], bp=states[BP], source_of_truth=changed_on.other))
    (write,) = outcome.writes
    assert outcome.action is Action.WRITE
    assert write.side is changed_on.other and write.kind is WriteKind.UPDATE and write.plan == edited
    assert write.changes == (
        FieldChange(path="benefits.deductible.individual", before=cents("500"), after=cents("750")),
        FieldChange(path="name", before="Gold PPO 500", after="Gold PPO 750"),
    )
    assert outcome.next_baselines[Side.PERFECTQUOTE] == edited == outcome.next_baselines[Side.BENEFITPOINT]


def test_both_changed_different_fields_merge_field_by_field() -> None:
    pq_now = BASE.with_changes(group_number="G-200")
    bp_now = with_tier(BASE, "ee", "530.00")
    outcome = reconcile(link(pq=synced(BASE, pq_now), bp=synced(BASE, bp_now)))
    merged = BASE.with_changes(group_number="G-200", rates=bp_now.rates)
    writes = {write.side: write for write in outcome.writes}
    assert writes[PQ].plan == merged and writes[BP].plan == merged
    assert [change.path for change in writes[PQ].changes] == ["rates"]
    assert [change.path for change in writes[BP].changes] == ["group_number"]
    assert outcome.conflicts == ()


def test_both_changed_a_field_to_the_same_value_writes_nothing() -> None:
    same = with_benefit(BASE, "copay.pcp", "30")
    outcome = reconcile(link(pq=synced(BASE, same), bp=synced(BASE, same)))
    assert outcome.action is Action.NOTHING and outcome.writes == () and outcome.conflicts == ()
    assert outcome.next_baselines[Side.PERFECTQUOTE] == same == outcome.next_baselines[Side.BENEFITPOINT]


def test_a_benefit_removed_on_one_side_is_removed_on_the_other() -> None:
    removed = without_benefit(BASE, "network")
    outcome = reconcile(link(pq=synced(BASE, BASE), bp=synced(BASE, removed)))
    (write,) = outcome.writes
    assert write.side is PQ and "network" not in write.plan.benefits
    assert write.changes == (FieldChange(path="benefits.network", before="Open Access", after=None),)


@pytest.mark.parametrize("source", [PQ, BP])
def test_a_conflict_goes_to_the_source_of_truth_and_keeps_the_losing_value(source: Side) -> None:
    pq_now = with_benefit(BASE, "copay.pcp", "30")
    bp_now = with_benefit(BASE, "copay.pcp", "35")
    outcome = reconcile(link(pq=synced(BASE, pq_now), bp=synced(BASE, bp_now), source_of_truth=source))
    (conflict,) = outcome.conflicts
    assert conflict.path == "benefits.copay.pcp" and conflict.winner is source
    assert (conflict.baseline, conflict.values[Side.PERFECTQUOTE], conflict.values[Side.BENEFITPOINT]) == (
        cents("25"),
        cents("30"),
        cents("35"),
    )
    assert conflict.losing_value == (cents("35") if source is PQ else cents("30"))
    (write,) = outcome.writes
    assert write.side is source.other
    assert write.plan.benefits["copay.pcp"] == (cents("30") if source is PQ else cents("35"))


def test_rates_conflict_as_one_unit() -> None:
    pq_now, bp_now = with_tier(BASE, "ee", "520"), with_tier(BASE, "fam", "1600")
    outcome = reconcile(link(pq=synced(BASE, pq_now), bp=synced(BASE, bp_now)))
    assert [conflict.path for conflict in outcome.conflicts] == ["rates"]
    assert apply_writes(link(pq=synced(BASE, pq_now), bp=synced(BASE, bp_now)), outcome)[BP] == pq_now


def test_hold_for_review_holds_the_link_without_any_write() -> None:
    pq_now = with_benefit(BASE.with_changes(status="pending"), "copay.pcp", "30")
    bp_now = with_benefit(BASE, "copay.pcp", "35")
    outcome = reconcile(
        link(pq=synced(BASE, pq_now), bp=synced(BASE, bp_now), policy=ConflictPolicy.HOLD_FOR_REVIEW)
    )
    assert outcome.action is Action.HELD and outcome.writes == ()
    (conflict,) = outcome.conflicts
    assert conflict.winner is None
    assert conflict.values == {Side.PERFECTQUOTE: cents("30"), Side.BENEFITPOINT: cents("35")}
    assert outcome.next_baselines[Side.PERFECTQUOTE] == BASE == outcome.next_baselines[Side.BENEFITPOINT]


@pytest.mark.parametrize("policy", list(ConflictPolicy))
def test_a_settlement_overrides_the_policy_for_its_path(policy: ConflictPolicy) -> None:
    pq_now = with_benefit(BASE, "copay.pcp", "30")
    bp_now = with_benefit(BASE, "copay.pcp", "35")
    outcome = reconcile(
        link(
            pq=synced(BASE, pq_now),
            bp=synced(BASE, bp_now),
            source_of_truth=PQ,
            policy=policy,
            settlements={"benefits.copay.pcp": BP},
        )
    )
    assert outcome.action is Action.WRITE
    (conflict,) = outcome.conflicts
    assert conflict.winner is BP and conflict.losing_value == cents("30")
    (write,) = outcome.writes
    assert write.side is PQ and write.plan == bp_now


def test_first_sync_of_a_merge_overwrites_the_other_side_with_the_source_of_truth() -> None:
    bp_plan = BASE.with_changes(name="GOLD PPO", rates=None, benefits={})
    link_input = link(
        source_of_truth=PQ, pq=SideState(known=True, current=BASE), bp=SideState(known=True, current=bp_plan)
    )
    outcome = reconcile(link_input)
    (write,) = outcome.writes
    assert write.side is BP and write.kind is WriteKind.UPDATE and write.plan == BASE
    assert {change.path for change in write.changes} == {
        "name",
        "rates",
        "benefits.copay.pcp",
        "benefits.deductible.individual",
        "benefits.network",
    }
    assert outcome.next_baselines[Side.PERFECTQUOTE] == BASE == outcome.next_baselines[Side.BENEFITPOINT]


def test_first_sync_of_equal_plans_writes_nothing_and_sets_the_baselines() -> None:
    outcome = reconcile(link(pq=SideState(known=True, current=BASE), bp=SideState(known=True, current=BASE)))
    assert outcome.action is Action.NOTHING and outcome.writes == ()
    assert outcome.next_baselines[Side.PERFECTQUOTE] == BASE == outcome.next_baselines[Side.BENEFITPOINT]


@pytest.mark.parametrize("origin", [PQ, BP])
def test_first_sync_of_a_copy_creates_the_plan_on_the_other_side(origin: Side) -> None:
    states = {origin: SideState(known=True, current=BASE), origin.other: SideState(known=False)}
    outcome = reconcile(link(choice=Choice.COPY, source_of_truth=origin, pq=states[PQ], bp=states[BP]))
    (write,) = outcome.writes
    assert write.kind is WriteKind.CREATE and write.side is origin.other and write.plan == BASE
    assert FieldChange(path="name", before=None, after="Gold PPO 500") in write.changes
    assert outcome.next_baselines[Side.PERFECTQUOTE] == BASE == outcome.next_baselines[Side.BENEFITPOINT]


def test_a_created_copy_behaves_like_a_merge_with_its_origin_as_source_of_truth() -> None:
    pq_now, bp_now = BASE.with_changes(carrier="cigna"), BASE.with_changes(carrier="uhc")
    outcome = reconcile(
        link(choice=Choice.COPY, source_of_truth=BP, pq=synced(BASE, pq_now), bp=synced(BASE, bp_now))
    )
    (conflict,) = outcome.conflicts
    assert conflict.winner is BP and conflict.losing_value == "cigna"
    (write,) = outcome.writes
    assert write.side is PQ and write.kind is WriteKind.UPDATE and write.plan.carrier == "uhc"


@pytest.mark.parametrize("choice", [Choice.MERGE, Choice.COPY])
@pytest.mark.parametrize("gone", [PQ, BP])
def test_a_plan_gone_on_a_side_orphans_the_link_and_deletes_nothing(choice: Choice, gone: Side) -> None:
    edited = BASE.with_changes(group_number="G-300")
    states = {gone: synced(BASE, None), gone.other: synced(BASE, edited)}
    outcome = reconcile(link(choice=choice, pq=states[PQ], bp=states[BP]))
    assert outcome.action is Action.ORPHANED and outcome.writes == ()
    assert gone.value in (outcome.reason or "")
    assert outcome.next_baselines[Side.PERFECTQUOTE] == BASE == outcome.next_baselines[Side.BENEFITPOINT]


@pytest.mark.parametrize("choice", [Choice.SKIP, Choice.UNREVIEWED])
def test_skip_and_unreviewed_decide_nothing(choice: Choice) -> None:
    outcome = reconcile(
        link(choice=choice, pq=synced(BASE, BASE.with_changes(name="x")), bp=SideState(known=False))
    )
    assert outcome.action is Action.NOTHING and outcome.writes == ()


def test_contradictory_inputs_are_refused_with_a_clear_error() -> None:
    with pytest.raises(ReconcileInputError, match="merge links a plan on each side"):
        reconcile(link(pq=SideState(known=True, current=BASE), bp=SideState(known=False)))
    with pytest.raises(ReconcileInputError, match="copy from benefitpoint needs a plan there"):
        reconcile(
            link(
                choice=Choice.COPY,
                source_of_truth=BP,
                pq=SideState(known=True, current=BASE),
                bp=SideState(known=False),
            )
        )
    with pytest.raises(ReconcileInputError, match="perfectquote: no plan is linked there"):
        reconcile(link(pq=SideState(known=False, current=BASE), bp=SideState(known=True, current=BASE)))
