"""An agency's BenefitPoint catalogue, as read and as mapped to coverages, benefit keys and carrier codes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from reconciliation.plan import Coverage

UOMS = ("Dollars", "Percent", "Visits", "Days", "Text")


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveAttribute:
    id: int
    description: str
    uom: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveProductType:
    id: int
    description: str
    line_of_coverage: str | None
    attributes: tuple[LiveAttribute, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveCarrier:
    id: int
    name: str
    alias: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveCatalogue:
    """What one BenefitPoint instance lists: its product types (each with its attributes), its carriers."""

    product_types: tuple[LiveProductType, ...]
    carriers: tuple[LiveCarrier, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class MappedAttribute:
    id: int
    description: str
    key: str
    uom: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MappedType:
    id: int
    description: str
    coverage: Coverage
    plan_type: str | None
    attributes: tuple[MappedAttribute, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class MappedCarrier:
    id: int
    name: str
    code: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Unmapped:
    """An id the instance lists and the mapping leaves out; `product_type_id` only for an attribute."""

    id: int
    description: str
    product_type_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogueMapping:
    product_types: tuple[MappedType, ...]
    carriers: tuple[MappedCarrier, ...]
    unmapped_types: tuple[Unmapped, ...] = ()
    unmapped_carriers: tuple[Unmapped, ...] = ()
    unmapped_attributes: tuple[Unmapped, ...] = ()

    @property
    def unmapped_count(self) -> int:
        return len(self.unmapped_types) + len(self.unmapped_carriers) + len(self.unmapped_attributes)


def normalized(description: str) -> str:
    """The form two descriptions are compared in: case and spaces do not count, anything else does."""
    return "".join(description.split()).casefold()


def _unmapped(item: Unmapped) -> dict[str, Any]:
    data: dict[str, Any] = {"id": item.id, "description": item.description}
    if item.product_type_id is not None:
        data["product_type_id"] = item.product_type_id
    return data


def to_json(mapping: CatalogueMapping) -> str:
    """The canonical JSON of a mapping: keys sorted, entries by id, no spaces (same mapping, same text)."""
    document = {
        "product_types": [
            {"id": t.id, "description": t.description, "coverage": t.coverage.value, "plan_type": t.plan_type,
             "attributes": [{"id": a.id, "description": a.description, "key": a.key, "uom": a.uom}
                            for a in sorted(t.attributes, key=lambda a: a.id)]}
            for t in sorted(mapping.product_types, key=lambda t: t.id)],
        "carriers": [{"id": c.id, "name": c.name, "code": c.code}
                     for c in sorted(mapping.carriers, key=lambda c: c.id)],
        "unmapped": {
            "product_types": [_unmapped(u) for u in sorted(mapping.unmapped_types, key=lambda u: u.id)],
            "carriers": [_unmapped(u) for u in sorted(mapping.unmapped_carriers, key=lambda u: u.id)],
            "attributes": [_unmapped(u) for u in sorted(mapping.unmapped_attributes,
                                                        key=lambda u: (u.product_type_id or 0, u.id))],
        },
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _mapped_type(data: dict[str, Any]) -> MappedType:
    attributes = tuple(MappedAttribute(id=int(a["id"]), description=str(a["description"]), key=str(a["key"]),
                                       uom=str(a["uom"])) for a in data["attributes"])
    return MappedType(id=int(data["id"]), description=str(data["description"]),
                      coverage=Coverage(data["coverage"]), plan_type=data["plan_type"], attributes=attributes)


def from_json(text: str) -> CatalogueMapping:
    """The mapping `to_json` wrote; ValueError (naming the stored mapping) when it is not one."""
    try:
        document = json.loads(text)
        unmapped = document.get("unmapped", {})
        return CatalogueMapping(
            product_types=tuple(_mapped_type(t) for t in document["product_types"]),
            carriers=tuple(MappedCarrier(id=int(c["id"]), name=str(c["name"]), code=str(c["code"]))
                           for c in document["carriers"]),
            unmapped_types=tuple(Unmapped(**u) for u in unmapped.get("product_types", [])),
            unmapped_carriers=tuple(Unmapped(**u) for u in unmapped.get("carriers", [])),
            unmapped_attributes=tuple(Unmapped(**u) for u in unmapped.get("attributes", [])),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"the stored catalogue mapping is not readable ({type(error).__name__}: {error})"
                         ) from None


def with_unmapped(mapping: CatalogueMapping, live: LiveCatalogue) -> CatalogueMapping:
    """`mapping` with every id `live` lists and it leaves out recorded as unmapped, with its description."""
    types = {t.id: t for t in mapping.product_types}
    carriers = {c.id for c in mapping.carriers}
    attributes = [
        Unmapped(id=a.id, description=a.description, product_type_id=t.id)
        for t in live.product_types if t.id in types
        for a in t.attributes if a.id not in {m.id for m in types[t.id].attributes}
    ]
    return CatalogueMapping(
        product_types=mapping.product_types, carriers=mapping.carriers,
        unmapped_types=tuple(Unmapped(id=t.id, description=t.description)
                             for t in live.product_types if t.id not in types),
        unmapped_carriers=tuple(Unmapped(id=c.id, description=c.name)
                                for c in live.carriers if c.id not in carriers),
        unmapped_attributes=tuple(attributes),
    )
