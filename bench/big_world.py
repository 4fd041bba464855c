"""A benchmark world: N groups x M plans seeded in both sandbox stores, connected and linked as merges."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from connectors.sandbox.benefitpoint.codec import SERVER_TZ
from connectors.sandbox.benefitpoint.seed import _account, _add_plan
from connectors.sandbox.benefitpoint.store import Clock, Store
from connectors.sandbox.demo_world import Employer, seed_plans
from connectors.sandbox.launcher import Sandboxes
from connectors.sandbox.perfectquote.seed import plan_record
from connectors.sandbox.perfectquote.store import PerfectQuoteStore
from reconciliation.link_entry import LinkEntry
from reconciliation.plan import Plan
from reconciliation.side import Side
from reconciliation.storage import repository as repo

# Far above the demo world's account ids, so the two never meet.
FIRST_ACCOUNT_ID = 100_001
ID_FIELDS = {"Account": "accountID", "Product": "productID", "Benefit_Summary": "benefitSummaryID",
             "Rate": "rateID"}


@dataclass(slots=True)
class ShiftedClock:
    """BenefitPoint's server clock moved by `shift`: seeding 'hours ago' keeps it out of the feed overlap."""

    shift: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return datetime.now(SERVER_TZ) + self.shift


@dataclass(frozen=True, slots=True, kw_only=True)
class BenchLink:
    group_id: str
    perfectquote_plan_id: str
    benefitpoint_plan_id: str


@dataclass(slots=True, kw_only=True)
class BigWorld:
    stores: tuple[PerfectQuoteStore, Store]
    clock: ShiftedClock
    links: list[BenchLink]


def group_plans(employer: Employer, *, plans: int) -> list[Plan]:
    """`plans` valid canonical plans, cycling through the demo world's kinds under numbered names."""
    found: list[Plan] = []
    round_number = 0
    while len(found) < plans:
        for entry in seed_plans(employer, seed=round_number):
            plan = entry.perfectquote or entry.benefitpoint
            if plan is not None and len(found) < plans:
                found.append(plan.with_changes(name=f"{plan.name} #{len(found) + 1}"))
        round_number += 1
    return found


def _employer(index: int) -> Employer:
    return Employer(name=f"Bench Employer {index:05d}", perfectquote_group_id=f"grp_b{index:05d}",
                    benefitpoint_account_id=FIRST_ACCOUNT_ID + index, ein=f"99-{index:07d}")


def seed_employer(pq: PerfectQuoteStore, bp: Store, employer: Employer, *, index: int) -> Any:
    """The employer's PerfectQuote group and BenefitPoint account, straight into the stores; the account."""
    group_id = employer.perfectquote_group_id
    pq.groups[group_id] = {"id": group_id, "name": employer.name,
                           "benefitpoint_account_id": str(employer.benefitpoint_account_id),
                           "updated_at": "2026-11-01T08:00:00Z"}
    bp.put("Account", "accountID", _account(employer.benefitpoint_account_id, employer.name, index=index,
                                             active=True))
    return bp.accounts[employer.benefitpoint_account_id]


def _seed_group(pq: PerfectQuoteStore, bp: Store, employer: Employer, *, index: int,
                plans: int) -> list[BenchLink]:
    group_id = employer.perfectquote_group_id
    account = seed_employer(pq, bp, employer, index=index)
    links = []
    for number, plan in enumerate(group_plans(employer, plans=plans)):
        _status, created = pq.create_plan(group_id, plan_record(plan), key=f"bench-{group_id}-{number}")
        _add_plan(bp, plan, account=account)
        # Tables keep insertion order: the product just added is the last one.
        product_id = next(reversed(bp.products))
        links.append(BenchLink(group_id=group_id, perfectquote_plan_id=created["id"],
                               benefitpoint_plan_id=str(product_id)))
    return links


def seed_world(sandboxes: Sandboxes, *, groups: int, plans: int, shift: timedelta) -> BigWorld:
    """Fill both stores in process; BenefitPoint's clock runs `shift` behind until it is moved."""
    pq: PerfectQuoteStore = sandboxes.perfectquote_app.state.store
    bp: Store = sandboxes.benefitpoint_app.state.store
    clock = ShiftedClock(shift=shift)
    bp.clock = Clock(now=clock.now)
    # The demo world was stamped at start-up; move it back too, or every feed read would return it.
    for kind, id_field in ID_FIELDS.items():
        for row in list(bp.tables[kind].values()):
            bp.put(kind, id_field, row)
    links = [link for index in range(groups)
             for link in _seed_group(pq, bp, _employer(index), index=index, plans=plans)]
    return BigWorld(stores=(pq, bp), clock=clock, links=links)


def connect_world(sessions: sessionmaker[Session], world: BigWorld) -> None:
    """Each group connected and each plan pair merged (PerfectQuote the source of truth), in the database."""
    by_group: dict[str, list[BenchLink]] = {}
    for link in world.links:
        by_group.setdefault(link.group_id, []).append(link)
    for group_id, links in by_group.items():
        account_id = FIRST_ACCOUNT_ID + int(group_id.removeprefix("grp_b"))
        with sessions.begin() as session:
            repo.connect_group(session, group_id=group_id, group_name=group_id, account_id=account_id,
                               account_name=f"account {account_id}")
            repo.add_links(session, group_id, [
                LinkEntry.merge(link.perfectquote_plan_id, link.benefitpoint_plan_id,
                                source_of_truth=Side.PERFECTQUOTE)
                for link in links])
