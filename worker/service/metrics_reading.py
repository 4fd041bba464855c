"""The database's state as Prometheus gauges, read at every scrape (`config/metrics.py` exposes them).

Open conflicts, links by state, seconds since each group's last successful run (a group that never
succeeded counts from when it was connected), carrier integrations by status, open carrier messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from carriers.status import Status
from carriers.storage import repository as carrier_repo
from reconciliation.states import LinkState
from reconciliation.storage import agencies as agency_store
from reconciliation.storage import repository as repo
from reconciliation.storage.agency_scope import all_agencies, sessions_for


class DatabaseGauges(Collector):
    """A scrape-time collector: short read-only sessions per scrape, the totals over every agency and each
    group's age per agency (the same group id may be connected in two agencies)."""

    def __init__(self, sessions: sessionmaker[Session], *,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._sessions = sessions
        self._now = now

    def describe(self) -> list[Metric]:
        return []  # nothing is read when the collector is registered

    def collect(self) -> Iterator[Metric]:
        now = self._now()
        with all_agencies(self._sessions)() as session:
            conflicts = repo.open_conflict_count(session)
            links = repo.link_counts_by_state(session)
            integrations = carrier_repo.integration_counts_by_status(session)
            messages = carrier_repo.open_message_count(session)
            names = {row.id: row.name for row in agency_store.agency_rows(session)}
        last_success: dict[tuple[str, str], datetime] = {}
        for agency_id, name in names.items():
            with sessions_for(self._sessions, agency_id)() as session:
                last_success.update({(name, group_id): moment
                                     for group_id, moment in repo.last_success_by_group(session).items()})

        yield GaugeMetricFamily("plansync_open_conflicts", "Conflicts held for a person (status open).",
                                value=conflicts)
        by_state = GaugeMetricFamily("plansync_links", "Plan links, by state.", labels=["state"])
        for state in sorted({*(s.value for s in LinkState), *links}):
            by_state.add_metric([state], links.get(state, 0))
        yield by_state
        since = GaugeMetricFamily("plansync_seconds_since_last_success",
                                  "Seconds since the group's last succeeded run (never: since it was "
                                  "connected).", labels=["agency", "group_id"])
        for (agency, group_id), moment in sorted(last_success.items()):
            since.add_metric([agency, group_id], max(0.0, (now - _utc(moment)).total_seconds()))
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
