"""A mapping draft of a discovered catalogue: what the defaults name exactly filled in, the rest listed."""

from __future__ import annotations

import json
from dataclasses import dataclass

from reconciliation.catalogue_mapping import (
    CatalogueMapping,
    LiveAttribute,
    LiveCatalogue,
    LiveProductType,
    MappedAttribute,
    MappedCarrier,
    MappedType,
    Unmapped,
    normalized,
    with_unmapped,
)

UNMAPPED = "# unmapped: "


@dataclass(frozen=True, slots=True, kw_only=True)
class Draft:
    mapping: CatalogueMapping
    text: str


def _quoted(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL is the one TOML wants escaped and JSON not)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007F")


def _match_types(live: LiveCatalogue, defaults: CatalogueMapping) -> dict[int, MappedType]:
    """Live type id -> the default type whose description is the same; a default is given out once."""
    by_description = {normalized(t.description): t for t in defaults.product_types}
    matched: dict[int, MappedType] = {}
    taken: set[int] = set()
    for product_type in live.product_types:
        default = by_description.get(normalized(product_type.description))
        if default is not None and default.id not in taken:
            matched[product_type.id] = default
            taken.add(default.id)
    return matched


def _match_attributes(attributes: tuple[LiveAttribute, ...], default: MappedType) -> list[MappedAttribute]:
    """Same description and same unit, each default key once; anything less stays for the operator."""
    by_description = {normalized(a.description): a for a in default.attributes}
    mapped: list[MappedAttribute] = []
    keys: set[str] = set()
    for attribute in attributes:
        found = by_description.get(normalized(attribute.description))
        if found is not None and found.uom == attribute.uom and found.key not in keys:
            mapped.append(MappedAttribute(id=attribute.id, description=attribute.description, key=found.key,
                                          uom=attribute.uom))
            keys.add(found.key)
    return mapped


def _match_carriers(live: LiveCatalogue, defaults: CatalogueMapping) -> list[MappedCarrier]:
    by_name = {normalized(c.name): c for c in defaults.carriers}
    mapped: list[MappedCarrier] = []
    codes: set[str] = set()
    for carrier in live.carriers:
        found = by_name.get(normalized(carrier.name))
        if found is not None and found.code not in codes:
            mapped.append(MappedCarrier(id=carrier.id, name=carrier.name, code=found.code))
            codes.add(found.code)
    return mapped


def matched_mapping(live: LiveCatalogue, defaults: CatalogueMapping) -> CatalogueMapping:
    """Exact matches only (case and spaces aside): never a guess."""
    types = []
    matched = _match_types(live, defaults)
    for product_type in live.product_types:
        default = matched.get(product_type.id)
        if default is not None:
            types.append(MappedType(id=product_type.id, description=product_type.description,
                                    coverage=default.coverage, plan_type=default.plan_type,
                                    attributes=tuple(_match_attributes(product_type.attributes, default))))
    mapping = CatalogueMapping(product_types=tuple(types), carriers=tuple(_match_carriers(live, defaults)))
    return with_unmapped(mapping, live)


def _attribute_line(attribute: LiveAttribute, mapped: MappedAttribute | None, *, commented: bool) -> str:
    key = mapped.key if mapped else ""
    line = (f"{{ id = {attribute.id}, key = {_quoted(key)}, uom = {_quoted(attribute.uom)}, "
            f"description = {_quoted(attribute.description)} }},")
    return f"#   {line}" if commented or mapped is None else f"    {line}"


def _type_block(live: LiveProductType, mapped: MappedType | None) -> list[str]:
    attributes = {a.id: a for a in mapped.attributes} if mapped else {}
    prefix = "" if mapped else "# "
    lines = [f"{UNMAPPED}product type {live.id} ({live.description}): give it a coverage (and a plan type), "
             "uncomment it"] if mapped is None else []
    lines += [f"{prefix}[[product_type]]", f"{prefix}id = {live.id}",
              f"{prefix}description = {_quoted(live.description)}",
              f"{prefix}coverage = {_quoted(mapped.coverage.value if mapped else '')}",
              f"{prefix}plan_type = {_quoted((mapped.plan_type or '') if mapped else '')}",
              f"{prefix}attributes = ["]
    if mapped is not None and len(attributes) < len(live.attributes):
        lines.append(f"{UNMAPPED}the commented attributes: give each a benefit key, uncomment it")
    lines += [_attribute_line(a, attributes.get(a.id), commented=mapped is None) for a in live.attributes]
    lines += [f"{prefix}]", ""]
    return lines


def _carrier_lines(live: LiveCatalogue, mapping: CatalogueMapping) -> list[str]:
    codes = {c.id: c.code for c in mapping.carriers}
    lines = ["carriers = ["]
    if mapping.unmapped_carriers:
        lines.append(f"  {UNMAPPED}the commented carriers: give each its PerfectQuote code, uncomment it")
    for carrier in live.carriers:
        code = codes.get(carrier.id)
        entry = f"{{ id = {carrier.id}, name = {_quoted(carrier.name)}, code = {_quoted(code or '')} }},"
        lines.append(f"  {entry}" if code else f"#  {entry}")
    return [*lines, "]", ""]


def draft(live: LiveCatalogue, defaults: CatalogueMapping, *, agency: str) -> Draft:
    """The TOML draft for `plansync catalogue apply`: every id the instance lists, the unmapped commented."""
    mapping = matched_mapping(live, defaults)
    types = {t.id: t for t in mapping.product_types}
    unmapped = mapping.unmapped_count
    header = [
        f"# The BenefitPoint catalogue of agency {agency}, mapped to plansync's coverages, benefit keys and",
        "# PerfectQuote carrier codes. Filled in: what the shipped defaults name exactly (case and spaces",
        f"# aside). {unmapped} entr{'y is' if unmapped == 1 else 'ies are'} left commented for you: complete "
        "and uncomment",
        "# the ones plans use; one left commented stays unmapped, and a plan of it is an error naming it.",
        f"# Then: plansync catalogue apply --agency {agency} THIS_FILE",
        "",
    ]
    body = _carrier_lines(live, mapping)
    for product_type in live.product_types:
        body += _type_block(product_type, types.get(product_type.id))
    return Draft(mapping=mapping, text="\n".join(header + body))


def unmapped_lines(mapping: CatalogueMapping) -> list[str]:
    """One line per unmapped id, for a person: what it is, its id and its description."""
    def line(kind: str, item: Unmapped) -> str:
        owner = f" of product type {item.product_type_id}" if item.product_type_id is not None else ""
        return f"{kind} {item.id}{owner}: {item.description}"

    return ([line("product type", u) for u in mapping.unmapped_types]
            + [line("carrier", u) for u in mapping.unmapped_carriers]
            + [line("attribute", u) for u in mapping.unmapped_attributes])
