"""Checks of a single link entry's shape, for entries built in code rather than read from a file."""

from __future__ import annotations

from collections.abc import Sequence

from reconciliation.decisions import Choice
from reconciliation.link_entry import LinkEntry
from reconciliation.side import Side


def label_entries(entries: Sequence[LinkEntry]) -> list[tuple[str, LinkEntry]]:
    """`merge[0] (pq:pln_01 + bp:90211)`: the table and index a map file would show, and the plans."""
    counts: dict[str, int] = {}
    labelled = []
    for entry in entries:
        table = str(entry.choice)
        index = counts.get(table, 0)
        counts[table] = index + 1
        plans = entry.describe().partition(" ")[2]
        labelled.append((f"{table}[{index}] ({plans})" if plans else f"{table}[{index}]", entry))
    return labelled


def entry_problems(entry: LinkEntry) -> list[str]:
    if not isinstance(entry.choice, Choice):
        return [f"{entry.choice!r} is not a choice; expected one of {', '.join(choice for choice in Choice)}"]
    problems = [
        f"{side.value} plan id {plan_id!r} is not a plan id"
        for side in Side
        if (plan_id := entry.plan_id(side)) is not None and not (isinstance(plan_id, str) and plan_id.strip())
    ]
    if entry.source_of_truth is not None and not isinstance(entry.source_of_truth, Side):
        problems.append(f"source of truth {entry.source_of_truth!r} is neither perfectquote nor benefitpoint")
    sides = [side for side in Side if entry.plan_id(side) is not None]
    if entry.choice is Choice.MERGE:
        if len(sides) != 2:
            problems.append("a merge links one perfectquote plan and one benefitpoint plan")
        if entry.source_of_truth is None:
            problems.append("a merge needs a source of truth (perfectquote or benefitpoint)")
        return problems
    if len(sides) != 1:
        problems.append(f"a {entry.choice} names exactly one plan")
    elif entry.choice is Choice.COPY and entry.source_of_truth is not sides[0]:
        problems.append("a copy is copied from the side of its plan")
    elif entry.choice is not Choice.COPY and entry.source_of_truth is not None:
        problems.append(f"a {entry.choice} has no source of truth")
    return problems
