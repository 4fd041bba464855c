"""PerfectQuote groups and enrollment changes as read from the API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

ENROLLMENT_KINDS = frozenset({"add", "change", "terminate"})
RELATIONSHIPS = frozenset({"subscriber", "spouse", "child"})
COVERAGE_LEVELS = frozenset({"EE", "ES", "EC", "FAM"})


class RecordError(ValueError):
    """A record misses a field or holds the wrong type; `field` names it."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field = field_name


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    id: str
    name: str
    benefitpoint_account_id: str | None = None
    updated_at: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """Personal data: kept out of repr so that an accidental log line shows no SSN or name."""

    member_id: str
    relationship: str
    first_name: str = field(repr=False)
    last_name: str = field(repr=False)
    ssn: str = field(repr=False)
    date_of_birth: date = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class EnrollmentChange:
    id: str
    kind: str
    member: Member
    plan_id: str
    coverage_level: str
    effective_date: date
    recorded_at: str


def _text(record: Mapping[str, Any], name: str, *, prefix: str = "",
          allowed: frozenset[str] | None = None, optional: bool = False) -> Any:
    value = record.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise RecordError(prefix + name, f"must be non-empty text, got {type(value).__name__}")
    if allowed is not None and value not in allowed:
        raise RecordError(prefix + name, f"{value!r} is not one of {', '.join(sorted(allowed))}")
    return value


def _date(record: Mapping[str, Any], name: str, *, prefix: str = "") -> date:
    raw = _text(record, name, prefix=prefix)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise RecordError(prefix + name, "is not a date (YYYY-MM-DD)") from None


def _object(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RecordError(name, "must be an object")
    return value


def group_from_native(value: Any) -> Group:
    record = _object(value, "group")
    account = record.get("benefitpoint_account_id")
    if account is not None and not isinstance(account, str | int):
        raise RecordError("benefitpoint_account_id", "must be text or null")
    return Group(id=_text(record, "id"), name=_text(record, "name"),
                 benefitpoint_account_id=None if account is None else str(account),
                 updated_at=_text(record, "updated_at", optional=True))


def member_from_native(value: Any) -> Member:
    record = _object(value, "member")
    prefix = "member."
    return Member(member_id=_text(record, "member_id", prefix=prefix),
                  first_name=_text(record, "first_name", prefix=prefix),
                  last_name=_text(record, "last_name", prefix=prefix),
                  ssn=_text(record, "ssn", prefix=prefix),
                  date_of_birth=_date(record, "date_of_birth", prefix=prefix),
                  relationship=_text(record, "relationship", prefix=prefix, allowed=RELATIONSHIPS))


def enrollment_change_from_native(value: Any) -> EnrollmentChange:
    record = _object(value, "enrollment_change")
    return EnrollmentChange(id=_text(record, "id"), kind=_text(record, "kind", allowed=ENROLLMENT_KINDS),
                            member=member_from_native(record.get("member")),
                            plan_id=_text(record, "plan_id"),
                            coverage_level=_text(record, "coverage_level", allowed=COVERAGE_LEVELS),
                            effective_date=_date(record, "effective_date"),
                            recorded_at=_text(record, "recorded_at"))
