"""The soak's invariants as pure functions of what was read: each returns its problems, none if it holds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# side -> group -> plan id -> {"version": ..., "fields": {path: repr(value)}}
Plans = dict[str, dict[str, dict[str, dict[str, Any]]]]
SIDES = ("perfectquote", "benefitpoint")
CARRIED = ("merge", "copy")


@dataclass(frozen=True, slots=True, kw_only=True)
class SoakLink:
    link_id: str
    group_id: str
    choice: str
    perfectquote: str | None
    benefitpoint: str | None
    state: str
    error: str | None = None

    def plan(self, side: str) -> str | None:
        return self.perfectquote if side == "perfectquote" else self.benefitpoint


@dataclass(frozen=True, slots=True, kw_only=True)
class Edit:
    """One edit made through a sandbox's admin endpoint: `field` is the canonical field's path."""

    side: str
    plan_id: str
    link_id: str
    field: str
    value: str
    at: datetime


def _fields(plans: Plans, side: str, group_id: str, plan_id: str | None) -> dict[str, str] | None:
    plan = plans[side].get(group_id, {}).get(plan_id or "")
    return None if plan is None else plan["fields"]


def pairs_equal(links: Iterable[SoakLink], plans: Plans) -> list[str]:
    """Every merged or copied link has a plan on both sides, and the two hold the same fields."""
    problems = []
    for link in links:
        if link.choice not in CARRIED:
            continue
        pq, bp = (_fields(plans, side, link.group_id, link.plan(side)) for side in SIDES)
        if pq is None or bp is None:
            missing = "perfectquote" if pq is None else "benefitpoint"
            problems.append(f"link {link.link_id}: no plan on {missing}")
        elif pq != bp:
            differ = sorted(key for key in pq.keys() | bp.keys() if pq.get(key) != bp.get(key))
            problems.append(f"link {link.link_id}: sides differ in {', '.join(differ)}")
    return problems


def one_sided_edits(edits: Iterable[Edit], links: Iterable[SoakLink], plans: Plans) -> list[str]:
    """A field edited on one side only ends with that side's last value on both sides."""
    by_link = {link.link_id: link for link in links}
    grouped: dict[tuple[str, str], list[Edit]] = {}
    for edit in sorted(edits, key=lambda edit: edit.at):
        grouped.setdefault((edit.link_id, edit.field), []).append(edit)
    problems = []
    for (link_id, field), made in grouped.items():
        if len({edit.side for edit in made}) > 1 or link_id not in by_link:
            continue
        link, wanted = by_link[link_id], repr(made[-1].value)
        for side in SIDES:
            held = (_fields(plans, side, link.group_id, link.plan(side)) or {}).get(field)
            if held != wanted:
                problems.append(f"link {link_id} {field}: {made[-1].side} set {wanted}, {side} holds {held}")
    return problems


def no_plan_twice(links: Iterable[SoakLink], plans: Plans) -> list[str]:
    """Each group's listing on each side is exactly the plans its links name, each named once."""
    named: dict[tuple[str, str], list[str]] = {}
    for link in links:
        for side in SIDES:
            if (plan_id := link.plan(side)) is not None:
                named.setdefault((side, link.group_id), []).append(plan_id)
    problems = []
    for side in SIDES:
        for group_id, listed in plans[side].items():
            expected = named.get((side, group_id), [])
            twice = sorted({plan_id for plan_id in expected if expected.count(plan_id) > 1})
            extra = sorted(set(listed) - set(expected))
            if twice or extra:
                problems.append(f"{group_id} on {side}: {len(extra)} plans no link names {extra[:3]}, "
                                f"named twice {twice[:3]}")
    return problems


def skipped_untouched(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """A skipped plan has the version and fields it had before the soak (keys: side:plan id)."""
    return [f"skipped plan {key}: {'gone' if key not in after else 'changed'}"
            for key, plan in before.items() if after.get(key) != plan]


def no_run_running(unfinished: Iterable[tuple[int, str | None]]) -> list[str]:
    return [f"run {run_id} ({group_id or 'cycle'}) never finished" for run_id, group_id in unfinished]


def links_healthy(links: Iterable[SoakLink]) -> list[str]:
    """After the outage and the faults, no link is orphaned, held or in error."""
    return [f"link {link.link_id} of {link.group_id} is {link.state}"
            + (f" ({link.error})" if link.error else "")
            for link in links if link.choice in CARRIED and link.state != "linked"]


def outage_guarded(outcomes: list[str], orphaning: Iterable[tuple[int, str, int]]) -> list[str]:
    """The run asked for while more than half of a group's plans were missing ended `aborted`, and no
    run of the group orphaned a link while they were missing."""
    problems = [] if "aborted" in outcomes else [f"the outage run ended {outcomes or 'nowhere'}, not aborted"]
    return problems + [f"run {run_id} ({trigger}) orphaned {count} link(s) while the plans were missing"
                       for run_id, trigger, count in orphaning]


def longest_wait(kills: Iterable[tuple[datetime, set[str]]],
                 starts: Iterable[tuple[str, datetime]]) -> timedelta | None:
    """Of each group a killed worker was running: the time from the kill to the group's next run."""
    starts = sorted(starts, key=lambda start: start[1])
    waits = []
    for killed_at, groups in kills:
        for group_id in groups:
            nxt = next((at for group, at in starts if group == group_id and at > killed_at), None)
            waits.append(nxt - killed_at if nxt is not None else timedelta.max)
    return max(waits, default=None)
