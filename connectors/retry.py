"""The one retry policy of every connector: transient faults only, jittered, bounded."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
)

from config.logging import get_logger
from connectors.errors import TransientError

T = TypeVar("T")
log = get_logger(__name__)


def _is_transient(error: BaseException) -> bool:
    return isinstance(error, TransientError)


def _wait_s(*, base_s: float, cap_s: float, retry_after_cap_s: float,
            rng: random.Random) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        # Full jitter (AWS architecture blog) so that many workers do not retry in step.
        backoff_s = rng.uniform(0, min(cap_s, base_s * 2 ** (state.attempt_number - 1)))
        error = state.outcome.exception() if state.outcome else None
        hinted = getattr(error, "retry_after_s", None)
        if hinted is not None:
            return min(max(float(hinted), backoff_s), retry_after_cap_s)
        return backoff_s

    return wait


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning(
        "http.retry",
        system=getattr(error, "system", None),
        operation=getattr(error, "operation", None),
        attempt=state.attempt_number,
        wait_s=round(state.next_action.sleep, 3) if state.next_action else None,
        status=getattr(error, "status", None),
        error=getattr(error, "message", str(error)),
    )


def call_with_retry(
    call: Callable[[], T],
    *,
    max_attempts: int = 5,
    max_total_s: float = 30.0,
    base_s: float = 0.2,
    cap_s: float = 5.0,
    retry_after_cap_s: float = 30.0,
    sleep: Callable[[float], None] | None = None,
    rng: random.Random | None = None,
) -> T:
    """Run `call`, trying again on TransientError until attempts or total seconds run out.

    The last error is raised as it is (not wrapped), so callers see the typed error.
    """
    options = {} if sleep is None else {"sleep": sleep}
    retrying = Retrying(
        retry=retry_if_exception(_is_transient),
        stop=stop_after_attempt(max_attempts) | stop_after_delay(max_total_s),
        wait=_wait_s(base_s=base_s, cap_s=cap_s, retry_after_cap_s=retry_after_cap_s,
                     rng=rng or random.Random()),
        before_sleep=_log_retry,
        reraise=True,
        **options,
    )
    return retrying(call)
