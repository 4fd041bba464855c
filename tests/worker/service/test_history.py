"""A field's provenance against the sandboxes, the change log by page and filter, and its pruning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from reconciliation.side import Side
from reconciliation.storage.history import ChangeFilter
from reconciliation.storage.tables import RunRow
from tests.worker.service.test_revert import revert
from tests.worker.service.world import World
from worker.service import history
from worker.service.revert import RevertRefused

PQ, BP = Side.PERFECTQUOTE, Side.BENEFITPOINT
GROUP = "grp_001"


def chain(world: World, plan: str, field: str) -> list[tuple[object, ...]]:
    found = history.field_history(sessions=world.context.sessions, group_id=GROUP, plan=plan, field=field)
    return [(s["value"], s["origin"], s["edited_in"], s["carried_to"], s["conflict"])
            for s in found["fields"][field]]


def test_a_field_edited_on_each_side_in_turn_with_a_conflict_between(world: World,
                                                                     synced: dict[str, str]) -> None:
    link = world.link(synced["ppo"])  # PerfectQuote is this merge's source of truth
    pq_id, bp_id = link.plan_ids[PQ], link.plan_ids[BP]
    assert pq_id is not None and bp_id is not None
    world.edit_pq(pq_id, name="Edited in PQ")
    world.sync()
    world.edit_bp(bp_id, name="Edited in BP")
    world.sync()
    world.edit_pq(pq_id, name="PQ wins")
    world.edit_bp(bp_id, name="BP loses")
    last = world.sync()

    steps = chain(world, f"pq:{pq_id}", "name")

    assert steps[-4:] == [
        ("Edited in PQ", "edit", "perfectquote", "benefitpoint", None),
        ("Edited in BP", "edit", "benefitpoint", "perfectquote", None),
        ("BP loses", "edit", "benefitpoint", None, "lost"),
        ("PQ wins", "edit", "perfectquote", "benefitpoint", "won"),
    ]
    found = history.field_history(sessions=world.context.sessions, group_id=GROUP, plan=bp_id, field="name")
    assert found["fields"]["name"][-1]["run_id"] == int(last.run_id or 0)
    assert chain(world, synced["ppo"], "name") == steps  # by link id too


def test_a_revert_is_a_step_of_its_own_in_the_chain(world: World, synced: dict[str, str]) -> None:
    link = world.link(synced["dental"])
    bp_id = link.plan_ids[BP]
    assert bp_id is not None
    world.edit_bp(bp_id, policyNumber="D-9")
    reverted = revert(world, world.sync().run_id)

    steps = chain(world, f"bp:{bp_id}", "group_number")

    assert steps[-1][1:] == ("revert", None, "perfectquote", None)
    assert reverted.run_id is not None


def test_a_plan_not_linked_in_the_group_is_named_in_the_error(world: World, synced: dict[str, str]) -> None:
    with pytest.raises(history.PlanNotLinked, match="plan 'pq:nope' is not linked in group grp_001"):
        history.field_history(sessions=world.context.sessions, group_id=GROUP, plan="pq:nope")


def test_the_change_log_by_field_time_and_page(any_world: World) -> None:
    world = any_world
    link = world.link(world.choose_standard()["ppo"])
    world.sync()
    world.edit_pq(link.plan_ids[PQ] or "", name="Renamed once")
    world.sync()
    sessions = world.context.sessions
    everything = history.change_rows(sessions=sessions, group_id=GROUP, wanted=ChangeFilter(), limit=10_000)

    names = history.change_rows(sessions=sessions, group_id=GROUP, wanted=ChangeFilter(field="name"))
    first = history.change_rows(sessions=sessions, group_id=GROUP, wanted=ChangeFilter(), limit=3)
    second = history.change_rows(sessions=sessions, group_id=GROUP, wanted=ChangeFilter(), limit=3, page=2)
    future = history.change_rows(sessions=sessions, group_id=GROUP,
                                 wanted=ChangeFilter(since=datetime.now(UTC) + timedelta(minutes=1)))

    assert {r["field"] for r in names["changes"]} == {"name"}
    assert names["changes"][-1]["after"] == "Renamed once"
    assert first["changes"] == everything["changes"][-3:]
    assert second["changes"] == everything["changes"][-6:-3]
    assert first["pages"] == -(-everything["total"] // 3) and future["changes"] == []


def test_pruning_drops_whole_old_runs_and_keeps_every_run_still_revertible(any_world: World) -> None:
    world = any_world
    link = world.link(world.choose_standard()["ppo"])
    world.sync()
    world.edit_pq(link.plan_ids[PQ] or "", name="Kept")
    recent = world.sync()
    sessions = world.context.sessions
    with sessions.begin() as session:  # the first sync started 40 days ago
        session.execute(update(RunRow).where(RunRow.id < int(recent.run_id or 0))
                        .values(started_at=datetime.now(UTC) - timedelta(days=40)))

    pruned = history.prune_change_log(sessions=sessions, retention_days=30, now=datetime.now(UTC))

    kept = history.change_rows(sessions=sessions, group_id=GROUP, wanted=ChangeFilter())["changes"]
    assert pruned > 0 and {r["run_id"] for r in kept} == {int(recent.run_id or 0)}
    assert revert(world, recent.run_id).counts.updated == 1
    with pytest.raises(RevertRefused, match="wrote nothing"):
        revert(world, int(recent.run_id or 0) - 1)
