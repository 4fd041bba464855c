"""A Redis lease with an owner token: one holder at a time, renewed while held, released only by its owner.

Only the holder can take a fence token from a counter (`take_token`): a monotonic number the
database checks before every write of the run (`worker.service.run_fence`).
"""

from __future__ import annotations

import contextvars
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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

    def release_in(self, pipe: redis.client.Pipeline) -> None:
        """`release` as one command of the caller's pipeline: its answer is `release`'s, as 1 or 0."""
        pipe.eval(_RELEASE, 1, self.key, self.token)

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
        """Renewed by the process's keeper thread while the body runs (default: three times per ttl)."""
        kept = _KEEPER.keep(self, every_s=every_s or self.ttl_ms / 3000)
        try:
            yield
        finally:
            _KEEPER.drop(kept)


@dataclass(eq=False, slots=True, kw_only=True)
class _Kept:
    lease: Lease
    every_s: float
    due_at: float
    # The renewal's log lines carry the run's bound context (message_id, group_id, ...).
    context: contextvars.Context


class _Keeper:
    """One thread per process renews every lease kept alive in it, each on its own schedule: a run
    starts no thread of its own, and ending it waits for none."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._changed = threading.Condition()
        self._kept: set[_Kept] = set()
        self._thread: threading.Thread | None = None

    def keep(self, lease: Lease, *, every_s: float) -> _Kept:
        kept = _Kept(lease=lease, every_s=every_s, due_at=time.monotonic() + every_s,
                     context=contextvars.copy_context())
        with self._changed:
            self._kept.add(kept)
            if self._thread is None:
                self._thread = threading.Thread(target=self._renew_while_kept, name="lease-keeper",
                                                daemon=True)
                self._thread.start()
            self._changed.notify()
        return kept

    def drop(self, kept: _Kept) -> None:
        with self._changed:
            self._kept.discard(kept)

    def _renew_while_kept(self) -> None:
        while True:
            with self._changed:
                now = time.monotonic()
                due = [kept for kept in self._kept if kept.due_at <= now]
                if not due:
                    next_at = min((kept.due_at for kept in self._kept), default=None)
                    self._changed.wait(None if next_at is None else next_at - now)
                    continue
                for kept in due:
                    kept.due_at = now + kept.every_s
            for kept in due:
                kept.context.run(self._renew, kept)

    def _renew(self, kept: _Kept) -> None:
        try:
            renewed = kept.lease.renew()
        except redis.RedisError as error:
            log.warning("worker.lease.renew_failed", key=kept.lease.key, error=str(error))
            return
        with self._changed:
            # A lease dropped while it was renewed was released by its run: not renewed, and not lost.
            if renewed or kept not in self._kept:
                return
            self._kept.discard(kept)
        log.error("worker.lease.lost", key=kept.lease.key)


_KEEPER = _Keeper()
# A forked worker process has none of its parent's threads, and may have copied its lock held.
os.register_at_fork(after_in_child=_KEEPER._reset)
