"""Field-level differences between two plans, over their flat field views."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciliation.decisions import FieldChange
from reconciliation.plan import Plan
from reconciliation.plan_fields import FieldValue, plan_to_fields


class _Absent:
    """A field one view does not have (a benefit key on one side only), unlike a field that is None."""

    def __repr__(self) -> str:
        return "<absent>"


ABSENT = _Absent()
FlatPlan = Mapping[str, FieldValue]


def public_value(value: Any) -> Any:
    """What decisions show for a value: an absent field reads as None, as the change log stores it."""
    return None if value is ABSENT else value


def changed_paths(before: FlatPlan, after: FlatPlan) -> list[str]:
    """The flat paths whose values differ; rates count as one field, whatever moved inside.

    Canonical values compare by content, so `!=` is the diff: a generic deep diff of the same views finds
    the same paths (a law in tests/reconciliation/test_reconcile_laws.py) at many times the cost."""
    return sorted(path for path in before.keys() | after.keys() if _get(before, path) != _get(after, path))


def field_changes(before: FlatPlan, after: FlatPlan) -> tuple[FieldChange, ...]:
    """(path, before, after) for every field that differs; a field one side lacks reads as None."""
    return tuple(
        FieldChange(path=path, before=public_value(_get(before, path)), after=public_value(_get(after, path)))
        for path in changed_paths(before, after)
    )


def creation_changes(plan: Plan) -> tuple[FieldChange, ...]:
    """A new plan as changes: every field it sets, from nothing."""
    flat = plan_to_fields(plan)
    return tuple(
        FieldChange(path=path, before=None, after=value)
        for path, value in sorted(flat.items(), key=lambda item: item[0])
        if value is not None
    )


def _get(flat: FlatPlan, path: str) -> Any:
    return flat.get(path, ABSENT)
