"""The outage guard of a run: more than half of a group's linked plans missing at once writes nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from config.logging import get_logger
from connectors.ports import PlanSystem, RemotePlan
from reconciliation.reconcile import suspected_outage
from reconciliation.records import Group, Link
from reconciliation.side import Side
from reconciliation.states import RunOutcome
from worker.service.run_report import RunReport

log = get_logger(__name__)
Read = dict[Side, dict[str, RemotePlan]]


def missing_links(links: list[Link], read: Mapping[Side, Mapping[str, RemotePlan]], *,
                  sides: Iterable[Side] = tuple(Side)) -> list[Link]:
    """The links with a plan on one of `sides` that `read` does not hold."""
    sides = tuple(sides)
    return [link for link in links
            if any((plan_id := link.plan_ids[side]) and plan_id not in read[side] for side in sides)]


def recount_whole_group(systems: Mapping[Side, PlanSystem], group: Group, group_links: list[Link],
                        links: list[Link], read: Read) -> list[Link]:
    """The links missing a plan, counted over the whole group: a run of a few links that finds plans
    missing lists the group on those sides first, so the guard counts every linked plan, not only the
    few it read. The links' plans found in a listing are added to `read`."""
    missing = missing_links(links, read)
    sides = {side for link in missing for side in Side
             if (plan_id := link.plan_ids[side]) and plan_id not in read[side]}
    listed: Read = {}
    for side in sides:
        listed[side] = {plan.id: plan for plan in systems[side].list_plans(group.id_in(side))}
        for link in links:
            plan_id = link.plan_ids[side]
            if plan_id and plan_id not in read[side] and plan_id in listed[side]:
                read[side][plan_id] = listed[side][plan_id]
    gone = {link.id for link in missing_links(links, read)}
    listed_full = {side: listed.get(side, {}) for side in Side}
    gone.update(link.id for link in missing_links(group_links, listed_full, sides=sides))
    return [link for link in group_links if link.id in gone]


def outage(group_links: list[Link], missing: list[Link], report: RunReport) -> bool:
    """More than half of the group's links missing a plan: the run ends aborted, nothing written."""
    known = [link for link in group_links if any(link.plan_ids[side] for side in Side)]
    if not suspected_outage(linked=len(known), missing=len(missing)):
        return False
    report.outcome = RunOutcome.ABORTED
    report.error = (f"{len(missing)} of {len(known)} linked plans are missing at once: suspected outage; "
                    "nothing was written or orphaned")
    log.error("sync.aborted", missing=len(missing), linked=len(known))
    return True
