"""A Redis lease with an owner token: one holder at a time, renewed while held, released only by its owner.

Only the holder can take a fence token from a counter (`take_token`): a monotonic number the
database checks before every write of the run (`worker.service.run_fence`).
"""

from __future__ import annotations

import contextvars
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from config.logging import get_logger

log = get_logger(__name__)

# Compare-and-set scripts: a holder whose lease expired must never extend or delete someone else's.
_RENEW = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
          "return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0")
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
# The next token of a counter, for the lease's holder only, and above `floor` (what the database last saw).
_TAKE_TOKEN = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return false end
local token = redis.call('incr', KEYS[2])
local floor = tonumber(ARGV[2])
if token <= floor then token = redis.call('incrby', KEYS[2], floor + 1 - token) end
return token
"""


class Lease:
    """The lease on one key; `token` identifies this holder."""

    def __init__(self, client: redis.Redis, key: str, *, ttl_ms: int, token: str | None = None) -> None:
        if ttl_ms <= 0:
            raise ValueError(f"lease ttl_ms={ttl_ms} must be greater than zero")
        self.client = client
        self.key = key
        self.ttl_ms = ttl_ms
        self.token = token or uuid.uuid4().hex

    def acquire(self) -> bool:
        """Take the lease if nobody holds it."""
        return bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))

    def renew(self) -> bool:
        """Push the expiry out to a full ttl again; False if this holder no longer owns the lease."""
        return bool(self.client.eval(_RENEW, 1, self.key, self.token, self.ttl_ms))

    def release(self) -> bool:
        """Give the lease up; False if it had already expired or passed to another holder."""
        return bool(self.client.eval(_RELEASE, 1, self.key, self.token))

    def take_token(self, counter_key: str, *, floor: int = 0) -> int | None:
        """The next fence token of `counter_key`, above `floor`; None if this holder no longer owns the lease.

        The counter is a convenience, not the authority: after a wiped Redis it restarts above `floor`.
        """
        token = self.client.eval(_TAKE_TOKEN, 2, self.key, counter_key, self.token, int(floor))
        return None if token is None else int(token)

    def remaining_ms(self) -> int:
        """Milliseconds until the current holder's lease expires (0 when nobody holds it)."""
        return max(int(self.client.pttl(self.key)), 0)

    @contextmanager
    def kept_alive(self, *, every_s: float | None = None) -> Iterator[None]:
        """Renew in a background thread while the body runs (default: three times per ttl)."""
        renewer = _Renewer(self, every_s=every_s or self.ttl_ms / 3000)
        renewer.start()
        try:
            yield
        finally:
            renewer.stop()


class _Renewer(threading.Thread):
    def __init__(self, lease: Lease, *, every_s: float) -> None:
        super().__init__(name=f"lease-renewer:{lease.key}", daemon=True)
        self.lease = lease
        self.every_s = every_s
        self.stopped = threading.Event()
        # The renewer's log lines carry the run's bound context (message_id, group_id, ...).
        self.context = contextvars.copy_context()

    def run(self) -> None:
        self.context.run(self._renew_until_stopped)

    def _renew_until_stopped(self) -> None:
        while not self.stopped.wait(self.every_s):
            try:
                renewed = self.lease.renew()
            except redis.RedisError as error:
                log.warning("worker.lease.renew_failed", key=self.lease.key, error=str(error))
                continue
            if not renewed:
                log.error("worker.lease.lost", key=self.lease.key)
                return

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=self.every_s + 1)
