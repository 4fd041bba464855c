"""What the sync needs of a plan system: the port both plan connectors implement."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from carriers.enrollment import EnrollmentChange
from reconciliation.catalogue_mapping import LiveCatalogue
from reconciliation.known_plans import EntityKey, FeedEntity
from reconciliation.pending import UnreadableChange
from reconciliation.plan import Plan
from reconciliation.side import Side

__all__ = [
    "AccountDirectory",
    "CatalogueSource",
    "ChangeFeedPage",
    "EntityKey",
    "FeedEntity",
    "GroupDirectory",
    "ListedAccount",
    "NamedGroup",
    "PlanSystem",
    "RemotePlan",
    "Side",
    "check_call_guard",
    "guarded_calls",
]

# A run's fence, checked before every request that writes while the run writes a plan.
_call_guard: ContextVar[Callable[[], None] | None] = ContextVar("plansync_call_guard", default=None)


@contextmanager
def guarded_calls(check: Callable[[], None]) -> Iterator[None]:
    """Each request that writes inside the block is preceded by `check`, which raises to stop it.

    One plan's write is several requests (BenefitPoint: product, summary, rates): a run that lost its
    group stops between any two of them, not only between plans.
    """
    token = _call_guard.set(check)
    try:
        yield
    finally:
        _call_guard.reset(token)


def check_call_guard() -> None:
    """Called by the transport before it sends a request that writes."""
    guard = _call_guard.get()
    if guard is not None:
        guard()


@dataclass(frozen=True, slots=True, kw_only=True)
class RemotePlan:
    """A plan as read from one system: its id and version, and its canonical content.

    `plan` is None when the record could not be made canonical; `problem` then says why
    (an unknown carrier, a non-numeric rate), so one bad plan is recorded and skipped.
    `native` is the record as read: updates that replace a whole record start from it.
    `parts`: the system's entities the plan is made of, with the version each record carries (None: it
    carries none); empty when the plan is one entity whose version is `version`.
    """

    side: Side
    id: str
    version: str
    plan: Plan | None
    problem: str | None = None
    link_id: str | None = None
    native: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    parts: Mapping[EntityKey, str | None] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeFeedPage:
    """Plan ids (per group where known) changed since a watermark, and the next watermark.

    `unreadable`: entities of the feed whose plan could not be found out (an unreadable answer); the
    caller keeps them and asks again next cycle, while the watermark moves on.
    `entities`: each entity named, with its plan and the version the feed gave, so that a version
    already seen (the feed's overlap, plansync's own write) costs nothing more.
    """

    changed: Sequence[tuple[str | None, str]]
    deleted: Sequence[tuple[str | None, str]]
    watermark: str
    unreadable: Sequence[UnreadableChange] = ()
    entities: Sequence[FeedEntity] = ()


class NamedGroup(Protocol):
    """A PerfectQuote group as PerfectQuote names it."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


class GroupDirectory(Protocol):
    """PerfectQuote's groups, for connecting one: a group by its id (NotFound when there is none)."""

    def get_group(self, group_id: str) -> NamedGroup: ...


class ListedAccount(Protocol):
    """A BenefitPoint account as BenefitPoint lists it (`active` None: it does not say)."""

    @property
    def account_id(self) -> str: ...

    @property
    def name(self) -> str | None: ...

    @property
    def active(self) -> bool | None: ...


class AccountDirectory(Protocol):
    """BenefitPoint's accounts, for connecting a group: all of them, or one by its account number."""

    def find_accounts(self) -> Sequence[ListedAccount]: ...

    def get_account(self, account_id: str) -> ListedAccount | None: ...


class CatalogueSource(Protocol):
    """A BenefitPoint instance's own catalogue: product types with their attributes, carriers."""

    def discover_catalogue(self, *, on_step: Callable[[int, int], None] | None = None) -> LiveCatalogue: ...


class PlanSystem(Protocol):
    """The operations the group sync uses; PerfectQuote and BenefitPoint both provide them.

    `group_id` is the group as that system knows it: a PerfectQuote group id, a BenefitPoint account id.
    """

    side: Side

    def list_plans(self, group_id: str) -> list[RemotePlan]: ...

    def get_plan(self, plan_id: str) -> RemotePlan | None: ...

    def create_plan(self, group_id: str, plan: Plan, *, link_id: str) -> RemotePlan: ...

    def update_plan(self, current: RemotePlan, plan: Plan, *, link_id: str) -> RemotePlan: ...

    def find_by_link_id(self, group_id: str, link_id: str) -> RemotePlan | None: ...

    def restore(self, plan_id: str, native: Mapping[str, Any]) -> RemotePlan:
        """The plan a stored snapshot holds (its native record as read), without a call."""
        ...

    def refresh(self, known: RemotePlan, *, changed: Collection[EntityKey]) -> RemotePlan | None:
        """`known` with the `changed` entities read again (None: the plan is gone)."""
        ...

    def changes_since(self, watermark: str | None) -> ChangeFeedPage: ...


# The carrier ports: what the carrier operations and jobs call, and the values they get back.


@dataclass(frozen=True, slots=True, kw_only=True)
class CoveragePeriod:
    """A carrier integration as the exchange holds it, in the exchange's words."""

    id: str
    external_identifier: str | None
    carrier_name: str
    carrier_group_number: str
    status: str
    activated_at: datetime | None
    disabled_reason: str | None
    sync_schedule: Mapping[str, Any] | None
    last_synced_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeMessage:
    """A carrier message ("error" in the exchange's words); members by external id only."""

    id: str
    member_external_id: str | None
    severity: str
    code: str
    message: str
    status: str
    created_at: datetime
    resolution_message: str | None
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TransmissionReceipt:
    """The exchange's answer to a transmission; `replayed` when it already held that identifier."""

    id: str
    status: str
    replayed: bool


class EnrollmentSource(Protocol):
    """Where enrollment changes come from (PerfectQuote): changes since a watermark, oldest first."""

    def enrollment_changes(self, group_id: str,
                           since: str | None) -> tuple[Sequence[EnrollmentChange], str | None]: ...


class CarrierExchange(Protocol):
    """The operations the carrier service layer calls on the carrier exchange."""

    def ensure_group(self, *, external_identifier: str, name: str, ein: str | None = None) -> str: ...

    def create_coverage_period(self, exchange_group_id: str, *, external_identifier: str, carrier_name: str,
                               carrier_group_number: str,
                               coverage_start_date: str | None = None) -> CoveragePeriod: ...

    def get_coverage_period(self, period_id: str) -> CoveragePeriod: ...

    def set_enabled(self, period_id: str, enabled: bool, *,
                    group_number: str | None = None) -> CoveragePeriod: ...

    def set_group_number(self, period_id: str, group_number: str) -> CoveragePeriod: ...

    def transmit(self, period_id: str, external_identifier: str,
                 changes: Sequence[EnrollmentChange]) -> TransmissionReceipt: ...

    def list_errors(self, period_id: str, *, status: str | None = None) -> list[ExchangeMessage]: ...

    def resolve_error(self, error_id: str, message: str,
                      changes: Mapping[str, Any] | None = None) -> None: ...
