"""BenefitPoint's change feed (findChanges) as product ids per account, with the next watermark."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from config.logging import get_logger
from connectors.benefitpoint.client import BrokerConnectClient
from connectors.benefitpoint.reader import entity_id
from connectors.benefitpoint.soap import SYSTEM
from connectors.benefitpoint.values import text
from connectors.benefitpoint.versions import version_text
from connectors.benefitpoint.xmltree import Native
from connectors.errors import BadResponse, NotFound, ValidationFailed
from connectors.ports import ChangeFeedPage, EntityKey, FeedEntity
from reconciliation.pending import UnreadableChange
from reconciliation.side import Side

log = get_logger(__name__)
OPERATION = "findChanges"
# Entity -> (product id, account id) for the entities already known; the rest are asked for.
Owners = Callable[[Sequence[EntityKey]], Mapping[EntityKey, tuple[str | None, str | None]]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Changes:
    page: ChangeFeedPage
    accounts: tuple[str, ...]


class ChangeFeedReader:
    """Maps Benefit_Summary and Rate changes to the product that owns them, products to accounts."""

    def __init__(self, client: BrokerConnectClient) -> None:
        self._client = client

    def read(self, watermark: str | None, *, retry: Sequence[UnreadableChange] = (),
             owners: Owners | None = None) -> Changes:
        """The changes since `watermark`, and the entities of `retry` (unreadable last time) asked again.

        An entity whose answer cannot be read is reported in `page.unreadable`, not raised: the rest of
        the feed goes on. An entity `owners` knows costs no call.
        """
        summary = self._client.find_changes(watermark)
        next_watermark = text(summary, "processStartedOn", where="ChangeSummary")
        if next_watermark is None:
            raise BadResponse(system=SYSTEM, operation=OPERATION, field="ChangeSummary.processStartedOn",
                              message="the change summary has no processStartedOn")
        versions = self._entries(summary, "modifications", "lastModifiedOn")
        gone = self._entries(summary, "deletions", "deletedOn")
        entries = list(dict.fromkeys([*versions, *_retried(retry)]))
        keys = [(kind, str(entity)) for kind, entity in [*entries, *gone]]
        known = dict(owners(keys)) if owners is not None and keys else {}
        accounts_of = {int(plan): owner for plan, owner in known.values()
                       if plan is not None and plan.isdigit() and owner is not None}
        changed: list[int] = []
        named: list[tuple[str, int, int, str | None, bool]] = []
        account_ids: list[str] = []
        unreadable: list[UnreadableChange] = []
        for kind, entity in entries:
            if kind == "Account":
                account_ids.append(str(entity))
                continue
            try:
                product_id = _known_plan(known, kind, entity) or self._owner(kind, entity)
            except BadResponse as error:
                unreadable.append(UnreadableChange(side=Side.BENEFITPOINT, entity_type=kind,
                                                   entity_id=str(entity), error=str(error)))
                continue
            if product_id is not None:
                changed.append(product_id)
                named.append((kind, entity, product_id, versions.get((kind, entity)), False))
        deleted = []
        for (kind, entity), deleted_on in gone.items():
            if kind == "Product":
                deleted.append(entity)
                named.append((kind, entity, entity, f"deleted:{deleted_on}", True))
            elif (product_id := _known_plan(known, kind, entity)) is not None:
                # A summary or rate of a known product is gone: the product's content changed.
                changed.append(product_id)
                named.append((kind, entity, product_id, f"deleted:{deleted_on}", True))
            elif kind != "Account":
                # The owner of a deleted summary or rate cannot be asked any more; the full
                # reconcile sees the product's new content.
                log.info("benefitpoint.change_unmapped", entity_type=kind, entity_id=entity)
        changed = [pid for pid in dict.fromkeys(changed) if pid not in deleted]
        page = ChangeFeedPage(
            changed=[(self._account(pid, accounts_of), str(pid)) for pid in changed],
            deleted=[(None, str(pid)) for pid in deleted],
            watermark=next_watermark,
            unreadable=unreadable,
            entities=[FeedEntity(side=Side.BENEFITPOINT, entity_type=kind, entity_id=str(entity),
                                 plan_id=str(pid), owner_id=accounts_of.get(pid), version=version,
                                 deleted=was_deleted)
                      for kind, entity, pid, version, was_deleted in named],
        )
        return Changes(page=page, accounts=tuple(dict.fromkeys(account_ids)))

    @staticmethod
    def _entries(summary: Native, name: str, stamp: str) -> dict[tuple[str, int], str | None]:
        """(entity type, id) -> its version (`stamp`, one text whatever its offset), in the feed's order."""
        entries: dict[tuple[str, int], str | None] = {}
        for record in summary.get(name, []):
            if not isinstance(record, dict):
                continue
            kind = text(record, "entityType", where=f"ChangeSummary.{name}", required=True) or ""
            entries[(kind, entity_id(record, "entityID", operation=OPERATION))] = version_text(
                record.get(stamp))
        return entries

    def _owner(self, kind: str, entity: int) -> int | None:
        try:
            if kind == "Product":
                return entity
            if kind == "Benefit_Summary":
                record = self._client.get_benefit_summary(entity)
                return entity_id(record, "productID", operation="getBenefitSummary")
            if kind == "Rate":
                return entity_id(self._client.get_rate(entity), "productID", operation="getRate")
        except (NotFound, ValidationFailed):
            return None
        log.info("benefitpoint.change_unmapped", entity_type=kind, entity_id=entity)
        return None

    def _account(self, product_id: int, cache: dict[int, str | None]) -> str | None:
        if product_id not in cache:
            try:
                product = self._client.get_product(product_id)
                cache[product_id] = str(entity_id(product, "accountID", operation="getProduct"))
            except (NotFound, ValidationFailed, BadResponse):
                # The product id is what the cycle needs (it finds the group through the link).
                cache[product_id] = None
        return cache[product_id]


def _known_plan(known: Mapping[EntityKey, tuple[str | None, str | None]], kind: str,
                entity: int) -> int | None:
    if kind == "Product":
        return entity
    plan = known.get((kind, str(entity)), (None, None))[0]
    return int(plan) if plan is not None and plan.isdigit() else None


def _retried(retry: Sequence[UnreadableChange]) -> list[tuple[str, int]]:
    entries = []
    for change in retry:
        if str(change.entity_id).strip().isdigit():
            entries.append((change.entity_type, int(change.entity_id)))
        else:
            log.info("benefitpoint.change_unmapped", entity_type=change.entity_type,
                     entity_id=change.entity_id)
    return entries
