"""The stored catalogue mapping: one per agency, replaced whole, refused for an agency not stored."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from reconciliation.catalogue_file import read_mapping_file
from reconciliation.storage.catalogues import load_for, save_catalogue
from reconciliation.storage.errors import RecordNotFound
from reconciliation.storage.tables import AgencyCatalogueRow, AgencyRow
from tests.reconciliation.test_catalogue_mapping import GOOD, LIVE


def test_saved_then_loaded_as_the_same_mapping(session: Session) -> None:
    agency = AgencyRow(name="acme")
    session.add(agency)
    session.flush()
    mapping = read_mapping_file(GOOD, LIVE)
    saved = save_catalogue(session, agency.id, mapping)
    session.commit()
    loaded = load_for(session, agency.id)
    assert loaded is not None and loaded.mapping == mapping and loaded.applied_at == saved.applied_at
    assert load_for(session, agency.id + 1) is None


def test_an_agency_not_stored_is_refused_naming_it(session: Session) -> None:
    with pytest.raises(RecordNotFound, match="no agency with id 42"):
        save_catalogue(session, 42, read_mapping_file(GOOD, LIVE))


def test_a_stored_mapping_that_is_not_readable_is_a_one_line_error(session: Session) -> None:
    agency = AgencyRow(name="acme")
    session.add(agency)
    session.flush()
    save_catalogue(session, agency.id, read_mapping_file(GOOD, LIVE))
    session.execute(update(AgencyCatalogueRow).values(mapping="{}"))
    with pytest.raises(ValueError, match="the stored catalogue mapping is not readable"):
        load_for(session, agency.id)
