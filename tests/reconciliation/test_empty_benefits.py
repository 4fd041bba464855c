"""A benefit with no value is the same content as no benefit: BenefitPoint stores nothing for it."""

from __future__ import annotations

from reconciliation.plan import Coverage, Plan
from reconciliation.plan_fields import content_hash, plan_to_fields


def test_a_benefit_without_a_value_is_the_same_content_as_no_benefit() -> None:
    plain = Plan(name="Bronze HDHP", coverage=Coverage.MEDICAL, carrier="AETNA",
                 benefits={"copays.primary_care": 20})
    with_empty = plain.with_changes(benefits={"copays.primary_care": 20, "copays.emergency_room": None,
                                              "rx.generic": "  "})
    assert with_empty == plain
    assert content_hash(with_empty) == content_hash(plain)
    assert plan_to_fields(with_empty) == plan_to_fields(plain)
