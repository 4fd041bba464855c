"""The instances the sandbox can be: the default one, and a second with its own ids and descriptions.

A real second agency's BenefitPoint numbers and words its catalogue its own way; the second instance
does so too, some descriptions differing from the default's only in case and spaces, some not at all.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from connectors.sandbox.benefitpoint.catalog import AttributeEntry, CarrierEntry, Catalog, load_catalog

INSTANCES = ("default", "second")
# Default product type id -> the second instance's id and description.
_SECOND_TYPES = {
    1: (5101, "Medical PPO"), 2: (5102, "MEDICAL - HMO"), 3: (5103, "Medical -  HDHP"),
    4: (5104, "Medical - EPO"), 5: (5105, "Medical - POS"), 6: (5106, "medical - indemnity"),
    7: (5107, "Medical"), 10: (5201, "dental"), 20: (5301, "Vision Plan"), 30: (5401, "Group Life"),
    31: (5402, "AD&D"), 40: (5501, "Short Term Disability"), 41: (5502, "Long-Term Disability"),
    99: (5901, "Other"),
}
_ATTRIBUTE_ID_OFFSET = 60000
_SECOND_LABELS = {
    "deductible.individual": "Deductible (Individual)", "deductible.family": "deductible - family",
    "copays.primary_care": "Primary Care Copay", "rx.generic": "RX - GENERIC",
    "annual_max": "Annual Maximum", "exam": "Eye Exam", "benefit_amount": "Benefit  Amount",
}
# Default carrier code -> the second instance's id and name.
_SECOND_CARRIERS = {
    "AETNA": (7101, "AETNA"), "BCBS": (7102, "Anthem Blue Cross"), "CIGNA": (7103, "cigna"),
    "UHC": (7104, "United Healthcare"), "KAISER": (7105, "Kaiser Foundation Health Plan"),
    "DELTA": (7201, "Delta Dental"), "GUARDIAN": (7202, "The Guardian Life Insurance Company"),
    "VSP": (7301, "VSP Vision Care"), "EYEMED": (7302, "EyeMed"), "METLIFE": (7401, "MetLife"),
    "PRINCIPAL": (7402, "Principal Financial Group"),
}
# What only the second instance lists: no default names them.
_EXTRA_CARRIER = CarrierEntry(id=7999, name="Humana", code="HUMANA", alias=None)


def _second_attribute(entry: AttributeEntry) -> AttributeEntry:
    return replace(entry, attribute_id=entry.attribute_id + _ATTRIBUTE_ID_OFFSET,
                   label=_SECOND_LABELS.get(entry.key, ""))


def second_catalog(default: Catalog) -> Catalog:
    types = tuple(replace(entry, id=_SECOND_TYPES[entry.id][0], description=_SECOND_TYPES[entry.id][1])
                  for entry in default.product_types)
    tables = {name: tuple(_second_attribute(entry) for entry in entries)
              for name, entries in default.attribute_tables.items()}
    carriers = tuple(CarrierEntry(id=_SECOND_CARRIERS[c.code][0], name=_SECOND_CARRIERS[c.code][1],
                                  code=c.code, alias=None) for c in default.carriers)
    return Catalog(types, tables, (*carriers, _EXTRA_CARRIER))


@cache
def catalog_for(instance: str) -> Catalog:
    """The catalogue of `instance` (one of INSTANCES); ValueError naming it otherwise."""
    if instance not in INSTANCES:
        raise ValueError(f"BenefitPoint instance {instance!r} is not one of {', '.join(INSTANCES)}")
    return load_catalog() if instance == "default" else second_catalog(load_catalog())
