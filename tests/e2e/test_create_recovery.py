"""A create that landed before a crash: recovered by its link id, and still written down in the change log."""

from __future__ import annotations

from reconciliation.side import Side
from reconciliation.storage import repository as repo
from tests.e2e.conftest import World
from tests.e2e.world import change_log, connect_and_link, plans_by_kind
from worker.runtime import jobs


def test_a_create_made_before_a_crash_is_recovered_once_and_logged(world: World) -> None:
    context = world.context
    group = connect_and_link(context, 8, copies=("hdhp",))
    link_id = group.link_ids["hdhp"]
    hdhp = plans_by_kind(context.perfectquote, group.group_id)["hdhp"]
    assert hdhp.plan is not None
    # What a run killed right after its create call leaves: the intent stored, the plan made, nothing else.
    with context.sessions.begin() as session:
        repo.mark_create_intent(session, repo.get_link(session, link_id), Side.BENEFITPOINT)
    created = context.benefitpoint.create_plan(group.account_id, hdhp.plan, link_id=link_id)

    summary = jobs.sync_and_summarize(group_id=group.group_id, trigger="manual")

    assert summary["outcome"] == "succeeded" and summary["counts"]["created"] == 0
    copies = [p for p in context.benefitpoint.list_plans(group.account_id) if p.link_id == link_id]
    assert [p.id for p in copies] == [created.id]
    with context.sessions() as session:
        assert repo.get_link(session, link_id).plan_ids[Side.BENEFITPOINT] == created.id
    logged = {(row.direction, row.field_path): row.after for row in change_log(context.sessions)
              if row.link_id == link_id}
    assert logged.get(("pq->bp", "name")) == "Bronze HDHP 5000", logged
