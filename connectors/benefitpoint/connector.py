"""BenefitPoint as a PlanSystem: an account's products as plans, read, created, updated, watched."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import httpx

from config.crosswalk import Crosswalk, load_crosswalk
from config.logging import get_logger
from connectors.benefitpoint import accounts
from connectors.benefitpoint.catalogue import Catalogue, load_catalogue
from connectors.benefitpoint.changes import ChangeFeedReader, Owners
from connectors.benefitpoint.client import BrokerConnectClient
from connectors.benefitpoint.discovery import discover
from connectors.benefitpoint.mapping import link_id_of
from connectors.benefitpoint.reader import PlanReader, entity_id
from connectors.benefitpoint.session import SoapSession
from connectors.benefitpoint.soap import SYSTEM
from connectors.benefitpoint.values import MappingError
from connectors.benefitpoint.versions import moved
from connectors.benefitpoint.writer import PartMoved, PlanWriter
from connectors.errors import BadResponse, NotFound, StaleVersion, ValidationFailed
from connectors.ports import ChangeFeedPage, EntityKey, RemotePlan
from connectors.transport import DEFAULT_MAX_RESPONSE_BYTES, make_client
from reconciliation.catalogue_mapping import LiveCatalogue
from reconciliation.pending import UnreadableChange
from reconciliation.plan import Plan
from reconciliation.side import Side

log = get_logger(__name__)


def _number(value: str, *, what: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"BenefitPoint {what} {value!r} is not a number") from None


class BenefitPointConnector:
    """`group_id` is the group as BenefitPoint knows it (its accountID), a plan id the productID, as text."""

    side = Side.BENEFITPOINT

    def __init__(self, *, base_url: str, username: str, password: str, link_field_id: int = 9001,
                 rates_writable: bool = True, timeout_s: float = 10.0,
                 retry: Mapping[str, Any] | None = None, http_client: httpx.Client | None = None,
                 max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES, catalogue: Catalogue | None = None,
                 crosswalk: Crosswalk | None = None,
                 call_slot: Callable[[], AbstractContextManager[object]] = nullcontext) -> None:
        """`catalogue` and `crosswalk`: the agency's applied mapping; None, the shipped tables (config/).
        `call_slot`: held around each request (the agency's fair share of BenefitPoint calls)."""
        self._http = http_client or make_client(base_url=base_url, timeout_s=timeout_s)
        session = SoapSession(self._http, username=username, password=password, retry=retry,
                              max_response_bytes=max_response_bytes, call_slot=call_slot)
        self._client = BrokerConnectClient(session)
        self._reader = PlanReader(client=self._client,
                                  catalogue=load_catalogue() if catalogue is None else catalogue,
                                  crosswalk=load_crosswalk() if crosswalk is None else crosswalk,
                                  link_field_id=link_field_id)
        self._writer = PlanWriter(reader=self._reader, rates_writable=rates_writable, retry=dict(retry or {}))
        self._changes = ChangeFeedReader(self._client)

    def close(self) -> None:
        self._http.close()

    def list_plans(self, group_id: str) -> list[RemotePlan]:
        """Every product of the account; one unreadable product is a RemotePlan with a problem."""
        plans = []
        for summary in self._client.find_products(_number(group_id, what="accountID")):
            product_id = entity_id(summary, "productID", operation="findProducts")
            try:
                plans.append(self._reader.read(product_id))
            except NotFound:
                continue
            except BadResponse as error:
                log.warning("benefitpoint.plan_unreadable", account_id=group_id,
                            product_id=product_id, operation=error.operation, field=error.field)
                plans.append(self._reader.unreadable(product_id, error))
        return plans

    def get_plan(self, plan_id: str) -> RemotePlan | None:
        try:
            return self._reader.read(_number(plan_id, what="productID"))
        except (NotFound, ValidationFailed):
            return None

    def find_by_link_id(self, group_id: str, link_id: str) -> RemotePlan | None:
        product_id = self._product_with_link_id(_number(group_id, what="accountID"), link_id)
        return None if product_id is None else self._reader.read(product_id)

    def _product_with_link_id(self, account_id: int, link_id: str) -> int | None:
        for summary in self._client.find_products(account_id):
            product_id = entity_id(summary, "productID", operation="findProducts")
            try:
                product = self._client.get_product(product_id)
                found = link_id_of(product, link_field_id=self._reader.link_field_id)
            except (NotFound, MappingError):
                continue
            if found == link_id:
                return product_id
        return None

    def create_plan(self, group_id: str, plan: Plan, *, link_id: str) -> RemotePlan:
        """createProduct (with the link id), then its summary and rates; the plan as confirmed."""
        account_id = _number(group_id, what="accountID")
        account = self._client.get_account(account_id)
        product_id = self._writer.create_product(
            plan, account=account, link_id=link_id,
            find_existing=lambda: self._product_with_link_id(account_id, link_id))
        return self._reader.read(product_id)

    def update_plan(self, current: RemotePlan, plan: Plan, *, link_id: str) -> RemotePlan:
        """Only what changed; StaleVersion (with the fresh plan) when it moved since `current`.

        The compare before updateProduct: the product as BenefitPoint holds it now against `current`'s
        (by lastModifiedOn), and each summary or rate about to be written likewise; `current` may be a
        snapshot. What was written is read back by id, nothing else.
        """
        product_id = _number(current.id, what="productID")
        product = self._client.get_product(product_id)
        try:
            if moved(current.native.get("product"), product):
                raise PartMoved(f"product {product_id} changed since it was read")
            native = self._writer.update(product_id, plan, native={**current.native, "product": product},
                                         current=current.plan, link_id=link_id)
        except PartMoved as moved_part:
            fresh = self._reader.read(product_id)
            raise StaleVersion(system=SYSTEM, operation="updateProduct", current=fresh,
                               message=str(moved_part)) from None
        return self._reader.remote_plan(product_id, native)

    def restore(self, plan_id: str, native: Mapping[str, Any]) -> RemotePlan:
        """The plan a snapshot holds (product, summary, rates as read), without a call."""
        return self._reader.remote_plan(_number(plan_id, what="productID"), dict(native))

    def refresh(self, known: RemotePlan, *, changed: Collection[EntityKey]) -> RemotePlan | None:
        """`known` with only its changed parts read again: a summary-only change reads the summary."""
        product_id = _number(known.id, what="productID")
        try:
            return self._reader.remote_plan(product_id,
                                            self._reader.refresh(product_id, dict(known.native), changed))
        except (NotFound, ValidationFailed):
            return None

    def changes_since(self, watermark: str | None, *, retry: Sequence[UnreadableChange] = (),
                      owners: Owners | None = None) -> ChangeFeedPage:
        """The feed since `watermark`; `retry`: entities unreadable last cycle, asked about again.

        `owners` tells the product (and account) of entities already known, so they are not asked for.
        """
        return self._changes.read(watermark, retry=retry, owners=owners).page

    def find_accounts(self, name_match: str | None = None) -> list[accounts.AccountSummary]:
        return [self._mapped(accounts.account_summary, record, "findAccounts")
                for record in self._client.find_accounts(name_match)]

    def get_account(self, account_id: str) -> accounts.Account | None:
        """The search by account number: an unknown id is None."""
        if not str(account_id).strip().isdigit():
            return None
        try:
            record = self._client.get_account(int(str(account_id).strip()))
        except (NotFound, ValidationFailed):
            return None
        return self._mapped(accounts.account, record, "getAccount")

    def available_carriers(self) -> list[accounts.CarrierSummary]:
        return [self._mapped(accounts.carrier_summary, record, "getAvailableCarriers")
                for record in self._client.get_available_carriers()]

    def product_types(self) -> list[accounts.ProductTypeSummary]:
        return [self._mapped(accounts.product_type_summary, record, "getProductTypes")
                for record in self._client.get_product_types()]

    def discover_catalogue(self, *, on_step: Callable[[int, int], None] | None = None) -> LiveCatalogue:
        """The instance's product types (with their attributes) and carriers, by its own ids."""
        return discover(self._client, on_step=on_step)

    @staticmethod
    def _mapped(convert: Any, record: Any, operation: str) -> Any:
        try:
            return convert(record)
        except MappingError as error:
            raise BadResponse(system=SYSTEM, operation=operation, field=error.field,
                              message=str(error)) from None
