"""The sandbox's state: groups, plans with versions, the change feed, idempotency records."""

from __future__ import annotations

import copy
import json
import random
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from connectors.sandbox.demo_world import EMPLOYERS
from connectors.sandbox.perfectquote.enrollment import EnrollmentLog
from connectors.sandbox.perfectquote.errors import ApiError, bad_request, invalid, not_found
from connectors.sandbox.perfectquote.seed import SEEDED_AT, seeded_members, seeded_plan_records
from connectors.sandbox.perfectquote.validation import writable_plan

_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _version_of(if_match: str | None) -> int:
    if not if_match:
        raise bad_request("the If-Match header is required")
    try:
        return int(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise bad_request(f"If-Match {if_match!r} is not a version") from None


class PerfectQuoteStore:
    """All state of one sandbox; every method takes the lock, so tests may read it any time."""

    def __init__(self, *, seed: int = 0, now: Callable[[], str] = utc_now) -> None:
        self._lock = threading.RLock()
        self._rng = random.Random(f"perfectquote:{seed}")
        self._now = now
        self.calls: Counter[str] = Counter()
        self.groups: dict[str, dict[str, Any]] = {}
        self.plans: dict[str, dict[str, Any]] = {}
        # Plan ids by group, so a group's listing does not scan every plan; checked against `plans`.
        self._by_group: dict[str, dict[str, None]] = {}
        self.deleted: dict[str, dict[str, Any]] = {}
        self.feed: list[dict[str, Any]] = []
        self.idempotency: dict[str, tuple[str, int, dict[str, Any]]] = {}
        self.enrollment = EnrollmentLog(now=now)
        for employer in EMPLOYERS:
            group_id = employer.perfectquote_group_id
            self.groups[group_id] = {"id": group_id, "name": employer.name,
                                     "benefitpoint_account_id": None, "updated_at": SEEDED_AT}
            ids = [self._insert(group_id, record, at=SEEDED_AT)["id"]
                   for record in seeded_plan_records(employer, seed=seed)]
            for change in seeded_members(employer, seed=seed, plan_id=ids[0] if ids else None):
                self.enrollment.add(group_id, change, at=SEEDED_AT)

    def _new_id(self) -> str:
        while True:
            plan_id = "pln_" + "".join(self._rng.choice(_ID_ALPHABET) for _ in range(10))
            if plan_id not in self.plans and plan_id not in self.deleted:
                return plan_id

    def _record_change(self, plan: dict[str, Any], *, deleted: bool = False) -> None:
        self.feed.append({"plan_id": plan["id"], "group_id": plan["group_id"], "version": plan["version"],
                          "changed_at": plan["updated_at"], "deleted": deleted})

    def _insert(self, group_id: str, record: dict[str, Any], *, at: str) -> dict[str, Any]:
        plan = {"id": self._new_id(), "group_id": group_id, "version": 1, "updated_at": at, **record}
        self.plans[plan["id"]] = plan
        self._by_group.setdefault(group_id, {})[plan["id"]] = None
        self._record_change(plan)
        return plan

    def count(self, route: str) -> None:
        with self._lock:
            self.calls[route] += 1

    def group(self, group_id: str) -> dict[str, Any]:
        with self._lock:
            if group_id not in self.groups:
                raise not_found("group", group_id)
            return copy.deepcopy(self.groups[group_id])

    def search_groups(self, query: str) -> list[dict[str, Any]]:
        wanted = query.strip().lower()
        with self._lock:
            return [copy.deepcopy(g) for g in self.groups.values() if wanted in g["name"].lower()]

    def group_plans(self, group_id: str) -> list[dict[str, Any]]:
        with self._lock:
            self.group(group_id)
            # In the order the plans were first stored, as a scan of `plans` gives them.
            found = (self.plans.get(plan_id) for plan_id in self._by_group.get(group_id, {}))
            return [copy.deepcopy(plan) for plan in found if plan and plan["group_id"] == group_id]

    def plan(self, plan_id: str) -> dict[str, Any]:
        with self._lock:
            if plan_id not in self.plans:
                raise not_found("plan", plan_id)
            return copy.deepcopy(self.plans[plan_id])

    def create_plan(self, group_id: str, body: Any, *, key: str | None) -> tuple[int, dict[str, Any]]:
        """201 and the new plan; the same key and body again replays the first answer."""
        if not key:
            raise bad_request("the Idempotency-Key header is required")
        fingerprint = json.dumps({"group_id": group_id, "body": body}, sort_keys=True, default=str)
        with self._lock:
            if key in self.idempotency:
                first_fingerprint, status, answer = self.idempotency[key]
                if first_fingerprint != fingerprint:
                    raise ApiError(409, "idempotency_key_reused",
                                   "this Idempotency-Key was used with another request body")
                return status, copy.deepcopy(answer)
            self.group(group_id)
            plan = self._insert(group_id, writable_plan(body), at=self._now())
            self.idempotency[key] = (fingerprint, 201, copy.deepcopy(plan))
            return 201, copy.deepcopy(plan)

    def replace_plan(self, plan_id: str, body: Any, *, if_match: str | None) -> dict[str, Any]:
        expected = _version_of(if_match)
        with self._lock:
            current = self.plan(plan_id)
            if current["version"] != expected:
                raise ApiError(412, "version_mismatch",
                               f"plan {plan_id} is at version {current['version']}, not {expected}",
                               extra={"data": current}, headers={"ETag": f'"{current["version"]}"'})
            return self._save(current, writable_plan(body))

    def merge_external_refs(self, plan_id: str, refs: Any) -> dict[str, Any]:
        if not isinstance(refs, dict) or not all(isinstance(v, str | None) for v in refs.values()):
            raise invalid([{"field": "external_refs", "problem": "must be an object of text values"}])
        with self._lock:
            current = self.plan(plan_id)
            return self._save(current, {"external_refs": {**(current.get("external_refs") or {}), **refs}})

    def _save(self, current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        plan = {**current, **changes, "version": current["version"] + 1, "updated_at": self._now()}
        self.plans[plan["id"]] = plan
        self._record_change(plan)
        return copy.deepcopy(plan)

    def delete_plan(self, plan_id: str) -> None:
        """What a user deleting a plan in PerfectQuote does: gone, and the feed says so."""
        with self._lock:
            plan = self.plan(plan_id)
            del self.plans[plan_id]
            gone = {**plan, "version": plan["version"] + 1, "updated_at": self._now()}
            self.deleted[plan_id] = gone
            self._record_change(gone, deleted=True)

    def changes(self) -> list[dict[str, Any]]:
        """The feed as it stands; its entries are never changed once appended, so only the list is copied
        (a deep copy of a long feed on every page was most of a page's cost)."""
        with self._lock:
            return list(self.feed)
