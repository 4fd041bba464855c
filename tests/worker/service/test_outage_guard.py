"""The outage guard counts the whole group even in a run of a few links: no link orphaned in an outage."""

from __future__ import annotations

from reconciliation.side import Side
from reconciliation.states import LinkState, RunOutcome
from tests.worker.service.world import GROUP, World
from worker.runtime.jobs import plan_systems
from worker.service.group_sync import sync_group
from worker.service.run_report import RunReport

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT


def _run_of(world: World, *refs: tuple[Side, str]) -> RunReport:
    return sync_group(sessions=world.context.sessions, systems=plan_systems(world.context), group_id=GROUP,
                      trigger="feed", plan_refs=list(refs))


def test_a_run_of_two_links_aborts_when_most_of_the_group_is_gone(world: World,
                                                                  synced: dict[str, str]) -> None:
    links = {role: world.link(synced[role]) for role in ("ppo", "dental", "hdhp", "vision")}
    for role in ("ppo", "dental", "hdhp"):
        world.delete_bp(links[role].plan_ids[BP] or "")

    # The feed named two of the three: 2 of 4 alone would not look like an outage.
    report = _run_of(world, (BP, links["ppo"].plan_ids[BP] or ""), (BP, links["dental"].plan_ids[BP] or ""))

    assert report.outcome is RunOutcome.ABORTED and "3 of 4 linked plans are missing" in (report.error or "")
    assert {world.link(link.id).state for link in links.values()} == {LinkState.LINKED}
    assert report.counts.orphaned == 0 and report.writes == []


def test_a_run_of_one_link_whose_plan_alone_is_gone_orphans_it(world: World, synced: dict[str, str]) -> None:
    ppo, vision = world.link(synced["ppo"]), world.link(synced["vision"])
    world.delete_bp(ppo.plan_ids[BP] or "")

    report = _run_of(world, (BP, ppo.plan_ids[BP] or ""), (BP, vision.plan_ids[BP] or ""))

    assert report.outcome is RunOutcome.SUCCEEDED and report.counts.orphaned == 1
    assert world.link(ppo.id).state is LinkState.ORPHANED
    assert world.link(vision.id).state is LinkState.LINKED
