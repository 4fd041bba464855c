"""What an operator gives for an agency (name, URLs, secrets in clear), checked before it is stored."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlparse

from reconciliation.agency import DEFAULT_AGENCY, SECRET_FIELDS

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
URL_FIELDS = {"perfectquote_url": "PerfectQuote URL", "benefitpoint_url": "BenefitPoint URL",
              "carrier_exchange_url": "carrier exchange URL"}


class AgencyValueError(ValueError):
    """A malformed agency name or setting; the message names it and what is wrong."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AgencyChanges:
    """Settings to store for an agency, secrets in clear; None leaves a setting as it is."""

    perfectquote_url: str | None = None
    perfectquote_token: str | None = field(default=None, repr=False)
    benefitpoint_url: str | None = None
    benefitpoint_username: str | None = None
    benefitpoint_password: str | None = field(default=None, repr=False)
    benefitpoint_link_field_id: int | None = None
    benefitpoint_rates_writable: bool | None = None
    carrier_exchange_url: str | None = None
    carrier_exchange_api_key: str | None = field(default=None, repr=False)

    def given(self) -> dict[str, Any]:
        return {item.name: getattr(self, item.name) for item in fields(self)
                if getattr(self, item.name) is not None}


# What `add` needs; the exchange URL left out is the environment's CARRIER_EXCHANGE_URL.
REQUIRED = ("perfectquote_url", "perfectquote_token", "benefitpoint_url", "benefitpoint_username",
            "benefitpoint_password", "benefitpoint_link_field_id", "carrier_exchange_api_key")


def check_name(name: str) -> str:
    if name == DEFAULT_AGENCY:
        raise AgencyValueError(f"agency name {name!r} is kept for the agency the environment's settings make")
    if not NAME_PATTERN.match(name):
        raise AgencyValueError(f"agency name {name!r} is not 1-40 characters of a-z, 0-9 and -, "
                               "starting with a letter")
    return name


def check_url(value: str, *, label: str) -> str:
    """An http(s) URL with a host: `localhost:8801` (read as scheme `localhost`) is refused, naming it."""
    value = value.strip()
    parsed = urlparse(value)
    if "://" not in value or parsed.scheme.lower() not in {"http", "https"}:
        hint = f"; write it as http://{value}" if "://" not in value else ""
        raise AgencyValueError(f"the {label} {value!r} is not a URL starting with http:// or https://{hint}")
    if not parsed.netloc:
        raise AgencyValueError(f"the {label} {value!r} names no host")
    return value


def checked_changes(changes: AgencyChanges, *, complete: bool) -> dict[str, Any]:
    """The given settings, checked; `complete` (a new agency) wants every one of REQUIRED."""
    given = changes.given()
    missing = [name for name in REQUIRED if name not in given] if complete else []
    if missing:
        raise AgencyValueError(f"a new agency needs {', '.join(missing)}")
    if not given:
        raise AgencyValueError("nothing to change: give at least one setting")
    for name, label in URL_FIELDS.items():
        if name in given:
            given[name] = check_url(given[name], label=label)
    for name in (*SECRET_FIELDS, "benefitpoint_username"):
        if name in given and not given[name].strip():
            raise AgencyValueError(f"the {name.replace('_', ' ')} is empty")
    link_field_id = given.get("benefitpoint_link_field_id")
    if link_field_id is not None and link_field_id <= 0:
        raise AgencyValueError(f"the BenefitPoint link field id {link_field_id} must be greater than zero")
    return given


