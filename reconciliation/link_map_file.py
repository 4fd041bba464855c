"""Reading a link map file: TOML tables `[[merge]]`, `[[copy]]`, `[[skip]]` into link entries."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any

from reconciliation.decisions import Choice
from reconciliation.link_entry import LinkEntry, LinkMapError, parse_plan_ref
from reconciliation.side import Side

_KEYS = {
    Choice.MERGE: ("perfectquote", "benefitpoint", "source_of_truth"),
    Choice.COPY: ("plan",),
    Choice.SKIP: ("plan",),
}
_SIDE_NAMES = {name: side for side in Side for name in (side.value, side.short)}
_PREFIXES = {side.short for side in Side}


def load_link_map(text: str) -> list[LinkEntry]:
    """Entries of a TOML map file (`[[merge]]`, `[[copy]]`, `[[skip]]`); every problem is reported at once."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LinkMapError([f"not valid TOML: {error}"]) from None
    entries: list[LinkEntry] = []
    problems: list[str] = []
    for table, rows in document.items():
        choice = Choice(table) if table in _KEYS else None
        if choice is None:
            problems.append(f"{table}: unknown table; a link map has only [[merge]], [[copy]] and [[skip]]")
        elif not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            problems.append(f"{table}: must be written as [[{table}]] tables")
        else:
            for index, row in enumerate(rows):
                entry = _entry(choice, row, label=f"{table}[{index}]", problems=problems)
                if entry is not None:
                    entries.append(entry)
    if problems:
        raise LinkMapError(problems)
    return entries


def _entry(choice: Choice, row: Mapping[str, Any], *, label: str, problems: list[str]) -> LinkEntry | None:
    found = len(problems)
    allowed = _KEYS[choice]
    for key in row:
        if key not in allowed:
            problems.append(f"{label}: unknown key {key!r}; expected {', '.join(allowed)}")
    missing = [key for key in allowed if key not in row]
    problems.extend(f"{label}: missing key {key!r}" for key in missing)
    if missing:
        return None
    if choice is Choice.MERGE:
        pq_id = _merge_plan_id(row["perfectquote"], Side.PERFECTQUOTE, label=label, problems=problems)
        bp_id = _merge_plan_id(row["benefitpoint"], Side.BENEFITPOINT, label=label, problems=problems)
        named = row["source_of_truth"]
        source = _SIDE_NAMES.get(named.strip().lower()) if isinstance(named, str) else None
        if source is None:
            problems.append(f"{label}: source_of_truth = {named!r} is neither perfectquote nor benefitpoint")
        if pq_id is None or bp_id is None or source is None or len(problems) > found:
            return None
        return LinkEntry.merge(pq_id, bp_id, source_of_truth=source)
    try:
        side, plan_id = parse_plan_ref(row["plan"])
    except LinkMapError as error:
        problems.extend(f"{label}: {problem}" for problem in error.problems)
        return None
    if len(problems) > found:
        return None
    return LinkEntry.copy(side, plan_id) if choice is Choice.COPY else LinkEntry.skip(side, plan_id)


def _merge_plan_id(value: Any, side: Side, *, label: str, problems: list[str]) -> str | None:
    """A bare id, or a reference whose prefix must name `side`: a merge joins one plan of each system."""
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        problems.append(f"{label}: {side.value} = {value!r} is not a plan id")
        return None
    text = str(value).strip()
    if ":" not in text or text.partition(":")[0].strip().lower() not in _PREFIXES:
        return text
    try:
        ref_side, plan_id = parse_plan_ref(text)
    except LinkMapError as error:
        problems.extend(f"{label}: {side.value}: {problem}" for problem in error.problems)
        return None
    if ref_side is not side:
        problems.append(
            f"{label}: {side.value} = {text!r} names a {ref_side.value} plan; "
            "a merge links one perfectquote plan and one benefitpoint plan"
        )
        return None
    return plan_id
