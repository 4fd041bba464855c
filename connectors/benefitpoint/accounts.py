"""Accounts, carriers and product types as BenefitPoint lists them (for connecting a group)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.benefitpoint.values import boolean, integer, text
from connectors.benefitpoint.xmltree import Native


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountSummary:
    account_id: str
    name: str
    account_type: str | None = None
    active: bool | None = None
    office_name: str | None = None
    last_modified_on: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    account_id: str
    name: str | None
    active: bool | None
    office_id: int | None
    primary_sales_lead_user_id: int | None
    primary_service_lead_user_id: int | None
    native: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class CarrierSummary:
    carrier_id: int
    name: str
    alias: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductTypeSummary:
    product_type_id: int
    description: str
    line_of_coverage: str | None = None


def account_summary(record: Native) -> AccountSummary:
    where = "AccountSummary"
    return AccountSummary(
        account_id=str(integer(record, "accountID", where=where, required=True)),
        name=text(record, "accountName", where=where, required=True) or "",
        account_type=text(record, "accountType", where=where),
        active=boolean(record, "active", where=where),
        office_name=text(record, "officeName", where=where),
        last_modified_on=text(record, "lastModifiedOn", where=where),
    )


def account(record: Native) -> Account:
    where = "Account"
    return Account(
        account_id=str(integer(record, "accountID", where=where, required=True)),
        name=text(record, "accountName", where=where),
        active=boolean(record, "active", where=where),
        office_id=integer(record, "officeID", where=where),
        primary_sales_lead_user_id=integer(record, "primarySalesLeadUserID", where=where),
        primary_service_lead_user_id=integer(record, "primaryServiceLeadUserID", where=where),
        native=record,
    )


def carrier_summary(record: Native) -> CarrierSummary:
    where = "CarrierSummary"
    return CarrierSummary(carrier_id=integer(record, "carrierID", where=where, required=True) or 0,
                          name=text(record, "carrierName", where=where, required=True) or "",
                          alias=text(record, "carrierAlias", where=where))


def product_type_summary(record: Native) -> ProductTypeSummary:
    where = "ProductType"
    return ProductTypeSummary(
        product_type_id=integer(record, "productTypeID", where=where, required=True) or 0,
        description=text(record, "description", where=where, required=True) or "",
        line_of_coverage=text(record, "lineOfCoverage", where=where),
    )

