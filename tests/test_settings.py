from __future__ import annotations

import pytest

from config.settings import SettingsError, load_settings
from worker.runtime.context import build_context


def test_defaults_are_the_embedded_setup() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite:///plansync.db"
    assert settings.redis_url is None
    assert settings.embedded


def test_servers_configured_is_not_embedded() -> None:
    settings = load_settings({"REDIS_URL": "redis://127.0.0.1:6379/0",
                              "DATABASE_URL": "postgresql://127.0.0.1/test"})
    assert not settings.embedded
    assert settings.redis_url == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("DATABASE_URL", "not a url", "DATABASE_URL"),
        ("BENEFITPOINT_RATES_WRITABLE", "maybe", "BENEFITPOINT_RATES_WRITABLE"),
        ("BENEFITPOINT_LINK_FIELD_ID", "abc", "BENEFITPOINT_LINK_FIELD_ID"),
        ("HTTP_TIMEOUT_S", "-1", "HTTP_TIMEOUT_S"),
        ("HTTP_MAX_RESPONSE_BYTES", "16MB", "HTTP_MAX_RESPONSE_BYTES"),
        ("FEED_CYCLE_S", "2", "FEED_CYCLE_S=2 must be between 5 and 3600"),
        ("FEED_CYCLE_S", "7200", "FEED_CYCLE_S=7200 must be between 5 and 3600"),
        ("HTTP_MAX_RESPONSE_BYTES", "0", "HTTP_MAX_RESPONSE_BYTES"),
        ("WORKER_POLL_MS", "5", "WORKER_POLL_MS=5 must be between 10 and 10000"),
        ("WORKER_POLL_MS", "fast", "WORKER_POLL_MS"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL"),
    ],
)
def test_a_malformed_setting_names_its_variable(name: str, value: str, complaint: str) -> None:
    with pytest.raises(SettingsError, match=complaint):
        load_settings({name: value})


def test_rates_writable_reads_false() -> None:
    assert load_settings({"BENEFITPOINT_RATES_WRITABLE": "false"}).benefitpoint_rates_writable is False


def test_the_response_size_limit_reaches_every_connector() -> None:
    settings = load_settings({"HTTP_MAX_RESPONSE_BYTES": "2048"})
    context = build_context(settings)
    try:
        assert settings.http_max_response_bytes == 2048
        assert context.perfectquote._client._max_response_bytes == 2048
        assert context.benefitpoint._client._session._max_response_bytes == 2048
        assert context.exchange._max_response_bytes == 2048
    finally:
        context.close()


def test_a_worker_polls_its_queue_every_200_ms_at_most_unless_set() -> None:
    assert load_settings({}).worker_poll_ms == 200
    assert load_settings({"WORKER_POLL_MS": "1000"}).worker_poll_ms == 1000


def test_the_feed_cycle_runs_every_minute_unless_set() -> None:
    assert load_settings({}).feed_cycle_s == 60
    assert load_settings({"FEED_CYCLE_S": "30"}).feed_cycle_s == 30
