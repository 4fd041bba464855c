"""Reading PerfectQuote answers: records parsed or BadResponse naming the field at fault."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from connectors.errors import BadResponse
from connectors.perfectquote.client import SYSTEM, data_object
from connectors.perfectquote.mapping import problem_field, remote_plan_from_native
from connectors.perfectquote.records import RecordError
from connectors.ports import RemotePlan
from reconciliation.plan import PlanValueError

R = TypeVar("R")


def parsed(parse: Callable[[Any], R], value: Any, *, operation: str, where: str = "") -> R:
    try:
        return parse(value)
    except RecordError as error:
        raise BadResponse(system=SYSTEM, operation=operation, field=where + error.field,
                          message=str(error)) from None
    except PlanValueError as error:
        raise BadResponse(system=SYSTEM, operation=operation, field=where + problem_field(str(error)),
                          message=str(error)) from None


def single_plan(remote: RemotePlan, *, operation: str) -> RemotePlan:
    """A plan asked for by id must be whole: its problem is the answer's fault, raised."""
    if remote.plan is None:
        problem = remote.problem or "plan: not canonical"
        raise BadResponse(system=SYSTEM, operation=operation, field=problem_field(problem), message=problem)
    return remote


def plan_answer(body: Mapping[str, Any], *, operation: str, whole: bool = True) -> RemotePlan:
    remote = parsed(remote_plan_from_native, data_object(body, operation=operation), operation=operation)
    return single_plan(remote, operation=operation) if whole else remote


def watermark_of(page: Mapping[str, Any], *, operation: str) -> str:
    watermark = page.get("watermark")
    if not isinstance(watermark, str) or not watermark:
        raise BadResponse(system=SYSTEM, operation=operation, field="watermark",
                          message=f"watermark must be non-empty text, got {watermark!r}")
    return watermark


def change_entry(entry: Any, *, operation: str, where: str) -> tuple[str, str | None, bool]:
    if not isinstance(entry, Mapping):
        raise BadResponse(system=SYSTEM, operation=operation, field=where.rstrip("."),
                          message="a change is not an object")
    plan_id, group_id, gone = entry.get("plan_id"), entry.get("group_id"), entry.get("deleted", False)
    for name, value, kinds in (("plan_id", plan_id, str), ("group_id", group_id, str | None),
                               ("deleted", gone, bool)):
        if not isinstance(value, kinds) or value == "":
            raise BadResponse(system=SYSTEM, operation=operation, field=where + name,
                              message=f"{name} has the wrong type: {value!r}")
    return plan_id, group_id, gone
