"""What plansync knows of a plan between reads: its last snapshot, and the versions of its parts.

A plan is one or more entities of its system (PerfectQuote: the plan; BenefitPoint: the product, its
benefit summary, its rates), each with a version the system reports (a plan version, a
`lastModifiedOn`). `known` is the version a stored snapshot holds; `named` the version a change feed
last named. A part whose named version is not the known one has changed since the snapshot: it is
read again, and only it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciliation.side import Side

# (entity type, entity id) as the system names them: ("Rate", "90211"), ("Plan", "pln_01J9Z3").
EntityKey = tuple[str, str]
PLAN_ENTITY = "Plan"


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedEntity:
    """One entity a change feed named, the plan it belongs to where known, and its version.

    `version` None: the feed gave none, so the change is always taken as news.
    """

    side: Side
    entity_type: str
    entity_id: str
    plan_id: str | None
    owner_id: str | None = None
    version: str | None = None
    deleted: bool = False

    @property
    def key(self) -> EntityKey:
        return (self.entity_type, self.entity_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class EntityVersions:
    """An entity's known (snapshot) and named (feed) versions."""

    known: str | None = None
    named: str | None = None

    @property
    def changed(self) -> bool:
        return self.named is not None and self.named != self.known


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanSnapshot:
    """A plan as last read or written (the system's own record), and its entities' versions.

    With no record stored (`stored` False) it holds only what the feeds named of the plan.
    """

    side: Side
    plan_id: str
    version: str = ""
    native: Mapping[str, Any] = field(default_factory=dict, repr=False)
    entities: Mapping[EntityKey, EntityVersions] = field(default_factory=dict)

    @property
    def stored(self) -> bool:
        return bool(self.version)

    @property
    def named(self) -> bool:
        """Whether a change feed has ever named a version of this plan's entities."""
        return any(versions.named is not None for versions in self.entities.values())

    def changed(self) -> list[EntityKey]:
        """The entities changed since the snapshot, as the feeds named them."""
        return sorted(key for key, versions in self.entities.items() if versions.changed)

    def named_versions(self) -> dict[EntityKey, str | None]:
        return {key: versions.named for key, versions in self.entities.items()}
