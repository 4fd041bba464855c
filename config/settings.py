"""Every setting plansync reads from the environment, in one place."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlparse

T = TypeVar("T", int, float)

SANDBOX_PERFECTQUOTE_URL = "http://127.0.0.1:8801/api/v1"
SANDBOX_BENEFITPOINT_URL = "http://127.0.0.1:8802"
SANDBOX_EXCHANGE_URL = "http://127.0.0.1:8803"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    database_url: str = "sqlite:///plansync.db"
    redis_url: str | None = None
    perfectquote_url: str = SANDBOX_PERFECTQUOTE_URL
    perfectquote_token: str = "sandbox-token"
    benefitpoint_url: str = SANDBOX_BENEFITPOINT_URL
    benefitpoint_username: str = "sandbox"
    benefitpoint_password: str = "sandbox"
    benefitpoint_link_field_id: int = 9001
    benefitpoint_rates_writable: bool = True
    carrier_exchange_url: str = SANDBOX_EXCHANGE_URL
    carrier_exchange_api_key: str = "sandbox-key"
    http_timeout_s: float = 10.0
    http_max_response_bytes: int = 16 * 1024 * 1024
    retry_max_attempts: int = 5
    retry_max_total_s: float = 30.0
    retry_after_cap_s: float = 30.0
    feed_cycle_s: int = 60
    # The longest a worker's consumer sleeps between looks at its queue (`config.queue_polling`).
    worker_poll_ms: int = 200
    # Change-log rows of runs started longer ago than this are pruned, a run's rows all at once.
    change_log_retention_days: int = 365
    # Fair shares: at most this many group runs, and BenefitPoint calls in flight, per agency at once.
    agency_max_runs: int = 4
    agency_max_benefitpoint_calls: int = 4
    log_level: str = "info"

    @property
    def embedded(self) -> bool:
        """True when no servers are configured: in-process broker and a SQLite file."""
        return self.redis_url is None and self.database_url.startswith("sqlite")


HTTP_SCHEMES = ("http", "https")
DATABASE_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")
REDIS_SCHEMES = ("redis", "rediss", "unix")
_URL_PASSWORD = re.compile(r"(?P<head>//[^/@:]*:)[^/@]*@")


def mask_url(url: str) -> str:
    """The URL with the password of its user part masked: `postgresql://app:***@db/plansync`."""
    return _URL_PASSWORD.sub(r"\g<head>***@", url)


def _url(env: Mapping[str, str], name: str, default: str | None, *, schemes: tuple[str, ...]) -> str | None:
    """A URL of one of `schemes`: `localhost:8801` (read as scheme `localhost`) is refused, naming it."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    shown = mask_url(raw)
    expected = " or ".join(f"{scheme}://" for scheme in schemes)
    parsed = urlparse(raw.strip())
    if "://" not in raw or parsed.scheme.lower() not in schemes:
        hint = "; PostgreSQL is postgresql://" if parsed.scheme.lower() == "postgres" else ""
        if "://" not in raw and schemes == HTTP_SCHEMES:
            hint = f"; write it as http://{shown}"
        raise SettingsError(f"{name}={shown!r} is not a URL starting with {expected}{hint}")
    needs_host = parsed.scheme.lower() not in {"sqlite", "unix"}
    if not (parsed.netloc if needs_host else (parsed.netloc or parsed.path)):
        raise SettingsError(f"{name}={shown!r} names no {'host' if needs_host else 'file'} "
                            f"(expected {expected}...)")
    return raw.strip()


def _http_url(env: Mapping[str, str], name: str, default: str) -> str:
    return _url(env, name, default, schemes=HTTP_SCHEMES) or default


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean (expected true or false)")


def _number(env: Mapping[str, str], name: str, default: T, kind: type[T]) -> T:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a {kind.__name__}") from None
    if value <= 0:
        raise SettingsError(f"{name}={raw!r} must be greater than zero")
    return value


def _text(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name)
    return default if raw is None or raw == "" else raw


def _feed_cycle_s(env: Mapping[str, str]) -> int:
    # The daily full reconcile catches what feeds miss; a feed cycle slower than hourly breaks the promise.
    seconds = _number(env, "FEED_CYCLE_S", 60, int)
    if not 5 <= seconds <= 3600:
        raise SettingsError(f"FEED_CYCLE_S={seconds} must be between 5 and 3600 seconds")
    return seconds


def _worker_poll_ms(env: Mapping[str, str]) -> int:
    poll_ms = _number(env, "WORKER_POLL_MS", 200, int)
    if not 10 <= poll_ms <= 10_000:
        raise SettingsError(f"WORKER_POLL_MS={poll_ms} must be between 10 and 10000 milliseconds")
    return poll_ms


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from `env` (default: the process environment)."""
    env = os.environ if env is None else env
    level = _text(env, "LOG_LEVEL", "info").lower()
    if level not in {"debug", "info", "warning", "error"}:
        raise SettingsError(f"LOG_LEVEL={level!r} is not one of debug, info, warning, error")
    return Settings(
        database_url=_url(env, "DATABASE_URL", "sqlite:///plansync.db", schemes=DATABASE_SCHEMES) or "",
        redis_url=_url(env, "REDIS_URL", None, schemes=REDIS_SCHEMES),
        perfectquote_url=_http_url(env, "PERFECTQUOTE_URL", SANDBOX_PERFECTQUOTE_URL),
        perfectquote_token=_text(env, "PERFECTQUOTE_TOKEN", "sandbox-token"),
        benefitpoint_url=_http_url(env, "BENEFITPOINT_URL", SANDBOX_BENEFITPOINT_URL),
        benefitpoint_username=_text(env, "BENEFITPOINT_USERNAME", "sandbox"),
        benefitpoint_password=_text(env, "BENEFITPOINT_PASSWORD", "sandbox"),
        benefitpoint_link_field_id=_number(env, "BENEFITPOINT_LINK_FIELD_ID", 9001, int),
        benefitpoint_rates_writable=_bool(env, "BENEFITPOINT_RATES_WRITABLE", True),
        carrier_exchange_url=_http_url(env, "CARRIER_EXCHANGE_URL", SANDBOX_EXCHANGE_URL),
        carrier_exchange_api_key=_text(env, "CARRIER_EXCHANGE_API_KEY", "sandbox-key"),
        http_timeout_s=_number(env, "HTTP_TIMEOUT_S", 10.0, float),
        http_max_response_bytes=_number(env, "HTTP_MAX_RESPONSE_BYTES", 16 * 1024 * 1024, int),
        retry_max_attempts=_number(env, "RETRY_MAX_ATTEMPTS", 5, int),
        retry_max_total_s=_number(env, "RETRY_MAX_TOTAL_S", 30.0, float),
        retry_after_cap_s=_number(env, "RETRY_AFTER_CAP_S", 30.0, float),
        feed_cycle_s=_feed_cycle_s(env),
        worker_poll_ms=_worker_poll_ms(env),
        change_log_retention_days=_number(env, "CHANGE_LOG_RETENTION_DAYS", 365, int),
        agency_max_runs=_number(env, "AGENCY_MAX_RUNS", 4, int),
        agency_max_benefitpoint_calls=_number(env, "AGENCY_MAX_BENEFITPOINT_CALLS", 4, int),
        log_level=level,
    )
