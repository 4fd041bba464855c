"""A seeded world in the database at once: groups connected, plans linked as merges with the baselines a
first sync would store, and the feeds' watermarks just past the seeding.

The links are inserted in bulk, as rows: the repository's `add_links` then `advance_baselines` one link at
a time costs about 10 ms a link on PostgreSQL, over a quarter of an hour for 100,000 links.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import groupby
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

from bench.big_world import FIRST_ACCOUNT_ID, _employer, group_plans
from config.column_types import utcnow
from reconciliation.decisions import Choice
from reconciliation.plan_fields import plan_to_json
from reconciliation.side import Side
from reconciliation.states import LinkState
from reconciliation.storage import repository as repo
from reconciliation.storage.agency_scope import agency_of
from reconciliation.storage.groups import group_row
from reconciliation.storage.links import new_link_id
from reconciliation.storage.tables import LinkRow

# Groups per transaction: few enough commits to be quick, small enough transactions to stay light.
GROUPS_PER_COMMIT = 100


def _seed_group(session: Session, group_id: str, links: Sequence[Mapping[str, str]], *, plans: int) -> None:
    index = int(group_id.removeprefix("grp_b"))
    account_id = FIRST_ACCOUNT_ID + index
    repo.connect_group(session, group_id=group_id, group_name=group_id, account_id=account_id,
                       account_name=f"account {account_id}")
    connection_id = group_row(session, group_id).id
    now = utcnow()
    rows = []
    # Both stores were seeded with the same canonical plan, and a round trip through either system is a
    # fixed point: that plan is what a first sync reads on each side and stores as both baselines.
    for link, plan in zip(links, group_plans(_employer(index), plans=plans), strict=True):
        baseline = plan_to_json(plan)
        rows.append({"id": new_link_id(), "group_connection_id": connection_id, "choice": Choice.MERGE.value,
                     "source_of_truth": Side.PERFECTQUOTE.value,
                     "perfectquote_plan_id": link["perfectquote_plan_id"],
                     "benefitpoint_plan_id": link["benefitpoint_plan_id"], "state": LinkState.LINKED.value,
                     "baseline_perfectquote": baseline, "baseline_benefitpoint": baseline,
                     "created_at": now, "updated_at": now, "version": 1, "agency_id": agency_of(session)})
    session.execute(insert(LinkRow), rows)


def seed_links(sessions: sessionmaker[Session], world: Mapping[str, Any], *, plans: int) -> int:
    """Store the host's world (see `bench/sandbox_host.py`); returns how many groups."""
    by_group = [(group_id, list(links))
                for group_id, links in groupby(world["links"], key=lambda link: link["group_id"])]
    for start in range(0, len(by_group), GROUPS_PER_COMMIT):
        with sessions.begin() as session:
            for group_id, links in by_group[start:start + GROUPS_PER_COMMIT]:
                _seed_group(session, group_id, links, plans=plans)
    with sessions.begin() as session:
        for side in Side:
            repo.set_watermark(session, side.value, world["watermarks"][side.value])
    analyze(sessions.kw["bind"])
    return len(by_group)


def analyze(engine: Engine) -> None:
    """What autovacuum does a minute after a bulk load: the statistics of a database that grew to this size,
    not those of the empty tables it was created with (after seeding, and after the snapshots are primed)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
