"""Simulated time for background work: durations in simulated seconds, run at the lab's time scale."""

import time

STEP = 0.05  # real seconds between looks at the stop flag and the (changeable) time scale


class Cancelled(Exception):
    """The lab is stopping or resetting: background work ends where it is."""


class SimulatedClock:
    def __init__(self, settings, stop):
        self._settings = settings
        self._stop = stop  # threading.Event

    def sleep(self, simulated_seconds):
        """Let `simulated_seconds` pass; a time scale changed meanwhile applies to the rest."""
        remaining = simulated_seconds
        while remaining > 0:
            scale = self._settings.time_scale
            if scale == 0:
                break
            real = min(remaining * scale, STEP)
            if self._stop.wait(real):
                raise Cancelled()
            remaining -= real / scale
        self.check()

    def check(self):
        if self._stop.is_set():
            raise Cancelled()

    @staticmethod
    def now():
        return time.monotonic()
