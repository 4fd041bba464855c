"""A run removes the pending work it reconciled; a failed link's stays, with its error, to be retried."""

from __future__ import annotations

from datetime import timedelta

from config.column_types import utcnow
from reconciliation.pending import PENDING_GRACE
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from reconciliation.storage import repository as repo
from tests.worker.service.world import GROUP, World
from worker.runtime import jobs
from worker.runtime.jobs import plan_systems
from worker.service import pending_work
from worker.service.group_sync import sync_group

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


def _feed_names(world: World, *refs: tuple[Side, str]) -> None:
    with world.context.sessions.begin() as session:
        repo.add_pending(session, {GROUP: list(refs)}, due_at=utcnow() + PENDING_GRACE)


def _pending(world: World) -> dict[tuple[Side, str], tuple[int, str | None]]:
    with world.context.sessions() as session:
        return {p.ref: (p.attempts, p.last_error) for p in repo.pending_for_group(session, GROUP)}


def _nudged_run(world: World):  # type: ignore[no-untyped-def]
    return sync_group(sessions=world.context.sessions, systems=plan_systems(world.context), group_id=GROUP,
                      trigger="feed", pending=True)


def test_a_nudged_run_reconciles_the_pending_plans_and_removes_them(world: World,
                                                                    synced: dict[str, str]) -> None:
    ppo, vision, skipped = world.link(synced["ppo"]), world.link(synced["vision"]), world.link(synced["life"])
    world.edit_pq(ppo.plan_ids[PQ], name="Gold PPO 4000")
    _feed_names(world, (PQ, ppo.plan_ids[PQ] or ""), (BP, vision.plan_ids[BP] or ""),
                (BP, skipped.plan_ids[BP] or skipped.plan_ids[PQ] or ""))

    report = _nudged_run(world)

    assert report.outcome is RunOutcome.SUCCEEDED and [w.link_id for w in report.writes] == [ppo.id]
    assert world.plan(BP, ppo.plan_ids[BP] or "").plan.name == "Gold PPO 4000"
    assert _pending(world) == {}  # the skipped plan's too: there is nothing to reconcile for it


def test_a_failed_links_pending_plan_stays_with_its_error_and_is_due_later(world: World,
                                                                         synced: dict[str, str]) -> None:
    ppo, vision = world.link(synced["ppo"]), world.link(synced["vision"])
    world.edit_bp(vision.plan_ids[BP], name="Vision Plus 2028")
    world.pq.plans[ppo.plan_ids[PQ]]["rates"]["tiers"]["employee"] = "twelve dollars"
    _feed_names(world, (PQ, ppo.plan_ids[PQ] or ""), (BP, vision.plan_ids[BP] or ""))

    report = _nudged_run(world)

    assert report.outcome is RunOutcome.PARTIAL and list(report.link_errors) == [ppo.id]
    [(ref, (attempts, error))] = _pending(world).items()
    assert ref == (PQ, ppo.plan_ids[PQ]) and attempts == 1 and error == report.link_errors[ppo.id]
    # Not due before its backoff; then the sweeper finds it.
    assert pending_work.nudge_due(world.context.sessions) == []
    assert pending_work.nudge_due(world.context.sessions, now=utcnow() + timedelta(minutes=6)) == [GROUP]


def test_a_whole_group_run_removes_every_pending_plan_it_reconciled(world: World,
                                                                   synced: dict[str, str]) -> None:
    ppo, vision = world.link(synced["ppo"]), world.link(synced["vision"])
    _feed_names(world, (PQ, ppo.plan_ids[PQ] or ""), (BP, vision.plan_ids[BP] or ""))
    assert world.sync().outcome is RunOutcome.SUCCEEDED
    assert _pending(world) == {}


def test_a_dry_run_leaves_pending_work_alone(world: World, synced: dict[str, str]) -> None:
    ppo = world.link(synced["ppo"])
    _feed_names(world, (PQ, ppo.plan_ids[PQ] or ""))
    world.sync(dry_run=True)
    assert list(_pending(world)) == [(PQ, ppo.plan_ids[PQ])]


def test_a_nudge_reads_the_pending_plans_from_the_database_and_with_none_starts_no_run(
        cli_world: World, synced: dict[str, str]) -> None:
    world = cli_world
    ppo = world.link(synced["ppo"])
    world.edit_pq(ppo.plan_ids[PQ], name="Gold PPO 4000")
    _feed_names(world, (PQ, ppo.plan_ids[PQ] or ""))

    # The message names no plan: the run takes the group's pending plans from the database.
    summary = jobs.sync_and_summarize(group_id=GROUP, trigger="feed", plan_refs=[])
    assert summary["outcome"] == "succeeded" and summary["counts"]["updated"] == 1
    assert world.plan(BP, ppo.plan_ids[BP] or "").plan.name == "Gold PPO 4000"
    assert _pending(world) == {}

    with world.context.sessions() as session:
        before = len(repo.recent_runs(session, group_id=GROUP, limit=100))
    assert jobs.sync_and_summarize(group_id=GROUP, trigger="sweep", plan_refs=[])["pending"] == 0
    with world.context.sessions() as session:
        assert len(repo.recent_runs(session, group_id=GROUP, limit=100)) == before


def test_a_link_failing_in_a_whole_group_run_is_retried_through_pending_work(world: World,
                                                                              synced: dict[str, str]) -> None:
    ppo = world.link(synced["ppo"])
    good_rates = dict(world.pq.plans[ppo.plan_ids[PQ]]["rates"]["tiers"])
    world.pq.plans[ppo.plan_ids[PQ]]["rates"]["tiers"]["employee"] = "twelve dollars"

    report = world.sync()  # no feed named the plan: nothing pending before this run

    assert report.outcome is RunOutcome.PARTIAL and list(report.link_errors) == [ppo.id]
    [(ref, (attempts, error))] = _pending(world).items()
    assert ref == (PQ, ppo.plan_ids[PQ]) and attempts == 1 and error == report.link_errors[ppo.id]
    assert pending_work.nudge_due(world.context.sessions, now=utcnow() + timedelta(minutes=6)) == [GROUP]

    world.pq.plans[ppo.plan_ids[PQ]]["rates"]["tiers"] = good_rates
    assert _nudged_run(world).outcome is RunOutcome.SUCCEEDED
    assert _pending(world) == {} and world.link(ppo.id).state.value == "linked"
