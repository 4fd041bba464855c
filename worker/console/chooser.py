"""The plan chooser: both systems' plans in two columns, and its form read back as link-map entries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reconciliation.decisions import Choice
from reconciliation.link_entry import LinkEntry, LinkMapError, parse_plan_ref
from reconciliation.side import Side
from worker.service.plan_choices import ListedPlan

TRUTH_PREFIX = "truth:"
MERGE_PREFIX = "merge:"


@dataclass(frozen=True, slots=True, kw_only=True)
class Columns:
    """Each system's plans; `open` are the unreviewed ones a person may still choose for."""

    perfectquote: list[ListedPlan]
    benefitpoint: list[ListedPlan]

    @property
    def open_benefitpoint(self) -> list[ListedPlan]:
        return [plan for plan in self.benefitpoint if plan.choice == Choice.UNREVIEWED.value and plan.name]

    @property
    def links(self) -> list[dict[str, str | None]]:
        """The stored choices, one a link: its plans on each side (a skip or a copy may have one)."""
        found: dict[str, dict[str, str | None]] = {}
        for plan in self.perfectquote + self.benefitpoint:
            if plan.link_id is None:
                continue
            link = found.setdefault(
                plan.link_id,
                {
                    "link_id": plan.link_id,
                    "choice": plan.choice,
                    "state": plan.state,
                    "perfectquote": None,
                    "benefitpoint": None,
                },
            )
            link[plan.side] = f"{plan.name or '(unreadable)'} ({plan.plan_id})"
        return list(found.values())

    @property
    def unreviewed(self) -> int:
        return sum(
            1 for plan in self.perfectquote + self.benefitpoint if plan.choice == Choice.UNREVIEWED.value
        )


def columns(rows: Sequence[ListedPlan]) -> Columns:
    return Columns(
        perfectquote=[row for row in rows if row.side == Side.PERFECTQUOTE.value],
        benefitpoint=[row for row in rows if row.side == Side.BENEFITPOINT.value],
    )


def entries_from_form(form: Mapping[str, str]) -> list[LinkEntry]:
    """`pq:ID`: skip, copy or merge:BP_ID (with `truth:pq:ID`, the source of truth); `bp:ID`: skip or copy.

    Fields left empty stay unreviewed. Problems are all reported at once, each naming its plan.
    """
    entries: list[LinkEntry] = []
    problems: list[str] = []
    for key, value in form.items():
        if key.startswith(TRUTH_PREFIX) or not value.strip() or ":" not in key:
            continue
        side, plan_id = parse_plan_ref(key)
        choice = value.strip()
        if choice == Choice.SKIP.value:
            entries.append(LinkEntry.skip(side, plan_id))
        elif choice == Choice.COPY.value:
            entries.append(LinkEntry.copy(side, plan_id))
        elif choice.startswith(MERGE_PREFIX) and side is Side.PERFECTQUOTE:
            truth = form.get(f"{TRUTH_PREFIX}{key}", "").strip()
            if truth not in {s.value for s in Side}:
                problems.append(
                    f"merge of {key} with bp:{choice.removeprefix(MERGE_PREFIX)}: choose which "
                    "system's plan is the source of truth"
                )
                continue
            entries.append(
                LinkEntry.merge(plan_id, choice.removeprefix(MERGE_PREFIX), source_of_truth=Side(truth))
            )
        else:
            problems.append(f"{key}: {choice!r} is not a choice (skip, copy or merge)")
    if problems:
        raise LinkMapError(problems)
    if not entries:
        raise LinkMapError(["nothing chosen: pick skip, copy or merge for at least one plan"])
    return entries
