"""The BrokerConnect operations the connector uses, each returning native records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.benefitpoint.results import result_id
from connectors.benefitpoint.session import SoapSession
from connectors.benefitpoint.soap import items_of, object_of
from connectors.benefitpoint.xmltree import Native

CHANGE_TYPES = ("Account", "Product", "Benefit_Summary", "Rate")


class BrokerConnectClient:
    """Thin and literal: one method per operation, no business rules.

    Creates are sent once (`retry=False`): repeating one after a lost answer could make a
    duplicate, so the caller looks for the record before trying again.
    """

    def __init__(self, session: SoapSession) -> None:
        self._session = session

    def _items(self, operation: str, params: Mapping[str, Any], type_name: str) -> list[Native]:
        return items_of(self._session.call(operation, params), type_name)

    def _object(self, operation: str, params: Mapping[str, Any], type_name: str) -> Native:
        return object_of(self._session.call(operation, params), type_name, operation=operation)

    def _write(self, operation: str, params: Mapping[str, Any], *, retry: bool) -> int | None:
        response = self._session.call(operation, params, retry=retry)
        return result_id(object_of(response, "Result", operation=operation), operation=operation)

    def find_accounts(self, name_match: str | None = None) -> list[Native]:
        criteria = {} if name_match is None else {"accountNameMatch": name_match}
        return self._items("findAccounts", {"criteria": criteria}, "AccountSummary")

    def get_account(self, account_id: int) -> Native:
        return self._object("getAccount", {"accountID": account_id}, "Account")

    def get_available_carriers(self) -> list[Native]:
        return self._items("getAvailableCarriers", {}, "CarrierSummary")

    def get_product_types(self) -> list[Native]:
        return self._items("getProductTypes", {}, "ProductType")

    def get_benefit_summary_structure(self, plan_type_id: int) -> list[Native]:
        return self._items("getBenefitSummaryStructure", {"planTypeID": plan_type_id}, "BenefitAttribute")

    def find_products(self, account_id: int) -> list[Native]:
        return self._items("findProducts", {"criteria": {"accountID": account_id}}, "ProductSummary")

    def get_product(self, product_id: int) -> Native:
        return self._object("getProduct", {"productID": product_id}, "Product")

    def create_product(self, product: Native, *, view_level_id: int) -> int | None:
        options = {"attributeValueOptions": "none", "attributeViewLevelID": view_level_id}
        return self._write("createProduct", {"product": product, "planConfigurationOptions": options},
                           retry=False)

    def update_product(self, product: Native) -> None:
        self._write("updateProduct", {"update": product}, retry=True)

    def find_benefit_summaries(self, product_id: int) -> list[Native]:
        return self._items("findBenefitSummaries", {"criteria": {"productID": product_id}},
                           "BenefitSummaryDescription")

    def get_benefit_summary(self, summary_id: int) -> Native:
        return self._object("getBenefitSummary", {"benefitSummaryID": summary_id}, "BenefitSummary")

    def create_benefit_summary(self, summary: Native) -> int | None:
        return self._write("createBenefitSummary", {"benefitSummary": summary}, retry=False)

    def update_benefit_summary(self, summary: Native) -> None:
        self._write("updateBenefitSummary", {"benefitSummary": summary}, retry=True)

    def find_rates(self, product_id: int) -> list[Native]:
        return self._items("findRates", {"rateSearchCriteria": {"productID": product_id}}, "RateSummary")

    def get_rate(self, rate_id: int) -> Native:
        return self._object("getRate", {"rateID": rate_id}, "Rate")

    def create_rate(self, rate: Native) -> int | None:
        return self._write("createRate", {"rate": rate}, retry=False)

    def update_rate(self, rate: Native) -> None:
        self._write("updateRate", {"rate": rate}, retry=True)

    def find_changes(self, since: str | None) -> Native:
        criteria: dict[str, Any] = {"sinceLastModifiedOn": since, "typesToInclude": list(CHANGE_TYPES)}
        return self._object("findChanges", {"criteria": criteria}, "ChangeSummary")
