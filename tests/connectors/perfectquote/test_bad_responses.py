"""Answers that break the contract raise BadResponse naming the field, never a half-filled plan."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connectors.errors import BadResponse
from connectors.perfectquote import PerfectQuoteConnector
from connectors.sandbox.perfectquote.app import TOKEN
from connectors.sandbox.server import ServerThread


def _first_plan(app: Starlette, group_id: str = "grp_001") -> dict[str, Any]:
    store = app.state.store
    return next(plan for plan in store.plans.values() if plan["group_id"] == group_id)


def test_an_html_body_is_a_bad_response(pq_app: Starlette, connector: PerfectQuoteConnector) -> None:
    pq_app.state.faults.configure(malformed_rate=1.0)
    for call in (lambda: connector.get_plan("pln_x"), lambda: connector.list_plans("grp_001"),
                 lambda: connector.changes_since(None)):
        with pytest.raises(BadResponse) as caught:
            call()
        assert caught.value.system == "perfectquote" and caught.value.field == "body"
        assert "text/html" in caught.value.message


@pytest.mark.parametrize(("damage", "field"), [
    (lambda plan: plan.pop("name"), "name"),
    (lambda plan: plan.update(coverage=5), "coverage"),
    (lambda plan: plan.update(version="7"), "version"),
    (lambda plan: plan["rates"]["tiers"].update(family="twelve"), "rates.tiers.family"),
    (lambda plan: plan["rates"]["tiers"].update(family=12.5), "rates.tiers.family"),
    (lambda plan: plan.update(carrier=None), "carrier"),
])
def test_a_broken_plan_names_its_field(pq_app: Starlette, connector: PerfectQuoteConnector,
                                       damage: Any, field: str) -> None:
    plan = _first_plan(pq_app)
    damage(plan)
    with pytest.raises(BadResponse) as caught:
        connector.get_plan(plan["id"])
    assert caught.value.field == field and caught.value.operation == "get_plan"
    listed = connector.list_plans("grp_001")
    broken = [remote for remote in listed if remote.plan is None]
    assert [remote.id for remote in broken] == [plan["id"]]
    assert broken[0].problem is not None and broken[0].problem.startswith(field)
    assert len(listed) - 1 == sum(remote.plan is not None for remote in listed)


def _answering(body: Any) -> Starlette:
    async def answer(_request: Request) -> JSONResponse:
        return JSONResponse(body)

    return Starlette(routes=[Route("/{path:path}", answer)])


@pytest.mark.parametrize(("body", "call", "field"), [
    ({"items": []}, lambda c: c.list_plans("grp_1"), "data"),
    ({"data": "nope", "next_cursor": None}, lambda c: c.search_groups("a"), "data"),
    ({"data": [{"id": "grp_1", "name": 7}], "next_cursor": None}, lambda c: c.search_groups("a"),
     "data[0].name"),
    ({"data": [], "next_cursor": None}, lambda c: c.changes_since(None), "watermark"),
    ({"data": [{"plan_id": 5, "deleted": False}], "next_cursor": None, "watermark": "w"},
     lambda c: c.changes_since(None), "data[0].plan_id"),
    ({"data": [], "next_cursor": 3}, lambda c: c.list_plans("grp_1"), "next_cursor"),
    ({"data": [{"version": 1}], "next_cursor": None}, lambda c: c.list_plans("grp_1"), "data[0].id"),
    ({"data": [{"id": "enc_1", "kind": "add", "member": {"member_id": "m"}}], "next_cursor": None,
      "watermark": "w"}, lambda c: c.enrollment_changes("grp_1", None), "data[0].member.first_name"),
    (["a", "list"], lambda c: c.get_group("grp_1"), "body"),
])
def test_a_broken_envelope_names_its_field(body: Any, call: Any, field: str) -> None:
    with ServerThread(_answering(body)) as server:
        connector = PerfectQuoteConnector(base_url=server.url, token=TOKEN, retry={"max_attempts": 1})
        with connector, pytest.raises(BadResponse) as caught:
            call(connector)
    assert caught.value.field == field and caught.value.system == "perfectquote"
