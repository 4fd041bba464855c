"""What the demo reads back to tell its story: new runs, their writes and conflicts, retries logged."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from carriers.storage import repository as carrier_repo
from reconciliation.records import Conflict, Run
from reconciliation.storage import repository as repo

RUNS_LOOKED_AT = 500


def runs_after(session: Session, run_id: int) -> list[Run]:
    """Finished runs with an id above `run_id`, oldest first."""
    recent = repo.recent_runs(session, limit=RUNS_LOOKED_AT)
    return sorted((run for run in recent if run.id > run_id and run.finished_at is not None),
                  key=lambda run: run.id)


def conflicts_of_run(session: Session, run_id: int) -> list[Conflict]:
    """Every conflict the run recorded: held ones, and those the source of truth decided ("applied")."""
    return repo.conflicts_of_run(session, run_id)


def logged_events(log_path: Path, event: str) -> list[dict[str, Any]]:
    """The structured log lines of one event in the demo's log file."""
    found = []
    with log_path.open(encoding="utf-8") as lines:
        for line in lines:
            if f'"{event}"' not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a plain line from Dramatiq's own logger (a traceback), not a structured event
            if isinstance(record, dict) and record.get("event") == event:
                found.append(record)
    return found


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    runs: dict[str, int]
    writes: int
    conflicts: int
    retries: int
    integrations: dict[str, str]
    transmissions: int
    messages_open: int
    messages_resolved: int


def summary(session: Session, *, log_path: Path) -> Summary:
    runs = repo.recent_runs(session, limit=RUNS_LOOKED_AT)
    integrations = carrier_repo.all_integrations(session)
    messages = carrier_repo.find_messages(session)
    sent = [row for i in integrations if i.id is not None
            for row in carrier_repo.find_transmissions(session, i.id) if row.state == "sent"]
    return Summary(
        runs=dict(Counter(run.outcome.value for run in runs)),
        writes=sum(len(repo.changes_for_run(session, run.id)) for run in runs),
        conflicts=sum(run.counts.conflicts for run in runs),
        retries=len(logged_events(log_path, "http.retry")),
        integrations={i.carrier_name: i.status.value for i in integrations},
        transmissions=len(sent),
        messages_open=sum(1 for message in messages if message.open),
        messages_resolved=sum(1 for message in messages if message.resolved_at is not None),
    )
