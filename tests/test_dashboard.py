"""docs/dashboard.json names only metrics something exports and only events docs/events.md lists."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from dramatiq.middleware import prometheus as dramatiq_prometheus

from config.db import make_engine, make_session_factory
from config.metrics import REGISTRY
from config.migrate import upgrade_database
from tests.test_event_catalogue import EVENT_NAME, catalogued_events
from worker.service.metrics_reading import DatabaseGauges

DASHBOARD = Path(__file__).resolve().parents[1] / "docs" / "dashboard.json"
METRIC = re.compile(r"\b((?:plansync|dramatiq)_[a-z0-9_]+)\b")
EVENT_MATCHER = re.compile(r'\bevent\s*(?:=~|=)\s*"((?:[^"\\]|\\.)*)"')
DRAMATIQ_METRIC = re.compile(r'prom\.(Counter|Gauge|Histogram)\(\s*"([a-z_]+)"')
SAMPLE_SUFFIXES = {"counter": ("_total", "_created"), "gauge": ("",),
                   "histogram": ("_bucket", "_sum", "_count", "_created")}


def _samples(kind: str, name: str) -> set[str]:
    base = name.removesuffix("_total") if kind == "counter" else name
    return {base + suffix for suffix in SAMPLE_SUFFIXES[kind]}


@cache
def exported_samples() -> frozenset[str]:
    """Every sample name a scrape can hold: plansync's metrics, the database gauges, Dramatiq's middleware."""
    names = {sample for family in REGISTRY.collect() for sample in _samples(family.type, family.name)}
    names |= {sample for kind, name in DRAMATIQ_METRIC.findall(inspect.getsource(dramatiq_prometheus))
              for sample in _samples(kind.lower(), name)}
    return frozenset(names)


@pytest.fixture(scope="module")
def database_samples(tmp_path_factory: pytest.TempPathFactory) -> frozenset[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('dashboard') / 'plansync.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    try:
        gauges = DatabaseGauges(make_session_factory(engine))
        return frozenset(sample for family in gauges.collect()
                         for sample in _samples(family.type, family.name))
    finally:
        engine.dispose()


def targets(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(datasource type, query) of every panel target and templating query."""
    def walk(panels: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
        for panel in panels:
            for target in panel.get("targets", []):
                kind = (target.get("datasource") or panel.get("datasource") or {}).get("type", "")
                yield kind, target.get("expr", "")
            yield from walk(panel.get("panels", []))

    yield from walk(dashboard.get("panels", []))
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        text = query.get("query", "") if isinstance(query, dict) else str(query or "")
        yield variable.get("datasource", {}).get("type", ""), text


def named_events(expr: str) -> set[str]:
    """The event names of a LogQL query's `event=` / `event=~` matchers (regex escapes undone)."""
    names = set()
    for pattern in EVENT_MATCHER.findall(expr):
        for alternative in pattern.replace("\\\\", "\\").split("|"):
            names.add(alternative.replace("\\.", ".").strip("^$()"))
    return names


def problems(dashboard: dict[str, Any], exported: frozenset[str], events: set[str]) -> list[str]:
    found = []
    for kind, expr in targets(dashboard):
        if kind == "prometheus":
            metrics = METRIC.findall(expr)
            if not metrics:
                found.append(f"a Prometheus query names no plansync or dramatiq metric: {expr}")
            found += [f"metric {name} is exported by nothing (query: {expr})"
                      for name in metrics if name not in exported]
        elif kind == "loki":
            for name in sorted(named_events(expr)):
                if not EVENT_NAME.match(name) or name not in events:
                    found.append(f"event {name} is not in docs/events.md (query: {expr})")
        else:
            found.append(f"a query of no known datasource ({kind!r}): {expr}")
    return found


def load() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def test_the_dashboard_names_only_exported_metrics_and_catalogued_events(
        database_samples: frozenset[str]) -> None:
    found = problems(load(), exported_samples() | database_samples, catalogued_events())
    assert not found, "\n".join(found)


def test_the_dashboard_shows_every_plansync_metric_and_a_logs_panel(database_samples: frozenset[str]) -> None:
    dashboard = load()
    queried = {name for kind, expr in targets(dashboard) if kind == "prometheus"
               for name in METRIC.findall(expr)}
    families = {family.name for family in REGISTRY.collect()} | {
        name.removesuffix("_bucket") for name in database_samples}
    shown = {name.removesuffix("_total").removesuffix("_bucket") for name in queried}
    assert families <= shown, f"plansync metrics with no panel: {sorted(families - shown)}"
    assert any(panel["type"] == "logs" and panel["datasource"]["type"] == "loki"
               for panel in dashboard["panels"])
    assert any(named_events(expr) for kind, expr in targets(dashboard) if kind == "loki")


def test_the_check_finds_an_unknown_metric_and_an_unknown_event(database_samples: frozenset[str]) -> None:
    dashboard = {"panels": [
        {"type": "timeseries", "datasource": {"type": "prometheus"},
         "targets": [{"expr": "sum(rate(plansync_runs_total[5m]))"},
                     {"expr": "sum(rate(plansync_runz_total[5m]))"}]},
        {"type": "logs", "datasource": {"type": "loki"},
         "targets": [{"expr": '{app="plansync"} | json | event=~"sync\\\\.failed|sync\\\\.exploded"'}]},
    ]}
    found = problems(dashboard, exported_samples() | database_samples, catalogued_events())
    assert len(found) == 2
    assert "plansync_runz_total" in found[0] and "sync.exploded" in found[1]
