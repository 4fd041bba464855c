"""Opaque cursors: a kind and a position, base64-encoded so that clients cannot build them."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any, TypeVar

from connectors.sandbox.perfectquote.errors import bad_request

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def encode(kind: str, position: int) -> str:
    return base64.urlsafe_b64encode(f"pq1:{kind}:{position}".encode()).decode().rstrip("=")


def decode(kind: str, cursor: str | None) -> int:
    """The position a cursor of this kind points at; 0 for none; 400 for anything else."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, found_kind, position = text.split(":")
        if version != "pq1" or found_kind != kind or int(position) < 0:
            raise ValueError(text)
        return int(position)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad_request(f"cursor {cursor!r} is not a cursor of this list") from None


def page_size(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise bad_request(f"page_size={raw!r} must be a whole number from 1 to {MAX_PAGE_SIZE}")
    return size


def page(items: Sequence[T], *, kind: str, cursor: str | None, size: int) -> dict[str, Any]:
    """One page of `items` in the contract's envelope."""
    start = decode(kind, cursor)
    end = start + size
    return {"data": list(items[start:end]), "next_cursor": encode(kind, end) if end < len(items) else None}


def log_page(entries: Sequence[T], *, kind: str, cursor: str | None, size: int) -> dict[str, Any]:
    """A page of an append-only log, with the watermark to resume from after it."""
    start = decode(kind, cursor)
    data = list(entries[start:start + size])
    end = start + len(data)
    return {"data": data, "next_cursor": encode(kind, end) if end < len(entries) else None,
            "watermark": encode(kind, end)}
