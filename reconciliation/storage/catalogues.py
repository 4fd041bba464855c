"""The catalogue mapping applied to each agency's BenefitPoint, stored as canonical JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.column_types import utcnow
from reconciliation.catalogue_mapping import CatalogueMapping, from_json, to_json
from reconciliation.storage.errors import RecordNotFound
from reconciliation.storage.tables import AgencyCatalogueRow, AgencyRow


@dataclass(frozen=True, slots=True, kw_only=True)
class AppliedCatalogue:
    agency_id: int
    mapping: CatalogueMapping
    applied_at: datetime


def save_catalogue(session: Session, agency_id: int, mapping: CatalogueMapping) -> AppliedCatalogue:
    """Store `mapping` as the agency's, replacing the one it had; RecordNotFound for an unknown agency."""
    if session.get(AgencyRow, agency_id) is None:
        raise RecordNotFound(f"no agency with id {agency_id}")
    row = session.get(AgencyCatalogueRow, agency_id) or AgencyCatalogueRow(agency_id=agency_id)
    row.mapping = to_json(mapping)
    row.applied_at = utcnow()
    session.add(row)
    session.flush()
    return AppliedCatalogue(agency_id=agency_id, mapping=mapping, applied_at=row.applied_at)


def load_for(session: Session, agency_id: int) -> AppliedCatalogue | None:
    """The agency's applied mapping; None when none was applied."""
    row = session.scalars(select(AgencyCatalogueRow).where(AgencyCatalogueRow.agency_id == agency_id)
                          ).one_or_none()
    if row is None:
        return None
    return AppliedCatalogue(agency_id=agency_id, mapping=from_json(row.mapping), applied_at=row.applied_at)
