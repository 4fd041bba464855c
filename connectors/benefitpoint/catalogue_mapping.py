"""A catalogue mapping as the connector's tables (Catalogue, Crosswalk); the shipped tables as one."""

from __future__ import annotations

from functools import cache

from config.crosswalk import Carrier, Crosswalk, load_crosswalk
from connectors.benefitpoint.catalogue import Attribute, Catalogue, ProductType, load_catalogue
from reconciliation.catalogue_mapping import CatalogueMapping, MappedAttribute, MappedCarrier, MappedType


def remedy_for(agency: str) -> str:
    """The commands that map what an agency's catalogue leaves out."""
    return (f"map it in agency {agency}'s catalogue (plansync catalogue discover --agency {agency} "
            f"--out FILE, complete FILE, then plansync catalogue apply --agency {agency} FILE)")


def tables_of(mapping: CatalogueMapping, *, agency: str) -> tuple[Catalogue, Crosswalk]:
    """The Catalogue and Crosswalk a BenefitPointConnector of `agency` reads and writes plans with."""
    remedy = remedy_for(agency)
    catalogue = Catalogue(
        tuple(ProductType(id=t.id, description=t.description, coverage=t.coverage, plan_type=t.plan_type,
                          attributes=tuple(Attribute(key=a.key, attribute_id=a.id, uom=a.uom)
                                           for a in t.attributes))
              for t in mapping.product_types),
        unmapped=tuple((u.id, u.description) for u in mapping.unmapped_types),
        remedy=remedy,
    )
    carriers = tuple(Carrier(code=c.code, name=c.name, benefitpoint_id=c.id) for c in mapping.carriers)
    crosswalk = Crosswalk(carriers, unmapped=tuple((u.id, u.description) for u in mapping.unmapped_carriers),
                          remedy=remedy)
    return catalogue, crosswalk


def default_description(key: str) -> str:
    """An attribute's description in the shipped defaults (`copays.primary_care` -> `Copays - Primary Care`):
    the tables name keys only, and the sandbox's default instance describes its attributes so."""
    return " - ".join(part.replace("_", " ").title() for part in key.split("."))


@cache
def default_mapping() -> CatalogueMapping:
    """The shipped tables (config/*.toml) as a mapping: what discovery matches descriptions against."""
    return CatalogueMapping(
        product_types=tuple(
            MappedType(id=t.id, description=t.description, coverage=t.coverage, plan_type=t.plan_type,
                       attributes=tuple(MappedAttribute(id=a.attribute_id, key=a.key, uom=a.uom,
                                                        description=default_description(a.key))
                                        for a in t.attributes))
            for t in load_catalogue().product_types),
        carriers=tuple(MappedCarrier(id=c.benefitpoint_id, name=c.name, code=c.code)
                       for c in load_crosswalk().carriers),
    )
