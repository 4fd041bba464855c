"""The sandbox's state: accounts, products and their parts, deletions, sessions and call counts."""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from connectors.sandbox.benefitpoint.catalog import Catalog, load_catalog
from connectors.sandbox.benefitpoint.codec import SERVER_TZ

Record = dict[str, Any]
ENTITY_TYPES = ("Account", "Product", "Benefit_Summary", "Rate")
OWNERS = {"Product": "accountID", "Benefit_Summary": "productID", "Rate": "productID"}


class Clock:
    """Wall time in the server's offset, strictly increasing by at least one millisecond.

    Timestamps travel with millisecond precision, so two changes must never share one:
    a reader using `processStartedOn` as its next watermark would otherwise miss one.
    """

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self._now = now or (lambda: datetime.now(SERVER_TZ))
        self._last: datetime | None = None

    def tick(self) -> datetime:
        current = self._now().astimezone(SERVER_TZ)
        current = current.replace(microsecond=current.microsecond // 1000 * 1000)
        if self._last is not None and current <= self._last:
            current = self._last + timedelta(milliseconds=1)
        self._last = current
        return current


class Store:
    """Every table keyed by its entity id; `lock` guards them all (tests read from another thread)."""

    def __init__(self, *, clock: Clock | None = None, session_ttl_s: float = 1800,
                 catalog: Catalog | None = None,
                 credentials: tuple[str, str] = ("sandbox", "sandbox")) -> None:
        self.clock = clock or Clock()
        # The one username and password `login` accepts.
        self.credentials = credentials
        self.catalog = catalog or load_catalog()
        self.session_ttl_s = session_ttl_s
        self.lock = threading.RLock()
        self.tables: dict[str, dict[int, Record]] = {kind: {} for kind in ENTITY_TYPES}
        self.carriers: dict[int, Record] = {}
        self.deletions: list[Record] = []
        self.calls: Counter[str] = Counter()
        self._sessions: dict[str, float] = {}
        self._next_ids = {"Account": 48301, "Product": 700001, "Benefit_Summary": 800001, "Rate": 900001}
        # Ids by owner (a product's account, a summary's or rate's product): a find does not scan a table.
        self._owned: dict[str, dict[int, dict[int, None]]] = {kind: {} for kind in OWNERS}

    @property
    def accounts(self) -> dict[int, Record]:
        return self.tables["Account"]

    @property
    def products(self) -> dict[int, Record]:
        return self.tables["Product"]

    @property
    def summaries(self) -> dict[int, Record]:
        return self.tables["Benefit_Summary"]

    @property
    def rates(self) -> dict[int, Record]:
        return self.tables["Rate"]

    def put(self, entity_type: str, id_field: str, record: Record) -> int:
        """Store `record` (a new id when it has none), stamped with a fresh lastModifiedOn."""
        with self.lock:
            entity_id = record.get(id_field)
            if entity_id is None:
                entity_id = self._next_ids[entity_type]
                self._next_ids[entity_type] += 1
            self.tables[entity_type][entity_id] = {**record, id_field: entity_id,
                                                   "lastModifiedOn": self.clock.tick()}
            if (owner_field := OWNERS.get(entity_type)) is not None:
                self._owned[entity_type].setdefault(record.get(owner_field), {})[entity_id] = None
            return int(entity_id)

    def owned(self, entity_type: str, owner_id: Any) -> list[Record]:
        """The records of `entity_type` whose owner (OWNERS) is `owner_id`."""
        with self.lock:
            return [self.tables[entity_type][key] for key in self._owned_ids(entity_type, owner_id)]

    def _owned_ids(self, entity_type: str, owner_id: Any) -> list[int]:
        table, owner_field = self.tables[entity_type], OWNERS[entity_type]
        return [key for key in self._owned[entity_type].get(owner_id, {})
                if (record := table.get(key)) is not None and record[owner_field] == owner_id]

    def delete_product(self, product_id: int) -> bool:
        """What a user deleting a product does: it and its summaries and rates are gone."""
        with self.lock:
            if self.products.pop(product_id, None) is None:
                return False
            self._record_deletion("Product", product_id)
            for kind in ("Benefit_Summary", "Rate"):
                owned = self._owned_ids(kind, product_id)
                for key in owned:
                    del self.tables[kind][key]
                    self._record_deletion(kind, key)
            return True

    def _record_deletion(self, entity_type: str, entity_id: int) -> None:
        self.deletions.append({"entityID": entity_id, "entityType": entity_type,
                               "deletedOn": self.clock.tick()})

    def open_session(self) -> str:
        with self.lock:
            token = secrets.token_hex(16)
            self._sessions[token] = time.monotonic() + self.session_ttl_s
            return token

    def session_valid(self, token: str | None) -> bool:
        with self.lock:
            expires = self._sessions.get(token or "")
            if expires is not None and time.monotonic() >= expires:
                del self._sessions[token or ""]
                return False
            return expires is not None

    def expire_sessions(self) -> int:
        with self.lock:
            count = len(self._sessions)
            self._sessions.clear()
            return count
