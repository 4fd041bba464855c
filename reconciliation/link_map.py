"""The link map of a connected group: checking it as a whole, and which plans are still unreviewed."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from reconciliation.decisions import Choice
from reconciliation.link_entry import LinkEntry, LinkMapError, PlanRef, format_plan_ref, parse_plan_ref
from reconciliation.link_map_checks import entry_problems, label_entries
from reconciliation.link_map_file import load_link_map
from reconciliation.plan import Plan
from reconciliation.side import Side

__all__ = [
    "LinkEntry",
    "LinkMapError",
    "PlanRef",
    "cross_coverage_problems",
    "format_plan_ref",
    "load_link_map",
    "parse_plan_ref",
    "unreviewed",
    "validate_link_map",
]


def validate_link_map(
    entries: Iterable[LinkEntry],
    *,
    perfectquote_plan_ids: Collection[str],
    benefitpoint_plan_ids: Collection[str],
    existing: Iterable[LinkEntry] = (),
) -> None:
    """Raise `LinkMapError` listing every problem, or return: no entry is valid unless all are.

    `existing` are the entries already stored for the group. An entry equal to a stored one is no
    clash (applying the same map twice is harmless); stored `unreviewed` entries are replaced by a choice.
    """
    plan_ids = {Side.PERFECTQUOTE: set(perfectquote_plan_ids), Side.BENEFITPOINT: set(benefitpoint_plan_ids)}
    stored = [entry for entry in existing if entry.choice is not Choice.UNREVIEWED]
    owner = {ref: f"stored entry {entry.describe()}" for entry in stored for ref in entry.refs}
    problems: list[str] = []
    for label, entry in label_entries(list(entries)):
        shape = entry_problems(entry)
        problems.extend(f"{label}: {problem}" for problem in shape)
        if shape:
            continue
        for side, plan_id in entry.refs:
            ref = format_plan_ref(side, plan_id)
            if plan_id not in plan_ids[side]:
                problems.append(f"{label}: {ref} is not a {side.value} plan of this group")
            if entry in stored:
                continue
            if (side, plan_id) in owner:
                problems.append(f"{label}: {ref} is already in {owner[(side, plan_id)]}")
            else:
                owner[(side, plan_id)] = label
    if problems:
        raise LinkMapError(problems)


def cross_coverage_problems(entries: Iterable[LinkEntry], plans: Mapping[PlanRef, Plan | None]) -> list[str]:
    """Merges of two plans of different coverage: the source of truth would turn a medical plan into a
    dental one, with benefits neither system's catalogue holds for it. Unreadable plans are not judged."""
    problems = []
    for label, entry in label_entries([entry for entry in entries if entry.choice is Choice.MERGE]):
        pq, bp = plans.get((Side.PERFECTQUOTE, entry.perfectquote_plan_id or "")), plans.get(
            (Side.BENEFITPOINT, entry.benefitpoint_plan_id or ""))
        if pq is not None and bp is not None and pq.coverage is not bp.coverage:
            problems.append(f"{label}: the plans are of different coverage ({pq.coverage.value} and "
                            f"{bp.coverage.value}); merge plans of one coverage, or allow it explicitly "
                            "(--allow-cross-coverage)")
    return problems


def unreviewed(
    entries: Iterable[LinkEntry],
    *,
    perfectquote_plan_ids: Iterable[str],
    benefitpoint_plan_ids: Iterable[str],
) -> list[PlanRef]:
    """Plans no choice mentions yet, PerfectQuote first, each in the order given."""
    chosen = {ref for entry in entries if entry.choice is not Choice.UNREVIEWED for ref in entry.refs}
    listed = [(Side.PERFECTQUOTE, plan_id) for plan_id in perfectquote_plan_ids]
    listed += [(Side.BENEFITPOINT, plan_id) for plan_id in benefitpoint_plan_ids]
    return [ref for ref in dict.fromkeys(listed) if ref not in chosen]
