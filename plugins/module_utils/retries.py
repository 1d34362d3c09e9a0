# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Retry a call on an allow-list of transient errors, with jittered exponential backoff."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import TransientError


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try.

    ``attempts`` counts the first call. The delay before retry ``n`` (1-based)
    is drawn uniformly from ``[0, min(max_delay, base_delay * 2 ** (n - 1))]``
    ("full jitter"), so clients that failed together do not retry together.
    A server's Retry-After wins over a shorter drawn delay; one longer than
    ``max_retry_after`` ends the retries at once, because waiting that long
    inside a module run is worse than reporting the overload. Retries also end
    once they would wait past ``max_total`` seconds since the first call.

    Ten attempts: a call each of whose attempts fails one time in three (a
    vCenter dropping a fifth of the requests and answering 503 to another
    fifth) still goes through 99.998 % of the time, so that a run of a few
    hundred calls converges.
    """

    attempts: int = 10
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    max_total: float = 120.0
    retry_on: tuple = (TransientError,)


DEFAULT_POLICY = RetryPolicy()


def backoff_delay(retry_number, policy, rand=random.random):
    """Delay in seconds before retry ``retry_number`` (1 for the first retry)."""
    ceiling = min(policy.max_delay, policy.base_delay * (2 ** (retry_number - 1)))
    return rand() * ceiling


def call_with_retries(func, policy=DEFAULT_POLICY, *, sleep=time.sleep, rand=random.random, clock=time.monotonic):
    """Return ``func()``, calling it again after errors of ``policy.retry_on`` only.

    Any other exception propagates at once. When the attempts are used up, the
    last retryable error propagates, with ``attempts`` recorded on it when it is
    a TransientError so its message says how hard we tried.
    """
    attempt = 1
    started = clock()
    while True:
        try:
            return func()
        except Exception as error:
            if not isinstance(error, policy.retry_on):
                raise
            retry_after = getattr(error, "retry_after", None)
            delay = max(backoff_delay(attempt, policy, rand), retry_after or 0)
            gave_up = any((
                attempt >= policy.attempts,
                retry_after is not None and retry_after > policy.max_retry_after,
                clock() - started + delay > policy.max_total,
            ))
            if gave_up:
                if isinstance(error, TransientError):
                    error.attempts = attempt
                raise
            sleep(delay)
            attempt += 1
