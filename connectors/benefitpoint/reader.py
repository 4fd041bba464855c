"""Reading one BenefitPoint plan: Product, its first BenefitSummary and its Rates, as a RemotePlan."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from config.crosswalk import Crosswalk
from connectors.benefitpoint.catalogue import Catalogue
from connectors.benefitpoint.client import BrokerConnectClient
from connectors.benefitpoint.mapping import link_id_of, plan_from_native
from connectors.benefitpoint.soap import SYSTEM
from connectors.benefitpoint.values import MappingError
from connectors.benefitpoint.versions import PARTS, id_of, parts_of
from connectors.benefitpoint.xmltree import Native
from connectors.errors import BadResponse, NotFound, ValidationFailed
from connectors.ports import EntityKey, RemotePlan
from reconciliation.side import Side


def entity_id(record: Native, name: str, *, operation: str) -> int:
    raw = record.get(name)
    try:
        return int(str(raw).strip())
    except ValueError:
        raise BadResponse(system=SYSTEM, operation=operation, field=name,
                          message=f"{name} {raw!r} is not a number") from None


def version_of(native: Native) -> str:
    """Any edit to the product, its summary or its rates moves this (lastModifiedOn included)."""
    encoded = json.dumps(native, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanReader:
    client: BrokerConnectClient
    catalogue: Catalogue
    crosswalk: Crosswalk
    link_field_id: int

    def read_native(self, product_id: int) -> Native:
        """Everything a later update must send back; raises NotFound for an unknown product."""
        product = self.client.get_product(product_id)
        return {"product": product, "benefit_summary": self.read_summary(product_id),
                "rates": self.read_rates(product_id)}

    def read_summary(self, product_id: int) -> Native | None:
        """The product's first benefit summary (None: it has none)."""
        summaries = self.client.find_benefit_summaries(product_id)
        if not summaries:
            return None
        summary_id = entity_id(summaries[0], "benefitSummaryID", operation="findBenefitSummaries")
        return self.client.get_benefit_summary(summary_id)

    def read_rates(self, product_id: int) -> list[Native]:
        return [self.client.get_rate(entity_id(rate, "rateID", operation="findRates"))
                for rate in self.client.find_rates(product_id)]

    def refresh(self, product_id: int, native: Native, changed: Collection[EntityKey]) -> Native:
        """`native` with only the `changed` parts read again; NotFound when the product is gone.

        A summary or rate of the snapshot is read by its id; one new to it, or gone, is found by the
        product's listing of that part.
        """
        ids = {kind: {entity for named, entity in changed if named == kind} for kind, _ in PARTS}
        product = self.client.get_product(product_id) if ids["Product"] else native["product"]
        summary, rates = native.get("benefit_summary"), list(native.get("rates") or [])
        if ids["Benefit_Summary"]:
            held = id_of(summary, "benefitSummaryID")
            again = self._by_id(self.client.get_benefit_summary,
                                [held] if ids["Benefit_Summary"] == {held} else [])
            summary = again[0] if again else self.read_summary(product_id)
        if ids["Rate"]:
            held_rates = [id_of(rate, "rateID") for rate in rates]
            asked = sorted(ids["Rate"]) if ids["Rate"] <= set(held_rates) else []
            fresh = {id_of(rate, "rateID"): rate for rate in self._by_id(self.client.get_rate, asked) or []}
            rates = ([fresh.get(rate_id, rate) for rate_id, rate in zip(held_rates, rates, strict=True)]
                     if fresh else self.read_rates(product_id))
        return {"product": product, "benefit_summary": summary, "rates": rates}

    @staticmethod
    def _by_id(get: Any, entity_ids: list[str | None]) -> list[Native] | None:
        """Each record by its id; None when there are none to ask for or one is gone."""
        if not entity_ids or None in entity_ids:
            return None
        try:
            return [get(int(str(entity_id))) for entity_id in entity_ids]
        except (NotFound, ValidationFailed):
            return None

    def read(self, product_id: int) -> RemotePlan:
        return self.remote_plan(product_id, self.read_native(product_id))

    def remote_plan(self, product_id: int, native: Native) -> RemotePlan:
        """The canonical plan, or a RemotePlan naming why there is none (never half a plan)."""
        product: Native = native["product"]
        rates: list[Any] = native["rates"]
        common = {"side": Side.BENEFITPOINT, "id": str(product_id), "version": version_of(native),
                  "native": native, "parts": parts_of(native)}
        try:
            link_id = link_id_of(product, link_field_id=self.link_field_id)
        except MappingError:
            link_id = None
        try:
            plan = plan_from_native(product, native["benefit_summary"], rates[0] if rates else None,
                                    catalogue=self.catalogue, crosswalk=self.crosswalk)
        except MappingError as error:
            return RemotePlan(**common, plan=None, link_id=link_id,
                              problem=f"BenefitPoint product {product_id}: {error}")
        return RemotePlan(**common, plan=plan, link_id=link_id)

    def unreadable(self, product_id: int, error: BadResponse) -> RemotePlan:
        return RemotePlan(side=Side.BENEFITPOINT, id=str(product_id), version="", plan=None,
                          problem=f"BenefitPoint product {product_id}: {error}")
