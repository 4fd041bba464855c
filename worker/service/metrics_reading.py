"""The database's state as Prometheus gauges, read at every scrape (`config/metrics.py` exposes them).

Open conflicts, links by state, seconds since each group's last successful run (a group that never
succeeded counts from when it was connected), carrier integrations by status, open carrier messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, sessionmaker

from carriers.status import Status
from carriers.storage.tables import IntegrationRow, MessageRow
from reconciliation.states import ConflictStatus, LinkState, RunOutcome
from reconciliation.storage.tables import ConflictRow, GroupRow, LinkRow, RunRow


class DatabaseGauges(Collector):
    """A scrape-time collector: one short read-only session per scrape."""

    def __init__(self, sessions: sessionmaker[Session], *,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._sessions = sessions
        self._now = now

    def describe(self) -> list[Metric]:
        return []  # nothing is read when the collector is registered

    def collect(self) -> Iterator[Metric]:
        now = self._now()
        with self._sessions() as session:
            conflicts = session.scalar(select(func.count()).select_from(ConflictRow)
                                       .where(ConflictRow.status == ConflictStatus.OPEN.value)) or 0
            links = dict(session.execute(select(LinkRow.state, func.count()).group_by(LinkRow.state)).all())
            last_success = session.execute(
                select(GroupRow.perfectquote_group_id, GroupRow.created_at, func.max(RunRow.finished_at))
                .outerjoin(RunRow, and_(RunRow.group_connection_id == GroupRow.id,
                                        RunRow.outcome == RunOutcome.SUCCEEDED.value))
                .group_by(GroupRow.perfectquote_group_id, GroupRow.created_at)).all()
            integrations = dict(session.execute(select(IntegrationRow.status, func.count())
                                                .group_by(IntegrationRow.status)).all())
            messages = session.scalar(select(func.count()).select_from(MessageRow)
                                      .where(MessageRow.open.is_(True))) or 0

        yield GaugeMetricFamily("plansync_open_conflicts", "Conflicts held for a person (status open).",
                                value=conflicts)
        by_state = GaugeMetricFamily("plansync_links", "Plan links, by state.", labels=["state"])
        for state in sorted({*(s.value for s in LinkState), *links}):
            by_state.add_metric([state], links.get(state, 0))
        yield by_state
        since = GaugeMetricFamily("plansync_seconds_since_last_success",
                                  "Seconds since the group's last succeeded run (never: since it was "
                                  "connected).", labels=["group_id"])
        for group_id, connected_at, succeeded_at in last_success:
            moment = _utc(succeeded_at or connected_at)
            since.add_metric([group_id], max(0.0, (now - moment).total_seconds()))
        yield since
        by_status = GaugeMetricFamily("plansync_carrier_integrations", "Carrier integrations, by status.",
                                      labels=["status"])
        for status in sorted({*(s.value for s in Status), *integrations}):
            by_status.add_metric([status], integrations.get(status, 0))
        yield by_status
        yield GaugeMetricFamily("plansync_open_carrier_messages", "Carrier messages not resolved yet.",
                                value=messages)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
