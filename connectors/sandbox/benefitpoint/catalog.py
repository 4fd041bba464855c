"""An instance's catalogue: product types, benefit attributes per type, carriers; the default from config."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from config.crosswalk import load_crosswalk


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductTypeEntry:
    id: int
    description: str
    coverage: str
    plan_type: str | None
    attributes: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributeEntry:
    key: str
    attribute_id: int
    uom: str
    label: str = ""

    @property
    def description(self) -> str:
        """The instance's own label; the default instance derives one from the key."""
        return self.label or " - ".join(part.replace("_", " ").title() for part in self.key.split("."))


@dataclass(frozen=True, slots=True, kw_only=True)
class CarrierEntry:
    id: int
    name: str
    code: str
    alias: str | None


@dataclass(frozen=True, slots=True)
class Catalog:
    product_types: tuple[ProductTypeEntry, ...]
    attribute_tables: dict[str, tuple[AttributeEntry, ...]]
    carriers: tuple[CarrierEntry, ...] = ()

    def product_type(self, product_type_id: int) -> ProductTypeEntry | None:
        return next((entry for entry in self.product_types if entry.id == product_type_id), None)

    def attributes_of(self, product_type_id: int) -> tuple[AttributeEntry, ...]:
        entry = self.product_type(product_type_id)
        return self.attribute_tables.get(entry.attributes, ()) if entry else ()

    def product_type_for(self, *, coverage: str, plan_type: str | None) -> ProductTypeEntry:
        """The exact coverage + plan type, else the coverage's generic type."""
        for wanted in (plan_type, None):
            for entry in self.product_types:
                if entry.coverage == coverage and entry.plan_type == wanted:
                    return entry
        raise LookupError(f"no BenefitPoint product type for coverage {coverage!r}")

    def carrier_for(self, code: str) -> CarrierEntry:
        """The carrier a seeded plan's PerfectQuote code stands for, by this instance's id."""
        wanted = code.strip().upper()
        for entry in self.carriers:
            if entry.code == wanted:
                return entry
        raise LookupError(f"no BenefitPoint carrier for code {code!r}")


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("config").joinpath(name).read_text())


@cache
def load_catalog() -> Catalog:
    """The default instance: the shipped tables' ids and descriptions."""
    types = tuple(
        ProductTypeEntry(id=int(item["id"]), description=str(item["description"]),
                         coverage=str(item["coverage"]), plan_type=item.get("plan_type"),
                         attributes=str(item["attributes"]))
        for item in _read("benefitpoint_product_types.toml")["product_type"]
    )
    tables = {
        table: tuple(AttributeEntry(key=key, attribute_id=int(spec["attribute_id"]), uom=str(spec["uom"]))
                     for key, spec in entries.items())
        for table, entries in _read("benefitpoint_attributes.toml").items()
    }
    carriers = tuple(CarrierEntry(id=c.benefitpoint_id, name=c.name, code=c.code, alias=c.code)
                     for c in load_crosswalk().carriers)
    return Catalog(types, tables, carriers)
