"""Writing one plan to BenefitPoint: creates that never duplicate, updates of what changed only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from config.logging import get_logger
from connectors.benefitpoint.benefits import VIEW_LEVEL_ID, benefits_from_native, summary_for, unmapped_keys
from connectors.benefitpoint.client import BrokerConnectClient
from connectors.benefitpoint.mapping import product_for_create, product_for_update, product_type_of
from connectors.benefitpoint.rates import rate_to_native, rates_from_native
from connectors.benefitpoint.reader import PlanReader, entity_id
from connectors.benefitpoint.soap import SYSTEM
from connectors.benefitpoint.values import MappingError
from connectors.benefitpoint.xmltree import Native
from connectors.errors import BadResponse, ValidationFailed
from connectors.retry import call_with_retry
from reconciliation.plan import Plan

log = get_logger(__name__)


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
        try:
            product_type = product_type_of(product, self.reader.catalogue)
        except MappingError as error:
            raise invalid("updateBenefitSummary", error) from None
        if unmapped_keys(plan, product_type):
            log.info("benefitpoint.benefits_not_written", product_id=product_id,
                     keys=unmapped_keys(plan, product_type), product_type_id=product_type.id)
        wanted = {k: v for k, v in plan.benefits.items() if product_type.attribute_for_key(k)}
        if benefits_from_native(summary, product_type) != wanted:
            record = summary_for(plan, product_type, product_id=product_id, existing=summary)
            if summary is None:
                self.create_once(
                    "createBenefitSummary", lambda: self.client.create_benefit_summary(record),
                    existing=lambda: self._first_id(self.client.find_benefit_summaries(product_id),
                                                    "benefitSummaryID", "findBenefitSummaries"))
            else:
                self.client.update_benefit_summary(record)
        self._write_rates(product_id, plan, rates)

    def _write_rates(self, product_id: int, plan: Plan, rates: list[Native]) -> None:
        current = rates[0] if rates else None
        try:
            unchanged = rates_from_native(current) == plan.rates
        except MappingError:
            unchanged = False
        # Rates are never removed: a plan without rates leaves BenefitPoint's as they are.
        if unchanged or plan.rates is None:
            return
        if not self.rates_writable:
            log.info("benefitpoint.rates_not_written", product_id=product_id,
                     reason="rates cannot be written to BenefitPoint (BENEFITPOINT_RATES_WRITABLE=false)")
            return
        try:
            record = rate_to_native(plan.rates, product_id=product_id, existing=current)
        except MappingError as error:
            raise invalid("updateRate", error) from None
        if current is None:
            self.create_once("createRate", lambda: self.client.create_rate(record),
                             existing=lambda: self._first_id(self.client.find_rates(product_id), "rateID",
                                                             "findRates"))
        else:
            self.client.update_rate(record)

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
               link_id: str) -> None:
        product: Native = native["product"]
        try:
            updated = product_for_update(product, plan, current=current,
                                         link_field_id=self.reader.link_field_id, link_id=link_id,
                                         catalogue=self.reader.catalogue, crosswalk=self.reader.crosswalk)
        except MappingError as error:
            raise invalid("updateProduct", error) from None
        if updated is not None:
            self.client.update_product(updated)
        self.write_parts(product_id, plan, updated or product, summary=native["benefit_summary"],
                         rates=list(native["rates"]))
