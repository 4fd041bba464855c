"""A structlog processor that masks secrets and personal data wherever they sit in an event."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MASK = "***"

_SENSITIVE_KEY = re.compile(
    r"(token|password|passwd|secret|api[_-]?key|authorization|session[_-]?id|sessionid"
    r"|ssn|social|date_of_birth|dob|birth|first_name|last_name|full_name)",
    re.IGNORECASE,
)
_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
_BEARER = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+")
_SESSION_XML = re.compile(r"(?is)(<(?:\w+:)?session(?:id|ID|Id)>)(.*?)(</)")
_PASSWORD_XML = re.compile(r"(?is)(<(?:\w+:)?password>)(.*?)(</)")


def mask_text(text: str) -> str:
    """Mask SSNs, bearer tokens and SOAP session ids or passwords inside free text."""
    text = _SSN.sub(MASK, text)
    text = _BEARER.sub("Bearer " + MASK, text)
    text = _SESSION_XML.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    return _PASSWORD_XML.sub(lambda m: m.group(1) + MASK + m.group(3), text)


def mask_value(value: Any) -> Any:
    """Mask sensitive keys and patterns in any nesting of mappings, sequences and strings."""
    if isinstance(value, Mapping):
        return {
            key: MASK if isinstance(key, str) and _SENSITIVE_KEY.search(key) else mask_value(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [mask_value(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, BaseException):
        return mask_text(f"{type(value).__name__}: {value}")
    return value


def mask_secrets(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: the last word on what may leave the process."""
    return mask_value(event_dict)
