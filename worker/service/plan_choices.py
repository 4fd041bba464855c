"""Choosing what to sync: both systems' plans side by side, and applying a link map as a whole."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from config.logging import get_logger
from connectors.ports import PlanSystem, RemotePlan
from reconciliation.decisions import Choice
from reconciliation.link_entry import LinkEntry
from reconciliation.link_map import LinkMapError, cross_coverage_problems, validate_link_map
from reconciliation.link_warnings import emptying_warnings
from reconciliation.records import Group, Link
from reconciliation.side import Side
from reconciliation.states import LinkState
from reconciliation.storage import repository as repo
from worker.service.group_sync import GroupNotConnected

log = get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class ListedPlan:
    """One plan of one system as the chooser lists it."""

    side: str
    plan_id: str
    name: str | None
    coverage: str | None
    carrier: str | None
    choice: str
    link_id: str | None
    state: str | None
    paired_with: str | None
    problem: str | None


def connected_group(session: Session, group_id: str) -> Group:
    group = repo.find_group(session, group_id)
    if group is None:
        raise GroupNotConnected(
            f"PerfectQuote group {group_id!r} is not connected; connect it with 'plansync groups connect'"
        )
    return group


def active_links(session: Session, group_id: str) -> list[Link]:
    return [link for link in repo.links_for_group(session, group_id) if link.state is not LinkState.UNLINKED]


def read_plans(systems: Mapping[Side, PlanSystem], group: Group) -> dict[Side, list[RemotePlan]]:
    return {side: systems[side].list_plans(group.id_in(side)) for side in Side}


def side_by_side(*, sessions: sessionmaker[Session], systems: Mapping[Side, PlanSystem],
                 group_id: str) -> list[ListedPlan]:
    """Every plan of both systems with its choice (skip, copy, merge, unreviewed) and link state."""
    with sessions() as session:
        group = connected_group(session, group_id)
        links = active_links(session, group_id)
    by_ref = {(side, plan_id): link for link in links for side in Side if (plan_id := link.plan_ids[side])}
    rows = []
    for side, plans in read_plans(systems, group).items():
        for remote in plans:
            link = by_ref.get((side, remote.id))
            other = link.plan_ids[side.other] if link else None
            rows.append(
                ListedPlan(
                    side=side.value,
                    plan_id=remote.id,
                    name=remote.plan.name if remote.plan else None,
                    coverage=remote.plan.coverage.value if remote.plan else None,
                    carrier=remote.plan.carrier if remote.plan else None,
                    choice=link.choice.value if link else Choice.UNREVIEWED.value,
                    link_id=link.id if link else None,
                    state=link.state.value if link and link.choice is not Choice.SKIP else None,
                    paired_with=f"{side.other.short}:{other}" if other else None,
                    problem=remote.problem,
                )
            )
    return rows


@dataclass(frozen=True, slots=True, kw_only=True)
class Chosen:
    """The links stored, and by link id one line for each field a merge's first sync will empty."""

    links: list[Link]
    warnings: dict[str, list[str]]

    @property
    def warning_lines(self) -> list[str]:
        return [line for link in self.links for line in self.warnings.get(link.id, [])]


def choose(*, sessions: sessionmaker[Session], systems: Mapping[Side, PlanSystem], group_id: str,
           entries: Iterable[LinkEntry], allow_cross_coverage: bool = False) -> list[Link]:
    """The links of `choose_with_warnings`, for callers that show no warnings."""
    return choose_with_warnings(sessions=sessions, systems=systems, group_id=group_id, entries=entries,
                                allow_cross_coverage=allow_cross_coverage).links


def choose_with_warnings(*, sessions: sessionmaker[Session], systems: Mapping[Side, PlanSystem],
                         group_id: str, entries: Iterable[LinkEntry],
                         allow_cross_coverage: bool = False) -> Chosen:
    """Validate the entries against both systems' plans and the stored links, then store all or none.

    A merge of plans of different coverage is refused unless `allow_cross_coverage`. A new merge whose
    source of truth has no rates or no benefits while the other plan has some is stored with a warning
    saying what its first sync will do to them.
    """
    entries = list(entries)
    with sessions() as session:
        group = connected_group(session, group_id)
    plans = read_plans(systems, group)
    contents = {(side, remote.id): remote.plan for side, listed in plans.items() for remote in listed}
    if not allow_cross_coverage:
        problems = cross_coverage_problems(entries, contents)
        if problems:
            raise LinkMapError(problems)
    with sessions.begin() as session:
        existing = [link.entry for link in active_links(session, group_id)]
        validate_link_map(
            entries,
            perfectquote_plan_ids={p.id for p in plans[Side.PERFECTQUOTE]},
            benefitpoint_plan_ids={p.id for p in plans[Side.BENEFITPOINT]},
            existing=existing,
        )
        links = repo.add_links(session, group_id, entries)
    for link in links:
        log.info("link.chosen", group_id=group_id, link_id=link.id, choice=link.choice.value)
    # A merge stored before has had its first sync: only new ones are warned about.
    new_links = {entry: link for entry, link in zip(entries, links, strict=True) if entry not in existing}
    warnings: dict[str, list[str]] = {}
    for entry, warning in emptying_warnings(new_links, contents):
        link = new_links[entry]
        log.warning("link.merge_empties", group_id=group_id, link_id=link.id, warning=warning)
        warnings.setdefault(link.id, []).append(f"link {link.id} ({entry.describe()}): {warning}")
    return Chosen(links=links, warnings=warnings)


def unlink(*, sessions: sessionmaker[Session], group_id: str, link_id: str) -> Link:
    """Stop syncing a link; nothing is deleted in either system and its plans become unreviewed."""
    with sessions.begin() as session:
        connected_group(session, group_id)
        link = repo.unlink(session, group_id, link_id)
    log.info("link.unlinked", group_id=group_id, link_id=link.id)
    return link
