"""Contract tests: every PerfectQuoteConnector call against the sandbox over real HTTP."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from connectors.errors import AccessDenied, Duplicate, NotFound, StaleVersion, ValidationFailed
from connectors.perfectquote import PerfectQuoteConnector
from connectors.ports import PlanSystem
from connectors.sandbox.demo_world import EMPLOYERS, seed_plans
from reconciliation.plan import Plan, Rates, RateStructure, Tier
from reconciliation.side import Side


def _seeded(index: int = 0) -> list[Plan]:
    return [item.perfectquote for item in seed_plans(EMPLOYERS[index]) if item.perfectquote is not None]


def test_it_is_a_plan_system(connector: PerfectQuoteConnector) -> None:
    system: PlanSystem = connector
    assert system.side is Side.PERFECTQUOTE


def test_groups_are_searched_and_read(connector: PerfectQuoteConnector) -> None:
    found = connector.search_groups("harbor")
    assert [g.name for g in found] == ["Blue Harbor Logistics", "Harborview Family Clinic"]
    assert connector.get_group(found[0].id) == found[0]
    assert found[0].benefitpoint_account_id is None
    with pytest.raises(NotFound):
        connector.get_group("grp_missing")


def test_list_plans_gives_the_seeded_canonical_plans(connector: PerfectQuoteConnector) -> None:
    remote = connector.list_plans("grp_001")
    assert [r.plan for r in remote] == _seeded(0)
    assert all(r.side is Side.PERFECTQUOTE and r.version == "1" and r.problem is None for r in remote)


def test_list_plans_reads_every_page(connector: PerfectQuoteConnector, pq_app: Starlette) -> None:
    plan = _seeded(0)[0]
    for index in range(205):
        connector.create_plan("grp_004", plan.with_changes(name=f"Plan {index}"), link_id=f"lnk_{index}")
    remote = connector.list_plans("grp_004")
    assert len(remote) == 205 + len(_seeded(3)) and len({r.id for r in remote}) == len(remote)
    assert pq_app.state.store.calls["GET /groups/{group_id}/plans"] == 2


def test_get_plan_reads_one_and_a_missing_one_is_none(connector: PerfectQuoteConnector, pq_url: str) -> None:
    first = connector.list_plans("grp_002")[0]
    assert connector.get_plan(first.id) == first
    httpx.delete(f"{pq_url}/_sandbox/plans/{first.id}")
    assert connector.get_plan(first.id) is None


def test_create_carries_the_link_id_and_replays_safely(connector: PerfectQuoteConnector) -> None:
    plan = _seeded(0)[0].with_changes(name="Copied from BenefitPoint")
    created = connector.create_plan("grp_005", plan, link_id="lnk_abc")
    assert created.plan == plan and created.link_id == "lnk_abc"
    assert connector.create_plan("grp_005", plan, link_id="lnk_abc").id == created.id
    assert connector.find_by_link_id("grp_005", "lnk_abc") == created
    assert connector.find_by_link_id("grp_005", "lnk_nothing") is None
    with pytest.raises(Duplicate):
        connector.create_plan("grp_005", plan.with_changes(name="Another"), link_id="lnk_abc")


def test_create_refused_by_validation_keeps_the_details(connector: PerfectQuoteConnector) -> None:
    # Canonical rates allow tiers beside age bands; the contract refuses them on an age-banded plan.
    plan = _seeded(0)[0].with_changes(rates=Rates(structure=RateStructure.AGE_BANDED,
                                                  tiers={Tier.EE: "5.00"}))
    with pytest.raises(ValidationFailed) as caught:
        connector.create_plan("grp_001", plan, link_id="lnk_neg")
    assert caught.value.status == 422
    assert {"field": "rates.tiers", "problem": "must be empty when the structure is age_banded"} in (
        caught.value.details)


def test_update_replaces_content_and_keeps_refs_and_unknown_keys(connector: PerfectQuoteConnector) -> None:
    dental = next(r for r in connector.list_plans("grp_001") if r.plan and r.plan.coverage == "dental")
    connector.set_external_refs(dental.id, {"benefitpoint": "90211"})
    read = connector.get_plan(dental.id)
    assert read is not None and read.plan is not None
    current = connector.update_plan(
        read, read.plan.with_changes(benefits={**read.plan.benefits, "waiting_period": "6 months"}),
        link_id="lnk_d")
    assert current.plan is not None
    benefits = {k: v for k, v in current.plan.benefits.items() if k not in {"annual_max", "waiting_period"}}
    wanted = current.plan.with_changes(group_number="D-NEW", benefits=benefits)
    updated = connector.update_plan(current, wanted, link_id="lnk_d")
    assert int(updated.version) == int(current.version) + 1
    assert updated.plan is not None and updated.plan.group_number == "D-NEW"
    # BenefitPoint has no attribute for a waiting period: a plan from there cannot say it, so it stays.
    assert updated.plan.benefits["waiting_period"] == "6 months"
    # A dental maximum BenefitPoint does hold: the plan's to set or clear.
    assert "annual_max" not in updated.plan.benefits
    assert updated.native["external_refs"] == {"benefitpoint": "90211", "plansync": "lnk_d"}


def test_a_stale_update_raises_with_the_current_plan(connector: PerfectQuoteConnector) -> None:
    read = connector.list_plans("grp_006")[0]
    assert read.plan is not None
    newer = connector.update_plan(read, read.plan.with_changes(name="Edited in PerfectQuote"), link_id="l1")
    with pytest.raises(StaleVersion) as caught:
        connector.update_plan(read, read.plan.with_changes(name="Our write"), link_id="l1")
    assert caught.value.current == newer and caught.value.current.plan.name == "Edited in PerfectQuote"


def test_set_external_refs_merges(connector: PerfectQuoteConnector) -> None:
    plan_id = connector.list_plans("grp_007")[0].id
    connector.set_external_refs(plan_id, {"benefitpoint": "1"})
    merged = connector.set_external_refs(plan_id, {"plansync": "lnk_x"})
    assert merged.native["external_refs"] == {"benefitpoint": "1", "plansync": "lnk_x"}
    assert merged.link_id == "lnk_x"


def test_the_feed_reports_changes_deletions_and_resumes(connector: PerfectQuoteConnector,
                                                        pq_url: str) -> None:
    everything = connector.changes_since(None)
    assert len(everything.changed) == 48 and not everything.deleted
    assert ("grp_001", connector.list_plans("grp_001")[0].id) in everything.changed
    quiet = connector.changes_since(everything.watermark)
    assert (list(quiet.changed), list(quiet.deleted)) == ([], [])
    edited, removed = connector.list_plans("grp_008")[:2]
    assert edited.plan is not None
    connector.update_plan(edited, edited.plan.with_changes(name="Edited"), link_id="l")
    httpx.delete(f"{pq_url}/_sandbox/plans/{removed.id}")
    news = connector.changes_since(quiet.watermark)
    assert list(news.changed) == [("grp_008", edited.id)]
    assert list(news.deleted) == [("grp_008", removed.id)]
    assert connector.changes_since(news.watermark).changed == []


def test_the_feed_follows_pages(connector: PerfectQuoteConnector, pq_app: Starlette) -> None:
    plan = _seeded(0)[0]
    for index in range(160):
        connector.create_plan("grp_009", plan.with_changes(name=f"P{index}"), link_id=f"lnk_f{index}")
    assert len(connector.changes_since(None).changed) == 48 + 160
    assert pq_app.state.store.calls["GET /plans/changes"] == 2


def test_enrollment_changes_resume_from_the_watermark(connector: PerfectQuoteConnector, pq_url: str) -> None:
    seeded, watermark = connector.enrollment_changes("grp_010", None)
    assert seeded and all(c.kind == "add" and c.member.ssn.startswith("900-") for c in seeded)
    assert "900-" not in repr(seeded[0])
    change = {"kind": "change", "member": {"member_id": "m_new", "first_name": "Test", "last_name": "Person",
                                           "ssn": "900-11-2222", "date_of_birth": "1990-05-06",
                                           "relationship": "spouse"},
              "plan_id": seeded[0].plan_id, "coverage_level": "ES", "effective_date": "2026-04-01"}
    httpx.post(f"{pq_url}/_sandbox/enrollment_changes", json={"group_id": "grp_010", "change": change})
    news, later = connector.enrollment_changes("grp_010", watermark)
    read = [(c.kind, c.member.member_id, c.member.relationship) for c in news]
    assert read == [("change", "m_new", "spouse")]
    assert later != watermark and connector.enrollment_changes("grp_010", later)[0] == []


def test_a_wrong_token_is_access_denied(api_url: str) -> None:
    with PerfectQuoteConnector(base_url=api_url, token="wrong") as connector, pytest.raises(AccessDenied):
        connector.search_groups("")
