"""BenefitPoint's fixed catalogue from config: product types and benefit attributes per type."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


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

    @property
    def description(self) -> str:
        return " - ".join(part.replace("_", " ").title() for part in self.key.split("."))


@dataclass(frozen=True, slots=True)
class Catalog:
    product_types: tuple[ProductTypeEntry, ...]
    attribute_tables: dict[str, tuple[AttributeEntry, ...]]

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


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("config").joinpath(name).read_text())


@cache
def load_catalog() -> Catalog:
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
    return Catalog(types, tables)
