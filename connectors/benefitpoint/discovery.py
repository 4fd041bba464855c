"""An instance's own catalogue: getProductTypes, getAvailableCarriers, getBenefitSummaryStructure."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from connectors.benefitpoint.accounts import carrier_summary, product_type_summary
from connectors.benefitpoint.client import BrokerConnectClient
from connectors.benefitpoint.soap import SYSTEM
from connectors.benefitpoint.values import MappingError, integer, text
from connectors.benefitpoint.xmltree import Native
from connectors.errors import BadResponse
from reconciliation.catalogue_mapping import LiveAttribute, LiveCarrier, LiveCatalogue, LiveProductType

T = TypeVar("T")
STRUCTURE = "getBenefitSummaryStructure"


def _read(convert: Callable[[Native], T], record: Native, operation: str) -> T:
    try:
        return convert(record)
    except MappingError as error:
        raise BadResponse(system=SYSTEM, operation=operation, field=error.field, message=str(error)) from None


def attribute(record: Native) -> LiveAttribute:
    where = "BenefitAttribute"
    return LiveAttribute(id=integer(record, "attributeID", where=where, required=True) or 0,
                         description=text(record, "description", where=where) or "",
                         uom=text(record, "UOM", where=where) or "Text")


def discover(client: BrokerConnectClient, *,
             on_step: Callable[[int, int], None] | None = None) -> LiveCatalogue:
    """Every product type with its benefit-summary attributes, and every carrier, by the instance's ids.

    `on_step(done, total)` after each product type's structure: one call each, the long part.
    """
    types = []
    records = client.get_product_types()
    for done, record in enumerate(records, start=1):
        summary = _read(product_type_summary, record, "getProductTypes")
        structure = client.get_benefit_summary_structure(summary.product_type_id)
        types.append(LiveProductType(
            id=summary.product_type_id, description=summary.description,
            line_of_coverage=summary.line_of_coverage,
            attributes=tuple(_read(attribute, item, STRUCTURE) for item in structure)))
        if on_step is not None:
            on_step(done, len(records))
    carriers = [_read(carrier_summary, record, "getAvailableCarriers")
                for record in client.get_available_carriers()]
    return LiveCatalogue(product_types=tuple(types), carriers=tuple(
        LiveCarrier(id=c.carrier_id, name=c.name, alias=c.alias) for c in carriers))
