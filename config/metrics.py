"""plansync's Prometheus metrics: the metric objects every layer counts into, and how they are exposed.

Counters and histograms move where things happen (a run's end, a confirmed write, an HTTP request,
a feed cycle); the state of the database (open conflicts, links by state, ...) is read at scrape
time by a collector that the process serving `/metrics` registers (`register_scrape_collector`).

Several worker processes share their values through prometheus-client's multiprocess mode, as
Dramatiq's Prometheus middleware does: each process writes its values to files under
`PROMETHEUS_MULTIPROC_DIR`, and Dramatiq's exposition server (a process of its own) sums them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

import dramatiq
from dramatiq.middleware import Middleware
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
    values,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from config.settings import SettingsError

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REGISTRY = CollectorRegistry(auto_describe=True)

RUNS = Counter("plansync_runs", "Group runs ended, by outcome.", ["outcome"], registry=REGISTRY)
WRITES = Counter("plansync_writes", "Confirmed plan writes, by system and kind (create, update).",
                 ["system", "kind"], registry=REGISTRY)
API_REQUESTS = Counter("plansync_api_requests",
                       "HTTP requests to the outside systems, by system, operation and status "
                       "(the HTTP status, or timeout / connection_error).",
                       ["system", "operation", "status"], registry=REGISTRY)
API_LATENCY = Histogram("plansync_api_request_duration_seconds",
                        "Time from sending a request to its answer read whole, by system and operation.",
                        ["system", "operation"], registry=REGISTRY,
                        buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0))
FEED_LAG = Gauge("plansync_feed_lag_seconds",
                 "Seconds between the end of the last feed cycle and its new watermark's time, by system.",
                 ["system"], registry=REGISTRY, multiprocess_mode="mostrecent")


def metrics_port(env: Mapping[str, str] | None = None) -> int | None:
    """METRICS_PORT: where a worker's exposition server (Dramatiq's) listens; unset: no server."""
    env = os.environ if env is None else env
    raw = env.get("METRICS_PORT", "").strip()
    if raw == "":
        return None
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SettingsError(f"METRICS_PORT={raw!r} is not a port number (1 to 65535)")
    return int(raw)


def metrics_host(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get("METRICS_HOST") or "0.0.0.0"


def use_multiprocess_dir(path: str) -> None:
    """Values of metrics labelled from now on go to files under `path` (the multiprocess mode).

    prometheus-client reads PROMETHEUS_MULTIPROC_DIR once, at import; a worker process learns it at
    boot (Dramatiq's middleware sets it), so the value class is chosen again here.
    """
    os.makedirs(path, exist_ok=True)
    os.environ[MULTIPROC_ENV] = path
    values.ValueClass = values.get_value_class()


class _Delegate(Collector):
    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterable[Metric]:
        return self._registry.collect()


# What a scrape of this process answers: its own metrics and the scrape-time collectors.
SCRAPE = CollectorRegistry(auto_describe=False)
SCRAPE.register(_Delegate(REGISTRY))
_scrape_collectors: list[Collector] = []


def register_scrape_collector(collector: Collector) -> None:
    """A collector read at every scrape of this process (the database gauges); registered once."""
    if collector not in _scrape_collectors:
        _scrape_collectors.append(collector)
        SCRAPE.register(collector)


def unregister_scrape_collector(collector: Collector) -> None:
    if collector in _scrape_collectors:
        _scrape_collectors.remove(collector)
        SCRAPE.unregister(collector)


def exposition() -> bytes:
    """The text a scrape of this process answers (the console's `/metrics`)."""
    return generate_latest(SCRAPE)


def serve_exposition(env: Mapping[str, str] | None = None) -> bool:
    """This process's metrics on METRICS_PORT in a background thread (the embedded worker); False: unset."""
    port = metrics_port(env)
    if port is None:
        return False
    start_http_server(port, addr=metrics_host(env), registry=SCRAPE)
    return True


class MultiprocessValues(Middleware):
    """After Dramatiq's Prometheus middleware set PROMETHEUS_MULTIPROC_DIR in a booting worker process,
    plansync's metrics write there too, so its exposition server sums every process's values."""

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        path = os.environ.get(MULTIPROC_ENV)
        if path:
            use_multiprocess_dir(path)


def point_dramatiq_exposition(env: Mapping[str, str] | None = None, *, clear: bool = False) -> str:
    """Dramatiq's exposition server on METRICS_PORT (and METRICS_HOST), reading the multiprocess files
    from PROMETHEUS_MULTIPROC_DIR when it is set, else from Dramatiq's own directory; returns that directory.

    Dramatiq reads its settings from the environment at import, and its server runs in a process forked
    from the one that calls this: both the environment and the loaded module are pointed. `clear` removes
    the value files a previous start left (the worker's main process, before any worker process starts).
    """
    from dramatiq.middleware import prometheus as dramatiq_prometheus

    env = os.environ if env is None else env
    port, host = metrics_port(env) or dramatiq_prometheus.HTTP_PORT, metrics_host(env)
    path = env.get(MULTIPROC_ENV) or dramatiq_prometheus.DB_PATH
    os.makedirs(path, exist_ok=True)
    if clear:
        for name in os.listdir(path):
            if name.endswith(".db"):
                os.remove(os.path.join(path, name))
    os.environ.update({"dramatiq_prom_port": str(port), "dramatiq_prom_host": host, "dramatiq_prom_db": path})
    dramatiq_prometheus.HTTP_PORT = port
    dramatiq_prometheus.HTTP_HOST = host
    dramatiq_prometheus.DB_PATH = path
    return path
