"""BenefitPoint's product types and benefit attributes, from the config data tables."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from reconciliation.plan import Coverage

UOMS = frozenset({"Dollars", "Percent", "Visits", "Days", "Text"})
NUMERIC_UOMS = UOMS - {"Text"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Attribute:
    key: str
    attribute_id: int
    uom: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductType:
    id: int
    description: str
    coverage: Coverage
    plan_type: str | None
    attributes: tuple[Attribute, ...]

    def attribute_for_key(self, key: str) -> Attribute | None:
        return next((a for a in self.attributes if a.key == key), None)


@dataclass(frozen=True, slots=True)
class Catalogue:
    product_types: tuple[ProductType, ...]
    # Types the instance lists and its mapping leaves out (id, description), and how to map them.
    unmapped: tuple[tuple[int, str], ...] = ()
    remedy: str = "add it to config/benefitpoint_product_types.toml"

    def by_id(self, product_type_id: int) -> ProductType | None:
        return next((t for t in self.product_types if t.id == product_type_id), None)

    def not_mapped(self, product_type_id: int) -> str:
        """Why a product of this type cannot be read: its id, its description when known, the fix."""
        description = dict(self.unmapped).get(product_type_id)
        named = f"product type {product_type_id}" + (f" ({description})" if description else "")
        return f"{named} is not mapped: {self.remedy}"

    def for_plan(self, coverage: Coverage, plan_type: str | None) -> ProductType | None:
        """The exact type; else the coverage's type without a plan type (its one generic type)."""
        exact = [t for t in self.product_types if t.coverage == coverage and t.plan_type == plan_type]
        if exact:
            return exact[0]
        generic = [t for t in self.product_types if t.coverage == coverage and t.plan_type is None]
        return generic[0] if generic else None


def _attributes(table: Any, family: str) -> tuple[Attribute, ...]:
    if not isinstance(table, dict):
        raise ValueError(f"benefitpoint_attributes.toml: there is no [{family}] table")
    attributes = []
    for key, entry in table.items():
        try:
            attribute = Attribute(key=key.strip().lower(), attribute_id=int(entry["attribute_id"]),
                                  uom=str(entry["uom"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"benefitpoint_attributes.toml: [{family}] {key!r} is malformed ({error})"
                             ) from None
        if attribute.uom not in UOMS:
            raise ValueError(f"benefitpoint_attributes.toml: [{family}] {key!r} has uom "
                             f"{attribute.uom!r}, not one of {', '.join(sorted(UOMS))}")
        attributes.append(attribute)
    if len({a.attribute_id for a in attributes}) != len(attributes):
        raise ValueError(f"benefitpoint_attributes.toml: [{family}] uses an attribute_id twice")
    return tuple(attributes)


def parse_catalogue(types_text: str, attributes_text: str) -> Catalogue:
    attribute_tables = tomllib.loads(attributes_text)
    types = []
    for index, entry in enumerate(tomllib.loads(types_text).get("product_type", [])):
        try:
            types.append(ProductType(
                id=int(entry["id"]), description=str(entry["description"]),
                coverage=Coverage(str(entry["coverage"]).lower()),
                plan_type=str(entry["plan_type"]).lower() if entry.get("plan_type") else None,
                attributes=_attributes(attribute_tables.get(entry["attributes"]), entry["attributes"]),
            ))
        except (KeyError, TypeError) as error:
            raise ValueError(f"benefitpoint_product_types.toml: product_type #{index + 1} is malformed "
                             f"({error})") from None
    if len({t.id for t in types}) != len(types):
        raise ValueError("benefitpoint_product_types.toml: a product type id appears twice")
    return Catalogue(tuple(types))


@cache
def load_catalogue() -> Catalogue:
    folder = resources.files("config")
    return parse_catalogue(folder.joinpath("benefitpoint_product_types.toml").read_text(),
                           folder.joinpath("benefitpoint_attributes.toml").read_text())
