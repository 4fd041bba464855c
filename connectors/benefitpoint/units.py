"""Benefits BenefitPoint holds as numbers (Dollars, Percent, Visits, Days): each must be one."""

from __future__ import annotations

from decimal import Decimal

from connectors.benefitpoint.catalogue import NUMERIC_UOMS, Attribute, ProductType
from connectors.benefitpoint.values import MappingError
from reconciliation.plan import Plan, PlanValueError, money

PERCENT = "Percent"
MAX_PERCENT = Decimal(100)


def amount_in_unit(raw: str | Decimal, attribute: Attribute) -> Decimal:
    """An amount of a Dollars, Percent, Visits or Days attribute, as BenefitPoint shows it (`$1,500`,
    `20%`) or as a number; MappingError naming the benefit and the value when it is none."""
    field = f"benefits.{attribute.key}"
    if isinstance(raw, Decimal):
        amount = raw
    else:
        cleaned = raw.replace("$", "").replace(",", "").replace("%", "").strip()
        try:
            amount = money(cleaned, field_name=field)
        except PlanValueError as error:
            raise MappingError(field, f"{str(error).removeprefix(f'{field}: ')} ({attribute.uom})") from None
    if attribute.uom == PERCENT and amount > MAX_PERCENT:
        shown = repr(raw) if isinstance(raw, str) else f"{raw:f}"
        raise MappingError(field, f"{shown} is more than {MAX_PERCENT} percent")
    return amount


def check_units(plan: Plan, product_type: ProductType) -> None:
    """Every benefit the product type holds as a number is one; checked before anything of the plan
    is written, since PerfectQuote's benefits are free text and only this table knows the units."""
    for attribute in product_type.attributes:
        value = plan.benefits.get(attribute.key)
        if value is not None and attribute.uom in NUMERIC_UOMS:
            amount_in_unit(value, attribute)
