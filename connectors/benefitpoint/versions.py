"""Versions of a BenefitPoint plan's parts: each record's `lastModifiedOn`, read as the feed's is."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.benefitpoint.xmltree import Native
from connectors.ports import EntityKey

# The parts of a plan, as findChanges names their entities, and the field of each record's id.
PARTS = (("Product", "productID"), ("Benefit_Summary", "benefitSummaryID"), ("Rate", "rateID"))


def version_text(value: Any) -> str | None:
    """A `lastModifiedOn` as one text whatever its offset or precision, so the feed's and a record's agree."""
    if value is None or str(value).strip() == "":
        return None
    raw = str(value).strip()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def moved(held: Mapping[str, Any] | None, fresh: Mapping[str, Any] | None) -> bool:
    """Whether a record changed: by `lastModifiedOn` when both carry one, else by its whole content."""
    if held is None or fresh is None:
        return (held is None) != (fresh is None)
    ours, theirs = version_text(held.get("lastModifiedOn")), version_text(fresh.get("lastModifiedOn"))
    if ours is not None and theirs is not None:
        return ours != theirs
    return dict(held) != dict(fresh)


def id_of(record: Any, name: str) -> str | None:
    if not isinstance(record, Mapping) or record.get(name) is None:
        return None
    return str(record.get(name)).strip()


def parts_of(native: Native) -> dict[EntityKey, str | None]:
    """The product's entities (product, summary, rates) and the version each record carries."""
    summary = native.get("benefit_summary")
    records = [("Product", "productID", native.get("product")),
               *([("Benefit_Summary", "benefitSummaryID", summary)] if summary else []),
               *(("Rate", "rateID", rate) for rate in native.get("rates") or [])]
    return {(kind, entity): version_text(record.get("lastModifiedOn"))
            for kind, id_field, record in records if (entity := id_of(record, id_field)) is not None}
