"""The entries of a catalogue mapping file, each checked against what its BenefitPoint lists."""

from __future__ import annotations

import re
from typing import Any

from reconciliation.catalogue_mapping import (
    UOMS,
    LiveCatalogue,
    LiveProductType,
    MappedAttribute,
    MappedCarrier,
    MappedType,
)
from reconciliation.plan import Coverage

TYPE_FIELDS = frozenset({"id", "description", "coverage", "plan_type", "attributes"})
ATTRIBUTE_FIELDS = frozenset({"id", "description", "key", "uom"})
CARRIER_FIELDS = frozenset({"id", "name", "code"})
KEY = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*")
CODE = re.compile(r"[A-Z0-9_-]+")
PLAN_TYPE = re.compile(r"[a-z0-9_-]+")


def entries_of(value: Any, where: str, problems: list[str]) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        problems.append(f"{where} must be a list of entries")
        return []
    return value


def _id(entry: dict[str, Any], what: str, index: int, problems: list[str]) -> int | None:
    raw = entry.get("id")
    if isinstance(raw, bool) or not isinstance(raw, int):
        problems.append(f"{what} #{index + 1}: id {raw!r} is not a whole number" if raw is not None
                        else f"{what} #{index + 1} has no id")
        return None
    return raw


def _unknown_fields(entry: dict[str, Any], allowed: frozenset[str], name: str, problems: list[str]) -> None:
    for field in sorted(set(entry) - allowed):
        problems.append(f"{name}: unknown field {field!r} (known: {', '.join(sorted(allowed))})")


def _text(entry: dict[str, Any], field: str) -> str:
    value = entry.get(field)
    return value.strip() if isinstance(value, str) else ""


class Checker:
    """Collects one problem per bad entry, naming it; what passes becomes the mapping."""

    def __init__(self, live: LiveCatalogue) -> None:
        self.live_types = {t.id: t for t in live.product_types}
        self.live_carriers = {c.id: c for c in live.carriers}
        self.problems: list[str] = []

    def carriers(self, entries: list[dict[str, Any]]) -> list[MappedCarrier]:
        mapped: list[MappedCarrier] = []
        codes: dict[str, int] = {}
        seen: set[int] = set()
        for index, entry in enumerate(entries):
            carrier_id = _id(entry, "carrier", index, self.problems)
            if carrier_id is None:
                continue
            live = self.live_carriers.get(carrier_id)
            name = f"carrier {carrier_id}" + (f" ({live.name})" if live else "")
            _unknown_fields(entry, CARRIER_FIELDS, name, self.problems)
            code = _text(entry, "code").upper()
            if live is None:
                self.problems.append(f"{name}: this BenefitPoint lists no carrier {carrier_id}")
            elif carrier_id in seen:
                self.problems.append(f"{name} appears twice")
            elif not code:
                self.problems.append(f"{name} has no PerfectQuote code (give it one, or leave it out)")
            elif not CODE.fullmatch(code):
                self.problems.append(f"{name}: code {code!r} is not a PerfectQuote code (A-Z, 0-9, _ -)")
            elif code in codes:
                self.problems.append(f"{name}: PerfectQuote code {code!r} is given to carrier {codes[code]} "
                                     "too")
            else:
                codes[code] = carrier_id
                mapped.append(MappedCarrier(id=carrier_id, name=live.name, code=code))
            seen.add(carrier_id)
        return mapped

    def product_types(self, entries: list[dict[str, Any]]) -> list[MappedType]:
        mapped: list[MappedType] = []
        seen: set[int] = set()
        canonical: dict[tuple[Coverage, str | None], int] = {}
        for index, entry in enumerate(entries):
            type_id = _id(entry, "product_type", index, self.problems)
            if type_id is None:
                continue
            live = self.live_types.get(type_id)
            name = f"product_type {type_id}" + (f" ({live.description})" if live else "")
            _unknown_fields(entry, TYPE_FIELDS, name, self.problems)
            if live is None:
                self.problems.append(f"{name}: this BenefitPoint lists no product type {type_id}")
                continue
            if type_id in seen:
                self.problems.append(f"{name} appears twice")
                continue
            seen.add(type_id)
            product_type = self._product_type(entry, live, name)
            if product_type is None:
                continue
            pair = (product_type.coverage, product_type.plan_type)
            if pair in canonical:
                shown = "/".join(part for part in (pair[0].value, pair[1]) if part)
                self.problems.append(f"{name} maps to {shown} as product_type {canonical[pair]} does "
                                     "(each coverage and plan type once: plansync writes a plan as one type)")
                continue
            canonical[pair] = type_id
            mapped.append(product_type)
        return mapped

    def _product_type(self, entry: dict[str, Any], live: LiveProductType, name: str) -> MappedType | None:
        coverage_text = _text(entry, "coverage").lower()
        plan_type = _text(entry, "plan_type").lower() or None
        listed = entries_of(entry.get("attributes"), f"{name}: attributes", self.problems)
        attributes = self._attributes(listed, live, name)
        try:
            coverage = Coverage(coverage_text)
        except ValueError:
            known = ", ".join(c.value for c in Coverage)
            self.problems.append(f"{name} has no coverage (one of {known})" if not coverage_text
                                 else f"{name}: coverage {coverage_text!r} is not one of {known}")
            return None
        if plan_type is not None and not PLAN_TYPE.fullmatch(plan_type):
            self.problems.append(f"{name}: plan_type {plan_type!r} is not a plan type (a-z, 0-9, _ -)")
            return None
        return MappedType(id=live.id, description=live.description, coverage=coverage, plan_type=plan_type,
                          attributes=tuple(attributes))

    def _attributes(self, entries: list[dict[str, Any]], live: LiveProductType,
                    owner: str) -> list[MappedAttribute]:
        structure = {a.id: a for a in live.attributes}
        mapped: list[MappedAttribute] = []
        keys: dict[str, int] = {}
        seen: set[int] = set()
        for index, entry in enumerate(entries):
            attribute_id = _id(entry, f"{owner}: attribute", index, self.problems)
            if attribute_id is None:
                continue
            known = structure.get(attribute_id)
            name = f"{owner}: attribute {attribute_id}" + (f" ({known.description})" if known else "")
            _unknown_fields(entry, ATTRIBUTE_FIELDS, name, self.problems)
            key = _text(entry, "key").lower()
            uom = _text(entry, "uom")
            if known is None:
                self.problems.append(f"{name} is not in the product type's benefit summary structure")
            elif attribute_id in seen:
                self.problems.append(f"{name} appears twice")
            elif not key:
                self.problems.append(f"{name} has no benefit key (give it one, or leave the attribute out)")
            elif not KEY.fullmatch(key):
                self.problems.append(f"{name}: key {key!r} is not a benefit key (a-z, 0-9, _ and dots)")
            elif key in keys:
                self.problems.append(f"{name}: benefit key {key!r} is mapped twice (attribute {keys[key]} "
                                     "too)")
            elif uom != known.uom:
                shown = f"uom {uom!r}" if uom else "no uom"
                self.problems.append(f"{name} has {shown}, but BenefitPoint holds it in {known.uom}")
            elif uom not in UOMS:
                self.problems.append(f"{name}: BenefitPoint holds it in {uom!r}, which is none of "
                                     f"{', '.join(UOMS)}: leave it out")
            else:
                keys[key] = attribute_id
                mapped.append(MappedAttribute(id=attribute_id, description=known.description, key=key,
                                              uom=uom))
            seen.add(attribute_id)
        return mapped
