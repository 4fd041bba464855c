"""Choosing what to sync: both systems' plans side by side, and applying a link map as a whole."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from config.logging import get_logger
from connectors.ports import RemotePlan
from reconciliation.decisions import Choice
from reconciliation.link_entry import LinkEntry
from reconciliation.link_map import validate_link_map
from reconciliation.side import Side
from reconciliation.storage import repository as repo
from reconciliation.storage.tables import GroupConnection, PlanLink
from worker.runtime.context import SyncContext
from worker.service.group_sync import GroupNotConnected

log = get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanRow:
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


def connected_group(session: Session, perfectquote_group_id: str) -> GroupConnection:
    group = repo.get_group_by_pq_id(session, perfectquote_group_id)
    if group is None:
        raise GroupNotConnected(
            f"PerfectQuote group {perfectquote_group_id!r} is not connected; "
            "connect it with 'plansync groups connect'"
        )
    return group


def active_links(session: Session, group: GroupConnection) -> list[PlanLink]:
    return [
        link for link in repo.links_for_group(session, group) if link.state != repo.LinkState.UNLINKED.value
    ]


def read_plans(context: SyncContext, group: GroupConnection) -> dict[Side, list[RemotePlan]]:
    return {
        Side.PERFECTQUOTE: context.perfectquote.list_plans(group.perfectquote_group_id),
        Side.BENEFITPOINT: context.benefitpoint.list_plans(group.benefitpoint_account_id),
    }


def side_by_side(context: SyncContext, session: Session, perfectquote_group_id: str) -> list[PlanRow]:
    """Every plan of both systems with its choice (skip, copy, merge, unreviewed) and link state."""
    group = connected_group(session, perfectquote_group_id)
    by_ref = {
        (side, plan_id): link
        for link in active_links(session, group)
        for side in Side
        if (plan_id := link.plan_id(side))
    }
    rows = []
    for side, plans in read_plans(context, group).items():
        for remote in plans:
            link = by_ref.get((side, remote.id))
            other = link.plan_id(side.other) if link else None
            rows.append(
                PlanRow(
                    side=side.value,
                    plan_id=remote.id,
                    name=remote.plan.name if remote.plan else None,
                    coverage=remote.plan.coverage.value if remote.plan else None,
                    carrier=remote.plan.carrier if remote.plan else None,
                    choice=link.choice if link else Choice.UNREVIEWED.value,
                    link_id=link.id if link else None,
                    state=link.state if link and link.choice != Choice.SKIP.value else None,
                    paired_with=f"{side.other.short}:{other}" if other else None,
                    problem=remote.problem,
                )
            )
    return rows


def choose(
    context: SyncContext, session: Session, perfectquote_group_id: str, entries: Iterable[LinkEntry]
) -> list[PlanLink]:
    """Validate the entries against both systems' plans and the stored links, then store all or none."""
    group = connected_group(session, perfectquote_group_id)
    entries = list(entries)
    plans = read_plans(context, group)
    validate_link_map(
        entries,
        perfectquote_plan_ids={p.id for p in plans[Side.PERFECTQUOTE]},
        benefitpoint_plan_ids={p.id for p in plans[Side.BENEFITPOINT]},
        existing=[repo.link_entry(link) for link in active_links(session, group)],
    )
    links = repo.add_links(session, group, entries)
    for link in links:
        log.info("link.chosen", group_id=perfectquote_group_id, link_id=link.id, choice=link.choice)
    return links


def unlink(session: Session, perfectquote_group_id: str, link_id: str) -> PlanLink:
    group = connected_group(session, perfectquote_group_id)
    link = repo.unlink(session, group, link_id)
    log.info("link.unlinked", group_id=perfectquote_group_id, link_id=link.id)
    return link
