"""What a person does in each system's own screens: edit or delete a plan, through the admin endpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.sandbox.launcher import Sandboxes


@dataclass(kw_only=True)
class Screens:
    sandboxes: Sandboxes
    admin: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10.0))

    def close(self) -> None:
        self.admin.close()

    @property
    def pq_admin(self) -> str:
        return f"{self.sandboxes.perfectquote_url.removesuffix('/api/v1')}/_sandbox"

    @property
    def bp_admin(self) -> str:
        return f"{self.sandboxes.benefitpoint_url}/_sandbox"

    def edit_pq(self, plan_id: str, **changes: Any) -> dict[str, Any]:
        """Top-level plan fields; `benefits` and `rates` are merged into what the plan holds."""
        return self._answer(self.admin.patch(f"{self.pq_admin}/plans/{plan_id}", json=changes), 200)

    def edit_bp(self, product_id: str, **changes: Any) -> dict[str, Any]:
        """`name`, `policyNumber`, `productStatus`, `carrierID`, `attributes` ({attributeID: value})."""
        return self._answer(self.admin.post(f"{self.bp_admin}/products/{product_id}", json=changes), 200)

    def delete_pq(self, plan_id: str) -> None:
        self._answer(self.admin.delete(f"{self.pq_admin}/plans/{plan_id}"), 204)

    def delete_bp(self, product_id: str) -> None:
        self._answer(self.admin.delete(f"{self.bp_admin}/products/{product_id}"), 204)

    @staticmethod
    def _answer(response: httpx.Response, status: int) -> dict[str, Any]:
        url = response.request.url
        assert response.status_code == status, f"{url} {response.status_code}: {response.text}"
        return response.json() if response.content else {}
