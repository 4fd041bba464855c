"""Requests per second per token, over a sliding one-second window, as PerfectQuote enforces."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW_S = 1.0


class RateLimiter:
    def __init__(self, *, per_second: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_second < 1:
            raise ValueError(f"per_second={per_second!r} must be at least 1")
        self.per_second = per_second
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}

    def admit(self, token: str) -> int | None:
        """None when the request may go ahead, else the whole seconds to wait (Retry-After)."""
        now = self._clock()
        with self._lock:
            seen = self._seen.setdefault(token, deque())
            while seen and now - seen[0] >= WINDOW_S:
                seen.popleft()
            if len(seen) >= self.per_second:
                return max(1, math.ceil(WINDOW_S - (now - seen[0])))
            seen.append(now)
            return None
