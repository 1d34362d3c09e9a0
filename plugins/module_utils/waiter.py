# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Poll until a predicate on what is read holds, on a monotonic clock, with an interval that grows with the wait.

vSphere's long operations (enabling a Supervisor, removing it) report progress
only through a status that has to be read again; this is the one loop that
does it. A timeout raises WaitTimeout carrying the last state read, so callers
can report how far the operation got.
"""

from __future__ import annotations

import time

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import WaitTimeout

FIRST_INTERVAL = 1.0
MAX_INTERVAL = 15.0
# The interval is this share of the time waited so far: the end of an operation
# is seen at most a tenth of its duration late (a doubling interval can be half).
LATE_SHARE = 0.1


def wait_until(
    read, done, *, timeout, what, describe=str, clock=time.monotonic, sleep=time.sleep, first_interval=FIRST_INTERVAL, max_interval=MAX_INTERVAL
):
    """Call ``read()`` until ``done(state)`` is true and return that state.

    The first read happens at once; the interval between reads is a tenth of
    the time waited so far, at least ``first_interval`` (1 s) and at most
    ``max_interval`` (15 s). After ``timeout``
    seconds, raises WaitTimeout with ``reached`` set to the last state and a
    message ending in ``describe(state)``. ``what`` completes "Timed out
    after N s waiting for ...".
    """
    started = clock()
    deadline = started + timeout
    while True:
        state = read()
        if done(state):
            return state
        remaining = deadline - clock()
        if remaining <= 0:
            raise WaitTimeout(f"Timed out after {timeout}s waiting for {what} (last seen: {describe(state)})", reached=state, timeout=timeout)
        interval = min(max_interval, max(first_interval, LATE_SHARE * (clock() - started)))
        sleep(min(interval, remaining))
