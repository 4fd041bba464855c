"""The suspected-outage rule: more than half of a group's linked plans missing at once."""

from __future__ import annotations

import pytest

from reconciliation.reconcile import suspected_outage


@pytest.mark.parametrize(
    ("linked", "missing", "expected"),
    [(0, 0, False), (10, 0, False), (10, 5, False), (10, 6, True), (3, 2, True), (1, 1, True), (4, 2, False)],
)
def test_more_than_half_missing_is_a_suspected_outage(linked: int, missing: int, expected: bool) -> None:
    assert suspected_outage(linked=linked, missing=missing) is expected


@pytest.mark.parametrize(("linked", "missing"), [(-1, 0), (2, -1), (2, 3)])
def test_impossible_counts_are_refused(linked: int, missing: int) -> None:
    with pytest.raises(ValueError, match="suspected_outage"):
        suspected_outage(linked=linked, missing=missing)
