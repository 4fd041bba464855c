"""The feed names each plan's version, so plansync's own write is recognised; a snapshot restores a plan."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from connectors.perfectquote import PerfectQuoteConnector
from reconciliation.known_plans import PLAN_ENTITY


def test_the_feed_names_the_version_the_put_answered(connector: PerfectQuoteConnector, pq_url: str) -> None:
    quiet = connector.changes_since(None).watermark
    edited, removed = connector.list_plans("grp_008")[:2]
    assert edited.plan is not None
    written = connector.update_plan(edited, edited.plan.with_changes(name="Edited"), link_id="l")
    httpx.delete(f"{pq_url}/_sandbox/plans/{removed.id}")

    page = connector.changes_since(quiet)

    versions = {entity.key: (entity.version, entity.deleted, entity.owner_id) for entity in page.entities}
    assert versions[(PLAN_ENTITY, edited.id)] == (written.version, False, "grp_008")
    gone = versions[(PLAN_ENTITY, removed.id)]
    assert gone[1] is True and gone[0] is not None and gone[0].startswith("deleted:")


def test_a_restored_plan_is_the_plan_as_read_without_a_call(connector: PerfectQuoteConnector,
                                                            pq_app: Starlette) -> None:
    read = connector.list_plans("grp_001")[0]
    calls = sum(pq_app.state.store.calls.values())
    restored = connector.restore(read.id, read.native)
    assert (restored.id, restored.version, restored.plan) == (read.id, read.version, read.plan)
    assert sum(pq_app.state.store.calls.values()) == calls
