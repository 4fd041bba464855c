"""METRICS_PORT turns on Dramatiq's Prometheus middleware on the Redis broker, pointed at that port."""

from __future__ import annotations

from pathlib import Path

import fakeredis
import pytest
from dramatiq.middleware import prometheus as dramatiq_prometheus

from config.broker import make_broker
from config.metrics import MultiprocessValues, metrics_port
from config.settings import Settings, SettingsError


@pytest.fixture
def dramatiq_exposition(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("HTTP_PORT", "HTTP_HOST", "DB_PATH"):
        monkeypatch.setattr(dramatiq_prometheus, name, getattr(dramatiq_prometheus, name))
    for name in ("dramatiq_prom_port", "dramatiq_prom_host", "dramatiq_prom_db"):
        monkeypatch.setenv(name, "")  # what the test sets is undone
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))


def test_metrics_port_is_read_and_checked() -> None:
    assert metrics_port({}) is None
    assert metrics_port({"METRICS_PORT": "9191"}) == 9191
    with pytest.raises(SettingsError, match="METRICS_PORT"):
        metrics_port({"METRICS_PORT": "http"})


def test_with_metrics_port_the_redis_broker_exports_on_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                          dramatiq_exposition: None) -> None:
    monkeypatch.setenv("METRICS_PORT", "9377")
    broker = make_broker(Settings(redis_url="redis://127.0.0.1:6379/0"), namespace="metrics-test",
                         client=fakeredis.FakeRedis())
    kinds = {type(middleware) for middleware in broker.middleware}
    assert {dramatiq_prometheus.Prometheus, MultiprocessValues} <= kinds
    pointed = (dramatiq_prometheus.HTTP_PORT, dramatiq_prometheus.DB_PATH)
    assert pointed == (9377, str(tmp_path))


def test_without_metrics_port_no_exposition(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METRICS_PORT", raising=False)
    broker = make_broker(Settings(redis_url="redis://127.0.0.1:6379/0"), namespace="metrics-test",
                         client=fakeredis.FakeRedis())
    assert not any(isinstance(middleware, dramatiq_prometheus.Prometheus) for middleware in broker.middleware)
