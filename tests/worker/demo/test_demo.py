"""`plansync demo` end to end: the story's facts, read from the database, the sandboxes and the log file."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from carriers.storage.tables import IntegrationRow, MessageRow
from reconciliation.side import Side
from reconciliation.storage.tables import ConflictRow, LinkRow, RunRow
from worker.demo.facts import logged_events

from .conftest import Finished

PLANSYNC = str(Path(sys.executable).parent / "plansync")


def _links(finished: Finished) -> list[LinkRow]:
    with finished.sessions() as session:
        return list(session.scalars(select(LinkRow)))


def _copy_from(finished: Finished, side: Side) -> LinkRow:
    (link,) = [link for link in _links(finished)
               if link.choice == "copy" and link.source_of_truth == side.value]
    return link


def _merged(finished: Finished) -> LinkRow:
    (link,) = [link for link in _links(finished) if link.choice == "merge"]
    return link


def test_the_story_runs_without_a_problem(finished: Finished) -> None:
    assert finished.result.problems == []
    assert finished.result.exit_code == 0


def test_plans_are_merged_copied_and_skipped(finished: Finished) -> None:
    choices = sorted((link.choice, link.source_of_truth) for link in _links(finished))
    assert choices == [("copy", "benefitpoint"), ("copy", "perfectquote"), ("merge", "perfectquote"),
                       ("skip", None)]
    for link in (_merged(finished), *(_copy_from(finished, side) for side in Side)):
        assert link.perfectquote_plan_id and link.benefitpoint_plan_id and link.state == "linked"


def test_each_users_edit_arrived_on_the_other_side(finished: Finished) -> None:
    hdhp, vision = _copy_from(finished, Side.PERFECTQUOTE), _copy_from(finished, Side.BENEFITPOINT)
    hdhp_in_bp = finished.benefitpoint.get_plan(hdhp.benefitpoint_plan_id or "")
    vision_in_pq = finished.perfectquote.get_plan(vision.perfectquote_plan_id or "")
    assert hdhp_in_bp is not None and hdhp_in_bp.plan is not None
    assert hdhp_in_bp.plan.benefits["copays.primary_care"] == Decimal("35")
    assert vision_in_pq is not None and vision_in_pq.plan is not None
    assert vision_in_pq.plan.name == "Vision Plus 2027"


def test_the_same_field_edit_is_a_conflict_with_both_values(finished: Finished) -> None:
    with finished.sessions() as session:
        (conflict,) = session.scalars(select(ConflictRow))
        assert conflict.field_path == "benefits.deductible.individual"
        assert Decimal(str(conflict.perfectquote_value)) == Decimal("3500")
        assert Decimal(str(conflict.benefitpoint_value)) == Decimal("3250")
        assert conflict.winner == "perfectquote"
        assert conflict.link_id == _merged(finished).id
    ppo_in_bp = finished.benefitpoint.get_plan(_merged(finished).benefitpoint_plan_id or "")
    assert ppo_in_bp is not None and ppo_in_bp.plan is not None
    assert ppo_in_bp.plan.benefits["deductible.individual"] == Decimal("3500")


def test_the_injected_faults_are_survived(finished: Finished) -> None:
    faults = finished.result.world.sandboxes.benefitpoint_app.state.faults
    assert faults.injected["error"] > 0 and faults.settings.error_rate == 0
    retried = [line for line in logged_events(finished.result.world.log_path, "http.retry")
               if line["system"] == "benefitpoint"]
    assert len(retried) > 0
    ppo_in_bp = finished.benefitpoint.get_plan(_merged(finished).benefitpoint_plan_id or "")
    assert ppo_in_bp is not None and ppo_in_bp.plan is not None
    assert ppo_in_bp.plan.benefits["copays.specialist"] == Decimal("55")
    with finished.sessions() as session:
        runs = session.scalars(select(RunRow).order_by(RunRow.id))
        outcomes = [(run.trigger, run.outcome) for run in runs]
    assert outcomes[0] == ("manual", "succeeded")
    assert outcomes[1:] and all(outcome == ("feed", "succeeded") for outcome in outcomes[1:])


def test_syncs_ran_through_the_clock_the_actors_and_the_lease(finished: Finished) -> None:
    log_path = finished.result.world.log_path
    enqueued = {line["cycle"] for line in logged_events(log_path, "clock.enqueued")}
    assert enqueued == {"feed", "carrier"}
    leased = {(line["group_id"], line["trigger"], line["actor"])
              for line in logged_events(log_path, "worker.lease.acquired")}
    assert leased == {("grp_001", "manual", "sync_group"), ("grp_001", "feed", "sync_group")}
    assert logged_events(log_path, "sync.feeds.read")


def test_the_integration_goes_active_transmits_and_a_message_is_resolved(finished: Finished) -> None:
    store = finished.result.world.sandboxes.exchange_app.state.store
    (period,) = store.periods.values()
    assert period.status == "active"
    assert [t["status"] for t in store.transmissions.values()] == ["delivered"]
    assert sorted(e["status"] for e in store.errors.values()).count("resolved") == 1
    with finished.sessions() as session:
        (integration,) = session.scalars(select(IntegrationRow))
        assert integration.status == "active" and integration.coverage_period_id == period.id
        resolved = [m for m in session.scalars(select(MessageRow)) if m.resolved_at is not None]
    assert [(m.severity, m.open) for m in resolved] == [("Failure", False)]
    changed = [(line["before"], line["after"]) for line in logged_events(finished.result.world.log_path,
                                                                         "carrier.status_changed")]
    assert changed == [(None, "pending"), ("pending", "active")]


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    return {**env, **extra}


def test_the_command_exits_zero_and_removes_its_database(tmp_path: Path) -> None:
    done = subprocess.run([PLANSYNC, "demo", "--pace-s", "0"], cwd=tmp_path, env=_environment(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "plansync-demo.db").exists()
    assert logged_events(tmp_path / "plansync-demo.log", "sync.finished")


def test_the_command_refuses_when_servers_are_configured(tmp_path: Path) -> None:
    done = subprocess.run([PLANSYNC, "demo"], cwd=tmp_path, env=_environment(REDIS_URL="redis://127.0.0.1:1/0"),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "REDIS_URL" in done.stderr
    assert list(tmp_path.iterdir()) == []
