"""An agency: one PerfectQuote tenant, one BenefitPoint instance and its carrier-exchange key."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from config.settings import Settings

DEFAULT_AGENCY = "default"
# Stored by the migration that gave every row an agency; the rows stored before it are this agency's.
DEFAULT_AGENCY_ID = 0
# The stored columns that hold Fernet tokens, never the secret itself.
SECRET_FIELDS = ("perfectquote_token", "benefitpoint_password", "carrier_exchange_api_key")


@dataclass(frozen=True, slots=True, kw_only=True)
class AgencyCredentials:
    """The decrypted secrets of an agency; its repr shows none of them."""

    perfectquote_token: str = field(repr=False)
    benefitpoint_password: str = field(repr=False)
    carrier_exchange_api_key: str = field(repr=False)

    def __repr__(self) -> str:
        return ", ".join(f"{name}=***" for name in SECRET_FIELDS).join(("AgencyCredentials(", ")"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Agency:
    """An agency ready to run; the default agency (id 0) is the one the environment's settings make."""

    id: int
    name: str
    perfectquote_url: str
    benefitpoint_url: str
    benefitpoint_username: str
    benefitpoint_link_field_id: int
    benefitpoint_rates_writable: bool
    carrier_exchange_url: str
    disabled: bool
    credentials: AgencyCredentials


@dataclass(frozen=True, slots=True, kw_only=True)
class AgencyListing:
    """What may be shown of an agency: its settings, and only whether each secret is set."""

    id: int | None
    name: str
    perfectquote_url: str | None
    benefitpoint_url: str | None
    benefitpoint_username: str | None
    benefitpoint_link_field_id: int | None
    benefitpoint_rates_writable: bool | None
    carrier_exchange_url: str | None
    secrets_set: frozenset[str]
    disabled_at: datetime | None
    created_at: datetime | None

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None

    def as_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {item.name: getattr(self, item.name) for item in fields(self)
                                 if item.name != "secrets_set"}
        for name in ("disabled_at", "created_at"):
            shown[name] = shown[name] and shown[name].isoformat()
        shown.update({name: "set" if name in self.secrets_set else "not set" for name in SECRET_FIELDS})
        shown["disabled"] = self.disabled
        return shown


def default_agency(settings: Settings, *, disabled: bool = False) -> Agency:
    """The agency the environment's settings make: the one agency until another is stored, as before
    agencies existed, and the owner of every row stored before them."""
    return Agency(
        id=DEFAULT_AGENCY_ID,
        name=DEFAULT_AGENCY,
        perfectquote_url=settings.perfectquote_url,
        benefitpoint_url=settings.benefitpoint_url,
        benefitpoint_username=settings.benefitpoint_username,
        benefitpoint_link_field_id=settings.benefitpoint_link_field_id,
        benefitpoint_rates_writable=settings.benefitpoint_rates_writable,
        carrier_exchange_url=settings.carrier_exchange_url,
        disabled=disabled,
        credentials=AgencyCredentials(perfectquote_token=settings.perfectquote_token,
                                      benefitpoint_password=settings.benefitpoint_password,
                                      carrier_exchange_api_key=settings.carrier_exchange_api_key),
    )


def listing_of(agency: Agency, *, disabled_at: datetime | None = None,
               created_at: datetime | None = None) -> AgencyListing:
    """How an agency ready to run is shown (the default agency's `show`)."""
    return AgencyListing(
        id=agency.id, name=agency.name, perfectquote_url=agency.perfectquote_url,
        benefitpoint_url=agency.benefitpoint_url, benefitpoint_username=agency.benefitpoint_username,
        benefitpoint_link_field_id=agency.benefitpoint_link_field_id,
        benefitpoint_rates_writable=agency.benefitpoint_rates_writable,
        carrier_exchange_url=agency.carrier_exchange_url,
        secrets_set=frozenset(name for name in SECRET_FIELDS if getattr(agency.credentials, name)),
        disabled_at=disabled_at, created_at=created_at,
    )
