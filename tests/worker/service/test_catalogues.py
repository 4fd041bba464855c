"""Applying a catalogue mapping: checked against the instance, stored whole or not at all, per agency."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy.orm import Session, sessionmaker

from config.settings import load_settings
from reconciliation.agency import Agency, default_agency
from reconciliation.catalogue_file import CatalogueFileError
from reconciliation.catalogue_mapping import LiveCatalogue, to_json
from reconciliation.storage.catalogues import AppliedCatalogue
from reconciliation.storage.tables import AgencyRow
from tests.reconciliation.test_catalogue_mapping import BAD, DEFAULTS, GOOD, LIVE
from worker.service import catalogues


class Instance:
    """A BenefitPoint that lists LIVE, counting how often it was asked."""

    def __init__(self) -> None:
        self.reads = 0

    def discover_catalogue(self, *, on_step: Callable[[int, int], None] | None = None) -> LiveCatalogue:
        self.reads += 1
        return LIVE


def _agency(sessions: sessionmaker[Session], name: str) -> Agency:
    with sessions.begin() as session:
        row = AgencyRow(name=name)
        session.add(row)
        session.flush()
        agency_id = row.id
    return replace(default_agency(load_settings({})), id=agency_id, name=name)


@pytest.fixture
def acme(sessions: sessionmaker[Session]) -> Agency:
    return _agency(sessions, "acme")


def _apply(sessions: sessionmaker[Session], agency: Agency, text: str) -> AppliedCatalogue:
    return catalogues.apply(sessions=sessions, source=Instance(), agency=agency, text=text,
                            file_name="acme.toml")


def test_a_good_file_is_stored_as_the_agency_s_catalogue(sessions: sessionmaker[Session],
                                                         acme: Agency) -> None:
    applied = _apply(sessions, acme, GOOD)
    stored = catalogues.applied_catalogue(sessions=sessions, agency=acme)
    assert stored is not None and stored.mapping == applied.mapping
    assert [c.code for c in stored.mapping.carriers] == ["AETNA", "BCBS"]
    assert [u.id for u in stored.mapping.unmapped_types] == [5102]


def test_applying_again_replaces_the_mapping_and_other_agencies_keep_theirs(
        sessions: sessionmaker[Session], acme: Agency) -> None:
    other = _agency(sessions, "other")
    _apply(sessions, other, GOOD)
    _apply(sessions, acme, GOOD)
    _apply(sessions, acme, GOOD.replace('code = "BCBS"', 'code = "ANTHEM"'))
    def codes(agency: Agency) -> list[str]:
        applied = catalogues.applied_catalogue(sessions=sessions, agency=agency)
        return [c.code for c in applied.mapping.carriers] if applied else []

    assert (codes(acme), codes(other)) == (["AETNA", "ANTHEM"], ["AETNA", "BCBS"])


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_file_stores_nothing(case: str, sessions: sessionmaker[Session], acme: Agency) -> None:
    before = _apply(sessions, acme, GOOD)
    (old, new), expected = BAD[case]
    with pytest.raises(CatalogueFileError, match="nothing was stored") as refused:
        _apply(sessions, acme, GOOD.replace(old, new))
    assert expected in str(refused.value)
    after = catalogues.applied_catalogue(sessions=sessions, agency=acme)
    assert after is not None
    assert (to_json(after.mapping), after.applied_at) == (to_json(before.mapping), before.applied_at)


def test_a_bad_first_file_leaves_the_agency_without_a_catalogue(sessions: sessionmaker[Session],
                                                                acme: Agency) -> None:
    with pytest.raises(CatalogueFileError):
        _apply(sessions, acme, GOOD.replace('code = "BCBS"', 'code = ""'))
    assert catalogues.applied_catalogue(sessions=sessions, agency=acme) is None


def test_the_default_agency_takes_a_catalogue_of_its_own_too(sessions: sessionmaker[Session]) -> None:
    """A single-agency deployment on the environment's settings meets a real BenefitPoint's ids as well."""
    source = Instance()
    default = default_agency(load_settings({}))
    assert catalogues.applied_catalogue(sessions=sessions, agency=default) is None
    catalogues.apply(sessions=sessions, source=source, agency=default, text=GOOD, file_name="default.toml")
    assert source.reads == 1
    applied = catalogues.applied_catalogue(sessions=sessions, agency=default)
    assert applied is not None and [c.code for c in applied.mapping.carriers] == ["AETNA", "BCBS"]


def test_discover_drafts_from_the_instance_and_the_defaults() -> None:
    found = catalogues.discover(source=Instance(), defaults=DEFAULTS, agency=replace(
        default_agency(load_settings({})), id=1, name="acme"))
    assert [t.id for t in found.mapping.product_types] == [5101]
    assert "plansync catalogue apply --agency acme" in found.text
