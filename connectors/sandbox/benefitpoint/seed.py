"""The sandbox's starting state, built from the demo world and the config catalogue."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from math import gcd

from connectors.sandbox.benefitpoint.catalog import Catalog
from connectors.sandbox.benefitpoint.codec import SERVER_TZ
from connectors.sandbox.benefitpoint.store import Record, Store
from connectors.sandbox.demo_world import EMPLOYERS, seed_plans
from reconciliation.plan import Plan, PlanStatus, Rates, RateStructure, Tier

OFFICES = {11: "Chicago Office", 12: "Denver Office"}
PRODUCT_STATUS = {PlanStatus.ACTIVE: "Current", PlanStatus.PENDING: "Pending",
                  PlanStatus.CANCELLED: "Cancelled", PlanStatus.EXPIRED: "Expired"}
RATE_TIERS = {Tier.EE: (1, "Employee Only"), Tier.ES: (2, "Employee + Spouse"),
              Tier.EC: (3, "Employee + Child(ren)"), Tier.FAM: (4, "Family")}
# Accounts only BenefitPoint knows: the search must find more than the connected groups.
_BENEFITPOINT_ONLY = (("Northwind Outfitters", True), ("Orchard Hill Winery", True),
                      ("Pioneer Trucking", False))


def seed_store(store: Store, *, seed: int = 0) -> Store:
    for index, employer in enumerate(EMPLOYERS):
        store.put("Account", "accountID", _account(employer.benefitpoint_account_id,
                                                   employer.name, index=index, active=True))
    for index, (name, active) in enumerate(_BENEFITPOINT_ONLY, start=len(EMPLOYERS)):
        store.put("Account", "accountID", _account(None, name, index=index, active=active))
    for carrier in store.catalog.carriers:
        store.carriers[carrier.id] = {"carrierID": carrier.id, "carrierName": carrier.name,
                                      "carrierAlias": carrier.alias}
    for employer in EMPLOYERS:
        account = store.accounts[employer.benefitpoint_account_id]
        for entry in seed_plans(employer, seed=seed):
            if entry.benefitpoint is not None:
                _add_plan(store, entry.benefitpoint, account=account)
    return store


def _account(account_id: int | None, name: str, *, index: int, active: bool) -> Record:
    office_id = 11 + index % 2
    return {"accountID": account_id, "accountName": name, "accountType": "Client", "active": active,
            "officeID": office_id, "officeName": OFFICES[office_id],
            "primarySalesLeadUserID": 5001 + index % 3, "primaryServiceLeadUserID": 6001 + index % 4}


def _add_plan(store: Store, plan: Plan, *, account: Record) -> None:
    product_type = store.catalog.product_type_for(coverage=plan.coverage.value, plan_type=plan.plan_type)
    product_id = store.put("Product", "productID", {
        "productID": None, "accountID": account["accountID"], "productTypeID": product_type.id,
        "productStatus": PRODUCT_STATUS[plan.status] if plan.status else "None_Selected",
        "name": plan.name, "carrierID": store.catalog.carrier_for(plan.carrier).id,
        "policyNumber": plan.group_number, "effectiveAsOf": _midnight(plan.effective_date),
        "renewalOn": _midnight(plan.renewal_date), "cancellationOn": None,
        "officeID": account["officeID"], "primarySalesLeadUserID": account["primarySalesLeadUserID"],
        "primaryServiceLeadUserID": account["primaryServiceLeadUserID"], "customFieldValues": [],
    })
    store.put("Benefit_Summary", "benefitSummaryID", _summary(plan, product_id=product_id,
                                                              catalog=store.catalog,
                                                              product_type_id=product_type.id))
    if plan.rates is not None:
        store.put("Rate", "rateID", _rate(plan.rates, product_id=product_id, plan=plan))


def _midnight(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day, tzinfo=SERVER_TZ) if day else None


def _text(value: Decimal | str) -> str:
    if isinstance(value, Decimal):
        return f"{value:f}" if value != value.to_integral_value() else f"{value.to_integral_value():f}"
    return value


def _summary(plan: Plan, *, product_id: int, catalog: Catalog, product_type_id: int) -> Record:
    values = [
        {"attributeID": attribute.attribute_id, "attributeVisibility": "Visible",
         "attributeValueDetails": [{"value": _text(plan.benefits[attribute.key]), "UOM": attribute.uom,
                                    "benefitColumnID": 1}]}
        for attribute in catalog.attributes_of(product_type_id)
        if plan.benefits.get(attribute.key) is not None
    ]
    return {"benefitSummaryID": None, "productID": product_id, "description": "Benefit Summary",
            "viewLevelID": 1, "attributeValues": values}


def _rate(rates: Rates, *, product_id: int, plan: Plan) -> Record:
    record: Record = {"rateID": None, "productID": product_id, "description": "Monthly Premium",
                      "rateTypeID": 1, "rateTypeTierID": len(rates.tiers) or None,
                      "effectiveAsOf": _midnight(plan.effective_date),
                      "expirationOn": _midnight(plan.renewal_date), "ageBanded": False,
                      "ageBandedStartOn": None, "ageBandedEndOn": None, "ageBandedInterval": None}
    if rates.structure is RateStructure.COMPOSITE:
        record["rateFieldValues"] = [
            {"rateField": "Premium", "valueNum": float(amount), "ageBandIndex": None,
             "rateTier": {"rateTierID": RATE_TIERS[tier][0], "description": RATE_TIERS[tier][1]}}
            for tier, amount in sorted(rates.tiers.items(), key=lambda item: RATE_TIERS[item[0]][0])
        ]
        return record
    first, last = rates.age_bands[0], rates.age_bands[-1]
    start = first.min_age
    # Uneven bands are stored at an interval every band starts on, one value per step (the contract).
    interval = last.min_age - start
    for band in rates.age_bands[:-1]:
        interval = gcd(interval, band.min_age - start, band.max_age + 1 - start)
    interval = interval or last.max_age + 1 - start
    record.update(rateTypeID=2, ageBanded=True, ageBandedStartOn=start, ageBandedEndOn=last.max_age,
                  ageBandedInterval=interval, rateFieldValues=[
                      {"rateField": "Premium", "valueNum": float(band.rate), "rateTier": None,
                       "ageBandIndex": index}
                      for band in rates.age_bands
                      for index in range((band.min_age - start) // interval,
                                         (band.max_age - start) // interval + 1)])
    return record
