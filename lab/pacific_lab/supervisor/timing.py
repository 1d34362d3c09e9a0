"""Simulated durations: how long things take on a real Supervisor, times the lab's time scale.

Inside the lab the time scale is the vCenter service's setting (`POST
<control>/time-scale`, `LAB_TIME_SCALE`); on its own it comes from
`LAB_TIME_SCALE` (default 0.05: a minute lasts three seconds).
"""

import os

DEFAULT_FACTOR = 0.05

# Real-world durations in seconds.
VM_BOOT = 60  # clone the node image, power on, boot, join
RETRY_UNRESOLVED = 20  # how soon a cluster whose references do not resolve is looked at again
MIN_RETRY = 0.5  # real seconds: even at time scale 0, a retry does not spin


class TimeScale:
    def __init__(self, factor=None):
        """`factor`: a number, a callable answering the current one (the lab's setting), or None (environment)."""
        if factor is None:
            factor = float(os.environ.get("LAB_TIME_SCALE", DEFAULT_FACTOR))
        self._source = factor if callable(factor) else (lambda: float(factor))

    @property
    def factor(self):
        return self._source()

    def seconds(self, real_world_seconds):
        return real_world_seconds * self.factor

    def retry_after(self, real_world_seconds):
        return max(MIN_RETRY, self.seconds(real_world_seconds))
