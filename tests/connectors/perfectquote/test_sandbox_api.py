"""The PerfectQuote sandbox speaks the contract: auth, paging, validation, idempotency, versions."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from connectors.sandbox.perfectquote.app import TOKEN, create_app
from connectors.sandbox.server import ServerThread

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def http(api_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_url, headers=AUTH, timeout=5.0) as client:
        yield client


def _a_plan(http: httpx.Client, group_id: str = "grp_001") -> dict[str, Any]:
    return http.get(f"/groups/{group_id}/plans").json()["data"][0]


def _body(plan: dict[str, Any]) -> dict[str, Any]:
    read_only = {"id", "group_id", "version", "updated_at"}
    return {k: v for k, v in copy.deepcopy(plan).items() if k not in read_only}


def test_a_missing_or_wrong_token_is_401(api_url: str) -> None:
    assert httpx.get(f"{api_url}/groups").status_code == 401
    answer = httpx.get(f"{api_url}/groups", headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"


def test_groups_search_is_a_case_insensitive_substring(http: httpx.Client) -> None:
    names = [g["name"] for g in http.get("/groups", params={"query": "PARTNERS"}).json()["data"]]
    assert names == ["Lakeside Veterinary Partners"]
    assert http.get("/groups/grp_404").status_code == 404


def test_paging_walks_every_item_once_with_opaque_cursors(http: httpx.Client) -> None:
    seen, cursor, pages = [], None, 0
    while True:
        params = {"page_size": 5, **({"cursor": cursor} if cursor else {})}
        page = http.get("/groups", params=params).json()
        seen += [g["id"] for g in page["data"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert not cursor.isdigit()
    assert pages == 3 and len(seen) == 12 == len(set(seen))


@pytest.mark.parametrize("params", [{"page_size": 0}, {"page_size": 201}, {"page_size": "x"},
                                    {"cursor": "not-a-cursor"}])
def test_bad_paging_is_400(http: httpx.Client, params: dict[str, Any]) -> None:
    answer = http.get("/groups", params=params)
    assert answer.status_code == 400 and answer.json()["error"]["message"]


def test_a_plan_has_an_etag_with_its_version(http: httpx.Client) -> None:
    plan = _a_plan(http)
    answer = http.get(f"/plans/{plan['id']}")
    assert answer.headers["ETag"] == f'"{plan["version"]}"' and answer.json() == plan
    assert plan["id"].startswith("pln_") and plan["carrier"]["code"].isupper()


@pytest.mark.parametrize(("change", "field"), [
    ({"name": ""}, "name"), ({"coverage": "MEDICAL"}, "coverage"), ({"plan_type": "ppo"}, "plan_type"),
    ({"rates": {"structure": "composite", "tiers": {"family": "-1.00"}}}, "rates.tiers.family"),
    ({"rates": {"structure": "composite", "tiers": {"family": "1.005"}}}, "rates.tiers.family"),
    ({"effective_date": "2026-13-01"}, "effective_date"), ({"carrier": {}}, "carrier.code"),
])
def test_invalid_plans_are_422_with_the_field(http: httpx.Client, change: dict[str, Any], field: str) -> None:
    body = {**_body(_a_plan(http)), **change}
    answer = http.post("/groups/grp_001/plans", json=body, headers={"Idempotency-Key": "k-invalid"})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "validation_failed"
    assert field in [detail["field"] for detail in error["details"]]


def test_create_replays_the_same_key_and_refuses_another_body(http: httpx.Client, pq_app: Starlette) -> None:
    body = {**_body(_a_plan(http)), "name": "Replayed", "unknown_field": 1}
    first = http.post("/groups/grp_002/plans", json=body, headers={"Idempotency-Key": "k-1"})
    again = http.post("/groups/grp_002/plans", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert "unknown_field" not in first.json()
    other = http.post("/groups/grp_002/plans", json={**body, "name": "Other"},
                      headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 409
    names = [p["name"] for p in http.get("/groups/grp_002/plans").json()["data"]]
    assert names.count("Replayed") == 1
    assert http.post("/groups/grp_002/plans", json=body).status_code == 400


def test_put_needs_the_current_version_and_412_carries_the_plan(http: httpx.Client) -> None:
    plan = _a_plan(http)
    body = {**_body(plan), "name": "Renamed"}
    done = http.put(f"/plans/{plan['id']}", json=body, headers={"If-Match": f'"{plan["version"]}"'})
    assert done.status_code == 200 and done.json()["version"] == plan["version"] + 1
    stale = http.put(f"/plans/{plan['id']}", json=body, headers={"If-Match": f'"{plan["version"]}"'})
    assert stale.status_code == 412 and stale.json()["data"] == done.json()
    assert http.put(f"/plans/{plan['id']}", json=body).status_code == 400


def test_put_clears_fields_left_out_and_patch_merges_refs(http: httpx.Client) -> None:
    plan = _a_plan(http)
    patched = http.patch(f"/plans/{plan['id']}/external_refs", json={"benefitpoint": "90211"}).json()
    patched = http.patch(f"/plans/{plan['id']}/external_refs", json={"plansync": "lnk_1"}).json()
    assert patched["external_refs"] == {"benefitpoint": "90211", "plansync": "lnk_1"}
    body = {k: v for k, v in _body(patched).items() if k not in {"external_refs", "group_number"}}
    replaced = http.put(f"/plans/{plan['id']}", json=body,
                        headers={"If-Match": str(patched["version"])}).json()
    assert replaced["external_refs"] == {} and replaced["group_number"] is None


def test_the_feed_reports_changes_and_deletions_and_resumes(http: httpx.Client, pq_url: str) -> None:
    first = http.get("/plans/changes", params={"page_size": 200}).json()
    assert first["next_cursor"] is None and len(first["data"]) == 48
    plan = _a_plan(http)
    assert httpx.delete(f"{pq_url}/_sandbox/plans/{plan['id']}").status_code == 204
    assert http.get(f"/plans/{plan['id']}").status_code == 404
    assert plan["id"] not in [p["id"] for p in http.get("/groups/grp_001/plans").json()["data"]]
    news = http.get("/plans/changes", params={"since": first["watermark"]}).json()
    assert [(c["plan_id"], c["deleted"]) for c in news["data"]] == [(plan["id"], True)]


def test_enrollment_feed_and_its_admin_endpoint(http: httpx.Client, pq_url: str) -> None:
    seeded = http.get("/groups/grp_003/enrollment_changes").json()
    assert seeded["data"] and all(c["member"]["ssn"].startswith("900-") for c in seeded["data"])
    change = {"kind": "terminate", "member": {**seeded["data"][0]["member"]},
              "plan_id": seeded["data"][0]["plan_id"], "coverage_level": "EE", "effective_date": "2026-03-01"}
    admin = f"{pq_url}/_sandbox/enrollment_changes"
    added = httpx.post(admin, json={"group_id": "grp_003", "change": change})
    assert added.status_code == 201
    news = http.get("/groups/grp_003/enrollment_changes", params={"since": seeded["watermark"]}).json()
    assert [c["kind"] for c in news["data"]] == ["terminate"]
    broken = httpx.post(admin, json={"group_id": "grp_003", "change": {**change, "member": {}}})
    assert broken.status_code == 422
    assert "member.ssn" in [d["field"] for d in broken.json()["error"]["details"]]


def test_openapi_document_lists_the_contract(pq_url: str) -> None:
    document = httpx.get(f"{pq_url}/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert {"/groups", "/plans/changes", "/plans/{plan_id}", "/groups/{group_id}/enrollment_changes"} <= set(
        document["paths"])


def test_calls_are_counted_by_route(http: httpx.Client, pq_app: Starlette) -> None:
    http.get("/groups")
    http.get("/groups/grp_001/plans")
    http.get("/groups/grp_002/plans")
    calls = pq_app.state.store.calls
    assert calls["GET /groups"] == 1 and calls["GET /groups/{group_id}/plans"] == 2


def test_the_rate_limit_answers_429_with_retry_after() -> None:
    now = [100.0]
    app = create_app(rate_limit_per_s=3, clock=lambda: now[0])
    with ServerThread(app) as server, httpx.Client(base_url=f"{server.url}/api/v1", headers=AUTH) as http:
        assert [http.get("/groups").status_code for _ in range(4)] == [200, 200, 200, 429]
        limited = http.get("/groups")
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        now[0] += 1.0
        assert http.get("/groups").status_code == 200


def test_admin_endpoints_answer_while_faults_are_injected(http: httpx.Client, pq_app: Starlette,
                                                          pq_url: str) -> None:
    plan_id = _a_plan(http)["id"]
    pq_app.state.faults.configure(malformed_rate=1.0)
    assert http.get("/groups").headers["content-type"].startswith("text/html")
    assert httpx.delete(f"{pq_url}/_sandbox/plans/{plan_id}").status_code == 204
    assert httpx.get(f"{pq_url}/openapi.json").json()["info"]["version"] == "1"
    assert plan_id in pq_app.state.store.deleted
