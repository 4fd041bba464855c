"""Admin: a person editing a plan in PerfectQuote's screens (a new version and a change-feed entry)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.sandbox.perfectquote.errors import ApiError, bad_request, invalid
from connectors.sandbox.perfectquote.store import PerfectQuoteStore

# Nested objects a screen edits one entry at a time; every other field is replaced whole.
MERGED_FIELDS = ("benefits", "rates")
EDITABLE_FIELDS = ("name", "coverage", "plan_type", "carrier", "group_number", "status", "effective_date",
                   "renewal_date", "benefits", "rates")


def merged(current: Any, changes: Any) -> Any:
    """`changes` laid over `current`, object by object; a null or a non-object replaces."""
    if not isinstance(current, dict) or not isinstance(changes, dict):
        return changes
    return {**current, **{key: merged(current.get(key), value) for key, value in changes.items()}}


def edit_plan(store: PerfectQuoteStore, plan_id: str, changes: Any) -> dict[str, Any]:
    """Apply the edit through the contract's own validation and versioning (If-Match the read version)."""
    if not isinstance(changes, dict):
        raise invalid([{"field": "body", "problem": "must be a JSON object of plan fields"}])
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise invalid([{"field": name, "problem": "is not an editable plan field"} for name in unknown])
    current = store.plan(plan_id)
    body = {**current, **{key: merged(current.get(key), value) if key in MERGED_FIELDS else value
                          for key, value in changes.items()}}
    return store.replace_plan(plan_id, body, if_match=str(current["version"]))


async def admin_edit_plan(request: Request) -> Response:
    try:
        try:
            changes = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise bad_request("the request body is not JSON") from None
        plan = edit_plan(request.app.state.store, request.path_params["plan_id"], changes)
    except ApiError as error:
        return JSONResponse(error.body(), status_code=error.status, headers=error.headers)
    return JSONResponse(plan, headers={"ETag": f'"{plan["version"]}"'})


EDIT_ROUTES = [Route("/_sandbox/plans/{plan_id}", admin_edit_plan, methods=["PATCH"])]
