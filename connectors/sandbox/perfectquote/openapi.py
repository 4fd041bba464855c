"""The OpenAPI 3 description of the PerfectQuote contract's endpoints, served by the sandbox."""

from __future__ import annotations

from typing import Any

API_PREFIX = "/api/v1"

_MONEY = {"type": "string", "pattern": r"^\d+(\.\d{1,2})?$", "example": "512.30"}
_DATE = {"type": "string", "format": "date", "nullable": True}
_ERROR = {"$ref": "#/components/schemas/Error"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, where: str = "query", *, required: bool = False, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path",
            "schema": schema or {"type": "string"}}


def _answer(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    if schema is None:
        return {"description": description}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _page_of(item: str, *, with_watermark: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {"data": {"type": "array", "items": _ref(item)},
                                  "next_cursor": {"type": "string", "nullable": True}}
    if with_watermark:
        properties["watermark"] = {"type": "string"}
    return {"type": "object", "required": list(properties), "properties": properties}


_PAGING = [_param("page_size", type="integer", minimum=1, maximum=200, default=50), _param("cursor")]
_ERRORS = {status: _answer(text, _ERROR) for status, text in (
    ("401", "missing or wrong token"), ("404", "unknown id"), ("429", "rate limited (Retry-After)"))}

_SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "details": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "problem": {"type": "string"}}}}}}}},
    "Group": {"type": "object", "required": ["id", "name"], "properties": {
        "id": {"type": "string"}, "name": {"type": "string"},
        "benefitpoint_account_id": {"type": "string", "nullable": True},
        "updated_at": {"type": "string", "format": "date-time"}}},
    "Rates": {"type": "object", "nullable": True, "required": ["structure"], "properties": {
        "structure": {"enum": ["composite", "age_banded"]}, "frequency": {"type": "string"},
        "tiers": {"type": "object", "properties": {
            tier: _MONEY for tier in ("employee", "employee_spouse", "employee_children", "family")}},
        "age_bands": {"type": "array", "items": {"type": "object", "properties": {
            "min_age": {"type": "integer"}, "max_age": {"type": "integer"}, "rate": _MONEY}}}}},
    "PlanInput": {"type": "object", "required": ["name", "coverage", "carrier"], "properties": {
        "name": {"type": "string", "minLength": 1},
        "coverage": {"enum": ["medical", "dental", "vision", "life", "add", "std", "ltd", "other"]},
        "plan_type": {"enum": ["HMO", "PPO", "EPO", "POS", "HDHP", "INDEMNITY", None], "nullable": True},
        "carrier": {"type": "object", "required": ["code"], "properties": {
            "code": {"type": "string"}, "name": {"type": "string"}}},
        "group_number": {"type": "string", "nullable": True},
        "status": {"enum": ["active", "pending", "cancelled", "expired", None], "nullable": True},
        "effective_date": _DATE, "renewal_date": _DATE,
        "benefits": {"type": "object", "description": "nested; any value may be null; unknown keys kept"},
        "rates": _ref("Rates"),
        "external_refs": {"type": "object", "additionalProperties": {"type": "string"}}}},
    "Plan": {"allOf": [_ref("PlanInput"), {"type": "object", "properties": {
        "id": {"type": "string"}, "group_id": {"type": "string"}, "version": {"type": "integer"},
        "updated_at": {"type": "string", "format": "date-time"}}}]},
    "PlanChange": {"type": "object", "properties": {
        "plan_id": {"type": "string"}, "group_id": {"type": "string"}, "version": {"type": "integer"},
        "changed_at": {"type": "string", "format": "date-time"}, "deleted": {"type": "boolean"}}},
    "EnrollmentChange": {"type": "object", "properties": {
        "id": {"type": "string"}, "kind": {"enum": ["add", "change", "terminate"]},
        "member": {"type": "object", "properties": {
            name: {"type": "string"} for name in ("member_id", "first_name", "last_name", "ssn",
                                                  "date_of_birth", "relationship")}},
        "plan_id": {"type": "string"}, "coverage_level": {"enum": ["EE", "ES", "EC", "FAM"]},
        "effective_date": {"type": "string", "format": "date"},
        "recorded_at": {"type": "string", "format": "date-time"}}},
}

_PLAN = _answer("the plan (ETag: its version)", _ref("Plan"))
_PLAN_BODY = {"required": True, "content": {"application/json": {"schema": _ref("PlanInput")}}}
_PATHS: dict[str, Any] = {
    "/groups": {"get": {"operationId": "searchGroups", "parameters": [_param("query"), *_PAGING],
                        "responses": {"200": _answer("groups", _page_of("Group")), **_ERRORS}}},
    "/groups/{group_id}": {"get": {"operationId": "getGroup", "parameters": [_param("group_id", "path")],
                                   "responses": {"200": _answer("the group", _ref("Group")), **_ERRORS}}},
    "/groups/{group_id}/plans": {
        "get": {"operationId": "listPlans", "parameters": [_param("group_id", "path"), *_PAGING],
                "responses": {"200": _answer("plans", _page_of("Plan")), **_ERRORS}},
        "post": {"operationId": "createPlan", "requestBody": _PLAN_BODY, "parameters": [
            _param("group_id", "path"), _param("Idempotency-Key", "header", required=True)],
            "responses": {"201": _PLAN, "409": _answer("key reused with another body", _ERROR),
                          "422": _answer("validation failed", _ERROR), **_ERRORS}}},
    "/groups/{group_id}/enrollment_changes": {"get": {
        "operationId": "enrollmentChanges", "parameters": [_param("group_id", "path"), _param("since"),
                                                           *_PAGING],
        "responses": {"200": _answer("member changes", _page_of("EnrollmentChange", with_watermark=True)),
                      **_ERRORS}}},
    "/plans/changes": {"get": {"operationId": "planChanges", "parameters": [_param("since"), *_PAGING],
                               "responses": {"200": _answer("the change feed, oldest first",
                                                            _page_of("PlanChange", with_watermark=True)),
                                             **_ERRORS}}},
    "/plans/{plan_id}": {
        "get": {"operationId": "getPlan", "parameters": [_param("plan_id", "path")],
                "responses": {"200": _PLAN, **_ERRORS}},
        "put": {"operationId": "replacePlan", "requestBody": _PLAN_BODY, "parameters": [
            _param("plan_id", "path"), _param("If-Match", "header", required=True)],
            "responses": {"200": _PLAN, "412": _answer("stale version; `data` is the current plan", _ERROR),
                          "422": _answer("validation failed", _ERROR), **_ERRORS}}},
    "/plans/{plan_id}/external_refs": {"patch": {
        "operationId": "mergeExternalRefs", "parameters": [_param("plan_id", "path")],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": {"type": "string"}}}}},
        "responses": {"200": _PLAN, **_ERRORS}}},
}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "PerfectQuote API (sandbox)", "version": "1"},
        "servers": [{"url": API_PREFIX}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": _SCHEMAS},
        "paths": _PATHS,
    }
