"""A URL setting must name its scheme: refused at start, naming the variable, with no password shown."""

from __future__ import annotations

import pytest

from config.settings import SettingsError, load_settings, mask_url


@pytest.mark.parametrize(("name", "value", "hint"), [
    ("PERFECTQUOTE_URL", "localhost:8801", "write it as http://localhost:8801"),
    ("BENEFITPOINT_URL", "127.0.0.1:8802", "http:// or https://"),
    ("CARRIER_EXCHANGE_URL", "ftp://exchange.example.com", "http:// or https://"),
    ("PERFECTQUOTE_URL", "http://", "names no host"),
    ("DATABASE_URL", "localhost:5432/plansync", "postgresql://"),
    ("DATABASE_URL", "postgres://app:hunter2@db/plansync", "PostgreSQL is postgresql://"),
    ("DATABASE_URL", "mysql://app@db/plansync", "sqlite://"),
    ("REDIS_URL", "127.0.0.1:6379", "redis://"),
    ("REDIS_URL", "http://127.0.0.1:6379", "redis://"),
])
def test_a_url_without_a_known_scheme_is_refused_naming_it(name: str, value: str, hint: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({name: value})
    message = str(caught.value)
    assert message.startswith(f"{name}=") and hint in message
    assert "hunter2" not in message


@pytest.mark.parametrize(("name", "value"), [
    ("PERFECTQUOTE_URL", "https://pq.example.com/api/v1"),
    ("BENEFITPOINT_URL", "http://127.0.0.1:8802"),
    ("DATABASE_URL", "sqlite:///plansync.db"),
    ("DATABASE_URL", "postgresql://app:pw@db:5432/plansync"),
    ("DATABASE_URL", "postgresql+psycopg://app@db/plansync"),
    ("REDIS_URL", "redis://:pw@127.0.0.1:6379/0"),
    ("REDIS_URL", "rediss://cache.example.com:6380/0"),
])
def test_urls_with_their_scheme_are_taken(name: str, value: str) -> None:
    settings = load_settings({name: value})
    assert value in {settings.perfectquote_url, settings.benefitpoint_url, settings.database_url,
                     settings.redis_url}


def test_passwords_in_urls_are_masked() -> None:
    assert mask_url("postgresql://app:hunter2@db/plansync") == "postgresql://app:***@db/plansync"
    assert mask_url("redis://:hunter2@cache:6379/0") == "redis://:***@cache:6379/0"
    assert mask_url("http://user@host/x") == "http://user@host/x"
