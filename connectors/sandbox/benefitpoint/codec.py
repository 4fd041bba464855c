"""Typed XML values: request elements to plain dicts and records back to elements, by schema."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any
from xml.etree.ElementTree import Element, SubElement

from connectors.sandbox.benefitpoint.schema import ENUMS, TYPES, Field
from connectors.sandbox.benefitpoint.soap_fault import SoapFault

# The sandbox's office clock: every dateTime it writes carries this offset.
SERVER_TZ = timezone(timedelta(hours=-5))
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def decode_fields(element: Element, fields: tuple[Field, ...], *, path: str) -> dict[str, Any]:
    """Every field appears in the answer: None when absent, [] for an absent list."""
    by_name = {field.name: field for field in fields}
    by_lower = {field.name.lower(): field for field in fields}
    record: dict[str, Any] = {f.name: [] if f.repeated else None for f in fields}
    seen: set[str] = set()
    for child in element:
        name = local_name(child.tag)
        # Case is forgiven (`AttributeValueOptions`): the published names are not consistent.
        field = by_name.get(name) or by_lower.get(name.lower())
        if field is None:
            raise SoapFault(f"{path}: unexpected element <{name}>")
        value = decode_value(child, field.kind, path=f"{path}.{field.name}")
        if field.repeated:
            if value is not None:
                record[field.name].append(value)
        elif field.name in seen:
            raise SoapFault(f"{path}.{field.name}: appears more than once")
        else:
            record[field.name] = value
        seen.add(field.name)
    for field in fields:
        if field.required and record[field.name] in (None, []):
            raise SoapFault(f"{path}.{field.name}: is required")
    return record


def decode_value(element: Element, kind: str, *, path: str) -> Any:
    if element.get(_XSI_NIL) in {"true", "1"}:
        return None
    if kind in TYPES:
        return decode_fields(element, TYPES[kind], path=path)
    raw = element.text or ""
    if kind == "string":
        return raw
    text = raw.strip()
    if not text:
        return None
    if kind in ENUMS:
        if text not in ENUMS[kind]:
            raise SoapFault(f"{path}: {text!r} is not one of {', '.join(ENUMS[kind])}")
        return text
    return _scalar(text, kind, path=path)


def _scalar(text: str, kind: str, *, path: str) -> Any:
    try:
        if kind == "int":
            return int(text)
        if kind == "double":
            number = float(text)
            if not math.isfinite(number):
                raise ValueError(text)
            return number
        if kind == "boolean":
            return {"true": True, "1": True, "false": False, "0": False}[text]
        if kind == "dateTime":
            return parse_datetime(text)
    except (KeyError, ValueError):
        raise SoapFault(f"{path}: {text!r} is not a valid xsd:{kind}") from None
    raise SoapFault(f"{path}: unknown type {kind}", code="Server")


def parse_datetime(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=SERVER_TZ)


def format_datetime(moment: datetime) -> str:
    """`2026-01-01T00:00:00.000-05:00`: milliseconds and an explicit offset."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=SERVER_TZ)
    offset = aware.strftime("%z")
    return f"{aware:%Y-%m-%dT%H:%M:%S}.{aware.microsecond // 1000:03d}{offset[:3]}:{offset[3:]}"


def encode(parent: Element, name: str, value: Any, kind: str) -> None:
    """Append `<name>` holding `value` to `parent`; None values are left out."""
    if value is None:
        return
    child = SubElement(parent, name)
    if kind in TYPES:
        for field in TYPES[kind]:
            item = value.get(field.name)
            for part in (item or []) if field.repeated else [item]:
                encode(child, field.name, part, field.kind)
        return
    child.text = format_scalar(value, kind)


def format_scalar(value: Any, kind: str) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "dateTime":
        return format_datetime(value)
    if kind == "double":
        return repr(float(value))
    return str(value)
