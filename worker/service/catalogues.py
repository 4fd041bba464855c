"""An agency's BenefitPoint catalogue: discovered into a draft, applied (checked, stored whole), shown."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from config.logging import get_logger
from connectors.ports import CatalogueSource
from reconciliation.agency import Agency
from reconciliation.catalogue_draft import Draft, draft
from reconciliation.catalogue_file import read_mapping_file
from reconciliation.catalogue_mapping import CatalogueMapping
from reconciliation.storage import agencies as agency_store
from reconciliation.storage import catalogues as store
from reconciliation.storage.catalogues import AppliedCatalogue

log = get_logger(__name__)


class CatalogueError(ValueError):
    """A catalogue that cannot be applied as asked; the message says why and what to do."""


def discover(*, source: CatalogueSource, defaults: CatalogueMapping, agency: Agency,
             on_step: Callable[[int, int], None] | None = None) -> Draft:
    """The agency's instance read, and a draft of its mapping: exact matches of `defaults` filled in."""
    found = draft(source.discover_catalogue(on_step=on_step), defaults, agency=agency.name)
    log.info("catalogue.discovered", agency=agency.name, product_types=len(found.mapping.product_types),
             carriers=len(found.mapping.carriers), unmapped=found.mapping.unmapped_count)
    return found


def apply(*, sessions: sessionmaker[Session], source: CatalogueSource, agency: Agency, text: str,
          file_name: str) -> AppliedCatalogue:
    """Check the file against the instance as it is now, then store all of it or nothing.

    CatalogueFileError names each bad entry; the agency keeps the mapping it had.
    """
    mapping = read_mapping_file(text, source.discover_catalogue(), source=file_name)
    with sessions.begin() as session:
        applied = store.save_catalogue(session, agency.id, mapping)
    log.info("catalogue.applied", agency=agency.name, product_types=len(mapping.product_types),
             carriers=len(mapping.carriers), unmapped=mapping.unmapped_count)
    return applied


def applied_catalogue(*, sessions: sessionmaker[Session], agency: Agency) -> AppliedCatalogue | None:
    """The mapping applied to the agency; None for one never applied (or a database not migrated yet)."""
    with sessions() as session:
        if not agency_store.agencies_table_exists(session):
            return None
        return store.load_for(session, agency.id)
