"""Ids in URL paths: each one a single escaped segment, so an id can never point somewhere else."""

from __future__ import annotations

from urllib.parse import quote


class MalformedId(ValueError):
    """An id that cannot be one path segment (empty, `.`, `..`, a `/`, a control character)."""


def segment(value: object, *, what: str) -> str:
    """`value` escaped as one path segment; `grp_002/../grp_001` is refused, naming `what`.

    Every other character is percent-escaped (`?`, `#`, `%`, spaces), so the id reaches the server
    as itself and names nothing but itself.
    """
    text = str(value)
    problem = None
    if not text.strip():
        problem = "it is empty"
    elif text in {".", ".."} or "/" in text or "\\" in text:
        problem = "an id is a single path segment (no slash, and not . or ..)"
    elif any(ord(char) < 32 or ord(char) == 127 for char in text):
        problem = "it holds a control character"
    if problem is not None:
        raise MalformedId(f"{what} {text!r} is malformed: {problem}")
    return quote(text, safe="")
