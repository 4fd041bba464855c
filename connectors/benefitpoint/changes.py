"""BenefitPoint's change feed (findChanges) as product ids per account, with the next watermark."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from config.logging import get_logger
from connectors.benefitpoint.client import BrokerConnectClient
from connectors.benefitpoint.reader import entity_id
from connectors.benefitpoint.soap import SYSTEM
from connectors.benefitpoint.values import text
from connectors.benefitpoint.xmltree import Native
from connectors.errors import BadResponse, NotFound, ValidationFailed
from connectors.ports import ChangeFeedPage
from reconciliation.pending import UnreadableChange
from reconciliation.side import Side

log = get_logger(__name__)
OPERATION = "findChanges"


@dataclass(frozen=True, slots=True, kw_only=True)
class Changes:
    page: ChangeFeedPage
    accounts: tuple[str, ...]


class ChangeFeedReader:
    """Maps Benefit_Summary and Rate changes to the product that owns them, products to accounts."""

    def __init__(self, client: BrokerConnectClient) -> None:
        self._client = client

    def read(self, watermark: str | None, *, retry: Sequence[UnreadableChange] = ()) -> Changes:
        """The changes since `watermark`, and the entities of `retry` (unreadable last time) asked again.

        An entity whose answer cannot be read is reported in `page.unreadable`, not raised: the rest of
        the feed goes on.
        """
        summary = self._client.find_changes(watermark)
        next_watermark = text(summary, "processStartedOn", where="ChangeSummary")
        if next_watermark is None:
            raise BadResponse(system=SYSTEM, operation=OPERATION, field="ChangeSummary.processStartedOn",
                              message="the change summary has no processStartedOn")
        accounts_of: dict[int, str | None] = {}
        changed: list[int] = []
        account_ids: list[str] = []
        unreadable: list[UnreadableChange] = []
        for entry in dict.fromkeys([*self._entries(summary, "modifications"), *_retried(retry)]):
            kind, entity = entry
            if kind == "Account":
                account_ids.append(str(entity))
                continue
            try:
                product_id = self._owner(kind, entity)
            except BadResponse as error:
                unreadable.append(UnreadableChange(side=Side.BENEFITPOINT, entity_type=kind,
                                                   entity_id=str(entity), error=str(error)))
                continue
            if product_id is not None and product_id not in changed:
                changed.append(product_id)
        deleted = []
        for kind, entity in self._entries(summary, "deletions"):
            if kind == "Product":
                deleted.append(entity)
            elif kind != "Account":
                # The owner of a deleted summary or rate cannot be asked any more; the full
                # reconcile sees the product's new content.
                log.info("benefitpoint.change_unmapped", entity_type=kind, entity_id=entity)
        page = ChangeFeedPage(
            changed=[(self._account(pid, accounts_of), str(pid)) for pid in changed if pid not in deleted],
            deleted=[(None, str(pid)) for pid in deleted],
            watermark=next_watermark,
            unreadable=unreadable,
        )
        return Changes(page=page, accounts=tuple(dict.fromkeys(account_ids)))

    @staticmethod
    def _entries(summary: Native, name: str) -> list[tuple[str, int]]:
        entries = []
        for record in summary.get(name, []):
            if not isinstance(record, dict):
                continue
            kind = text(record, "entityType", where=f"ChangeSummary.{name}", required=True) or ""
            entries.append((kind, entity_id(record, "entityID", operation=OPERATION)))
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


def _retried(retry: Sequence[UnreadableChange]) -> list[tuple[str, int]]:
    entries = []
    for change in retry:
        if str(change.entity_id).strip().isdigit():
            entries.append((change.entity_type, int(change.entity_id)))
        else:
            log.info("benefitpoint.change_unmapped", entity_type=change.entity_type,
                     entity_id=change.entity_id)
    return entries
