"""Writing one plan to BenefitPoint: creates that never duplicate, updates of what changed only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from config.logging import get_logger
from connectors.benefitpoint.benefits import VIEW_LEVEL_ID, summary_differs, summary_for, unmapped_keys
from connectors.benefitpoint.client import BrokerConnectClient
from connectors.benefitpoint.mapping import product_for_create, product_for_update, product_type_of
from connectors.benefitpoint.rates import rate_to_native, rates_from_native
from connectors.benefitpoint.reader import PlanReader, entity_id
from connectors.benefitpoint.soap import SYSTEM
from connectors.benefitpoint.values import MappingError
from connectors.benefitpoint.versions import moved
from connectors.benefitpoint.xmltree import Native
from connectors.errors import BadResponse, NotFound, ValidationFailed
from connectors.retry import call_with_retry
from reconciliation.plan import Plan

log = get_logger(__name__)


class PartMoved(Exception):
    """A part about to be written is not as it was read: the plan is read again before anything is written."""


def invalid(operation: str, error: MappingError) -> ValidationFailed:
    return ValidationFailed(system=SYSTEM, operation=operation, message=str(error),
                            details={"field": error.field})


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanWriter:
    reader: PlanReader
    rates_writable: bool
    retry: Mapping[str, Any] = field(default_factory=dict)

    @property
    def client(self) -> BrokerConnectClient:
        return self.reader.client

    def create_once(self, operation: str, create: Callable[[], int | None], *,
                    existing: Callable[[], int | None]) -> tuple[int, bool]:
        """Create; after a transient failure, look for what the lost answer may have made first.

        Returns the id and whether it was found rather than created.
        """
        attempted = False

        def attempt() -> tuple[int, bool]:
            nonlocal attempted
            if attempted:
                found = existing()
                if found is not None:
                    log.info("benefitpoint.create_recovered", operation=operation, entity_id=found)
                    return found, True
            attempted = True
            new_id = create()
            if new_id is None:
                raise BadResponse(system=SYSTEM, operation=operation, field="Result.ID",
                                  message="a successful create returned no ID")
            return new_id, False

        return call_with_retry(attempt, **self.retry)

    def write_parts(self, product_id: int, plan: Plan, product: Native, *, summary: Native | None,
                    rates: list[Native]) -> None:
        """The summary and the rates, each only when its canonical content differs from `plan`."""
        summary_record = self.summary_record(product_id, plan, product, summary=summary)
        if summary_record is not None:
            self.write_summary(product_id, summary_record, existing=summary)
        rate_record = self.rate_record(product_id, plan, rates)
        if rate_record is not None:
            self.write_rate(product_id, rate_record, existing=rates[0] if rates else None)

    def summary_record(self, product_id: int, plan: Plan, product: Native, *,
                       summary: Native | None) -> Native | None:
        """The benefit summary to send, or None when BenefitPoint's already says what `plan` does."""
        try:
            product_type = product_type_of(product, self.reader.catalogue)
        except MappingError as error:
            raise invalid("updateBenefitSummary", error) from None
        if unmapped_keys(plan, product_type):
            log.info("benefitpoint.benefits_not_written", product_id=product_id,
                     keys=unmapped_keys(plan, product_type), product_type_id=product_type.id)
        if not summary_differs(plan, product_type, summary=summary, catalogue=self.reader.catalogue):
            return None
        return summary_for(plan, product_type, product_id=product_id, existing=summary,
                           catalogue=self.reader.catalogue)

    def write_summary(self, product_id: int, record: Native, *, existing: Native | None) -> int:
        """Create or update the summary; its id."""
        if existing is not None:
            self.client.update_benefit_summary(record)
            return entity_id(existing, "benefitSummaryID", operation="updateBenefitSummary")
        summary_id, _ = self.create_once(
            "createBenefitSummary", lambda: self.client.create_benefit_summary(record),
            existing=lambda: self._first_id(self.client.find_benefit_summaries(product_id),
                                            "benefitSummaryID", "findBenefitSummaries"))
        return summary_id

    def rate_record(self, product_id: int, plan: Plan, rates: list[Native]) -> Native | None:
        """The rate to send, or None when it is unchanged, absent from `plan`, or not writable."""
        current = rates[0] if rates else None
        try:
            unchanged = rates_from_native(current) == plan.rates
        except MappingError:
            unchanged = False
        # Rates are never removed: a plan without rates leaves BenefitPoint's as they are.
        if unchanged or plan.rates is None:
            return None
        if not self.rates_writable:
            log.info("benefitpoint.rates_not_written", product_id=product_id,
                     reason="rates cannot be written to BenefitPoint (BENEFITPOINT_RATES_WRITABLE=false)")
            return None
        try:
            return rate_to_native(plan.rates, product_id=product_id, existing=current)
        except MappingError as error:
            raise invalid("updateRate", error) from None

    def write_rate(self, product_id: int, record: Native, *, existing: Native | None) -> int:
        """Create or update the rate; its id."""
        if existing is not None:
            self.client.update_rate(record)
            return entity_id(existing, "rateID", operation="updateRate")
        rate_id, _ = self.create_once(
            "createRate", lambda: self.client.create_rate(record),
            existing=lambda: self._first_id(self.client.find_rates(product_id), "rateID", "findRates"))
        return rate_id

    @staticmethod
    def _first_id(records: list[Native], name: str, operation: str) -> int | None:
        return entity_id(records[0], name, operation=operation) if records else None

    def create_product(self, plan: Plan, *, account: Native, link_id: str,
                       find_existing: Callable[[], int | None]) -> int:
        try:
            product = product_for_create(plan, account=account, link_field_id=self.reader.link_field_id,
                                         link_id=link_id, catalogue=self.reader.catalogue,
                                         crosswalk=self.reader.crosswalk)
        except MappingError as error:
            raise invalid("createProduct", error) from None
        product_id, recovered = self.create_once(
            "createProduct", lambda: self.client.create_product(product, view_level_id=VIEW_LEVEL_ID),
            existing=find_existing)
        if recovered:
            # The lost answer's create went through: complete that product, never a second one.
            native = self.reader.read_native(product_id)
            self.write_parts(product_id, plan, native["product"], summary=native["benefit_summary"],
                             rates=list(native["rates"]))
        else:
            self.write_parts(product_id, plan, product, summary=None, rates=[])
        return product_id

    def update(self, product_id: int, plan: Plan, *, native: Native, current: Plan | None,
               link_id: str) -> Native:
        """Only what changed; the plan's records as BenefitPoint confirms them.

        `native` may be a snapshot: a summary or rate about to be written is first compared with what
        BenefitPoint holds (PartMoved when it moved), and nothing is written before every part is.
        """
        product, summary, rates = native["product"], native["benefit_summary"], list(native["rates"])
        try:
            updated = product_for_update(product, plan, current=current,
                                         link_field_id=self.reader.link_field_id, link_id=link_id,
                                         catalogue=self.reader.catalogue, crosswalk=self.reader.crosswalk)
        except MappingError as error:
            raise invalid("updateProduct", error) from None
        summary_record = self.summary_record(product_id, plan, updated or product, summary=summary)
        rate_record = self.rate_record(product_id, plan, rates)
        if summary_record is not None:
            self._check(summary, find=self.client.find_benefit_summaries, get=self.client.get_benefit_summary,
                        product_id=product_id, id_field="benefitSummaryID")
        if rate_record is not None:
            self._check(rates[0] if rates else None, find=self.client.find_rates, get=self.client.get_rate,
                        product_id=product_id, id_field="rateID")
        if updated is not None:
            self.client.update_product(updated)
            product = self.client.get_product(product_id)
        if summary_record is not None:
            summary = self.client.get_benefit_summary(
                self.write_summary(product_id, summary_record, existing=summary))
        if rate_record is not None:
            written = self.client.get_rate(self.write_rate(product_id, rate_record,
                                                           existing=rates[0] if rates else None))
            rates = [written, *rates[1:]]
        return {"product": product, "benefit_summary": summary, "rates": rates}

    @staticmethod
    def _check(held: Native | None, *, find: Callable[[int], list[Native]], get: Callable[[int], Native],
               product_id: int, id_field: str) -> None:
        """The part is still as `held` says (one that was not there is still not there), else PartMoved."""
        if held is None:
            if find(product_id):
                raise PartMoved(f"product {product_id} has a {id_field.removesuffix('ID')} it did not have")
            return
        try:
            fresh = get(entity_id(held, id_field, operation="compare"))
        except NotFound:
            fresh = None
        if moved(held, fresh):
            raise PartMoved(f"{id_field.removesuffix('ID')} of product {product_id} changed since read")
