"""PerfectQuote as a PlanSystem: groups, plans, the change feed and enrollment changes."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from connectors.errors import BadResponse, NotFound, StaleVersion
from connectors.paths import MalformedId, segment
from connectors.perfectquote.answers import change_entry, parsed, plan_answer, watermark_of
from connectors.perfectquote.client import SYSTEM, PerfectQuoteClient, data_list, data_object, json_object
from connectors.perfectquote.mapping import plan_to_native, remote_plan_from_native
from connectors.perfectquote.records import (
    EnrollmentChange,
    Group,
    enrollment_change_from_native,
    group_from_native,
)
from connectors.ports import ChangeFeedPage, EntityKey, FeedEntity, RemotePlan
from connectors.transport import DEFAULT_MAX_RESPONSE_BYTES
from reconciliation.known_plans import PLAN_ENTITY
from reconciliation.plan import Plan
from reconciliation.side import Side


def _group(group_id: str) -> str:
    return segment(group_id, what="PerfectQuote group id")


def _plan_path(plan_id: str, *, operation: str, tail: str = "") -> str:
    """Plan ids come from PerfectQuote's own answers: one that is no path segment is a bad answer."""
    try:
        return f"/plans/{segment(plan_id, what='plan id')}{tail}"
    except MalformedId as error:
        raise BadResponse(system=SYSTEM, operation=operation, field="id", message=str(error)) from None


def _version(entry: Mapping[str, Any], *, gone: bool) -> str | None:
    """The version a change names, as the plan's answer carries it; None when the entry has none."""
    version = entry.get("version")
    if gone:
        return f"deleted:{entry.get('changed_at') or version}"
    if isinstance(version, bool) or not isinstance(version, int | str) or str(version).strip() == "":
        return None
    return str(version).strip()


class PerfectQuoteConnector:
    """The PerfectQuote REST API (contract perfectquote-api.md) behind the PlanSystem port."""

    side = Side.PERFECTQUOTE

    def __init__(self, *, base_url: str, token: str, timeout_s: float = 10.0,
                 retry: dict[str, Any] | None = None,
                 max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES) -> None:
        self._client = PerfectQuoteClient(base_url=base_url, token=token, timeout_s=timeout_s, retry=retry,
                                          max_response_bytes=max_response_bytes)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PerfectQuoteConnector:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def search_groups(self, query: str) -> list[Group]:
        operation = "search_groups"
        return [parsed(group_from_native, item, operation=operation, where=f"data[{index}].")
                for page in self._client.pages("/groups", operation=operation, params={"query": query})
                for index, item in enumerate(data_list(page, operation=operation))]

    def get_group(self, group_id: str) -> Group:
        operation = "get_group"
        body = self._client.get_json(f"/groups/{_group(group_id)}", operation=operation)
        return parsed(group_from_native, data_object(body, operation=operation), operation=operation)

    def list_plans(self, group_id: str) -> list[RemotePlan]:
        """Every plan of the group; a plan that cannot be made canonical carries its problem."""
        operation = "list_plans"
        return [parsed(remote_plan_from_native, item, operation=operation, where=f"data[{index}].")
                for page in self._client.pages(f"/groups/{_group(group_id)}/plans", operation=operation)
                for index, item in enumerate(data_list(page, operation=operation))]

    def get_plan(self, plan_id: str) -> RemotePlan | None:
        operation = "get_plan"
        try:
            path = _plan_path(plan_id, operation=operation)
            response = self._client.request("GET", path, operation=operation)
        except NotFound:
            return None
        remote = plan_answer(json_object(response, operation=operation), operation=operation)
        etag = response.headers.get("ETag", "").strip().removeprefix("W/").strip('"')
        if etag and etag != remote.version:
            raise BadResponse(system=SYSTEM, operation=operation, field="version",
                              message=f"ETag {etag!r} and body version {remote.version!r} differ")
        return remote

    def create_plan(self, group_id: str, plan: Plan, *, link_id: str) -> RemotePlan:
        """Create with the link id as idempotency key: a retried create is the same create."""
        operation = "create_plan"
        body = plan_to_native(plan)
        body["external_refs"] = {"plansync": link_id}
        response = self._client.request("POST", f"/groups/{_group(group_id)}/plans", operation=operation,
                                        body=body, headers={"Idempotency-Key": link_id})
        return plan_answer(json_object(response, operation=operation), operation=operation)

    def update_plan(self, current: RemotePlan, plan: Plan, *, link_id: str) -> RemotePlan:
        """Replace the plan if it is still at `current.version`; else StaleVersion with the news."""
        operation = "update_plan"
        body = plan_to_native(plan, current=current.native)
        body["external_refs"] = {**body["external_refs"], "plansync": link_id}
        path = _plan_path(current.id, operation=operation)
        response = self._client.request("PUT", path, operation=operation, body=body,
                                        headers={"If-Match": f'"{current.version}"'},
                                        accept=frozenset({412}))
        answer = plan_answer(json_object(response, operation=operation), operation=operation,
                                   whole=response.status_code != 412)
        if response.status_code == 412:
            raise StaleVersion(system=SYSTEM, operation=operation, status=412, current=answer,
                               message=f"plan {current.id} is at version {answer.version}, "
                                       f"not {current.version}")
        return answer

    def set_external_refs(self, plan_id: str, refs: Mapping[str, str]) -> RemotePlan:
        operation = "set_external_refs"
        path = _plan_path(plan_id, operation=operation, tail="/external_refs")
        response = self._client.request("PATCH", path, operation=operation, body=dict(refs))
        return plan_answer(json_object(response, operation=operation), operation=operation,
                                 whole=False)

    def find_by_link_id(self, group_id: str, link_id: str) -> RemotePlan | None:
        return next((remote for remote in self.list_plans(group_id) if remote.link_id == link_id), None)

    def restore(self, plan_id: str, native: Mapping[str, Any]) -> RemotePlan:
        """The plan object as stored (its version inside): a PUT from it still goes out with If-Match."""
        return parsed(remote_plan_from_native, native, operation="restore")

    def refresh(self, known: RemotePlan, *, changed: Collection[EntityKey]) -> RemotePlan | None:
        """A plan is one entity: read it again."""
        return self.get_plan(known.id)

    def changes_since(self, watermark: str | None) -> ChangeFeedPage:
        """Every change after `watermark`; a plan changed then deleted is reported deleted."""
        operation = "changes_since"
        changed: dict[str, tuple[str | None, str]] = {}
        deleted: dict[str, tuple[str | None, str]] = {}
        entities: dict[str, FeedEntity] = {}
        next_watermark = watermark
        params = {"since": watermark} if watermark else {}
        for page in self._client.pages("/plans/changes", operation=operation, params=params):
            for index, entry in enumerate(data_list(page, operation=operation)):
                plan_id, group_id, gone = change_entry(entry, operation=operation, where=f"data[{index}].")
                target = deleted if gone else changed
                target[plan_id] = (group_id, plan_id)
                # Oldest first: the last entry of a plan is its latest version.
                entities[plan_id] = FeedEntity(
                    side=Side.PERFECTQUOTE, entity_type=PLAN_ENTITY, entity_id=plan_id, plan_id=plan_id,
                    owner_id=group_id, deleted=gone, version=_version(entry, gone=gone))
            next_watermark = watermark_of(page, operation=operation)
        for plan_id in deleted:
            changed.pop(plan_id, None)
        return ChangeFeedPage(changed=list(changed.values()), deleted=list(deleted.values()),
                              watermark=next_watermark or "", entities=list(entities.values()))

    def enrollment_changes(self, group_id: str,
                           since: str | None) -> tuple[list[EnrollmentChange], str | None]:
        operation = "enrollment_changes"
        changes: list[EnrollmentChange] = []
        watermark = since
        for page in self._client.pages(f"/groups/{_group(group_id)}/enrollment_changes", operation=operation,
                                       params={"since": since} if since else {}):
            changes.extend(parsed(enrollment_change_from_native, item, operation=operation,
                                   where=f"data[{index}].")
                           for index, item in enumerate(data_list(page, operation=operation)))
            watermark = watermark_of(page, operation=operation)
        return changes, watermark
