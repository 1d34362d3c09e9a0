"""Knobs of the simulated vCenter, read from the environment and changeable through control.

Durations of simulated work (enabling a Supervisor, a slowed-down task) are
in simulated seconds; `time_scale` turns them into real ones, so that tests
run a 10-minute enable in seconds (`LAB_TIME_SCALE=0.01`).
"""

import os
import threading

# name: (environment variable, default, minimum)
KNOBS = {
    "time_scale": ("LAB_TIME_SCALE", 1.0, 0.0),
    # Real seconds: session expiry is about the client's clock, not the simulation's.
    "rest_idle_timeout": ("LAB_REST_IDLE_TIMEOUT", 1800.0, 1.0),
    "supervisor_enable_seconds": ("LAB_SUPERVISOR_ENABLE_SECONDS", 600.0, 0.0),
    "supervisor_disable_seconds": ("LAB_SUPERVISOR_DISABLE_SECONDS", 300.0, 0.0),
    "supervisor_resize_seconds": ("LAB_SUPERVISOR_RESIZE_SECONDS", 300.0, 0.0),
    # A Supervisor upgrade: each of the three control-plane VMs is replaced in a third of it.
    "supervisor_upgrade_seconds": ("LAB_SUPERVISOR_UPGRADE_SECONDS", 900.0, 0.0),
    # Installing, upgrading or removing a Supervisor Service on a Supervisor.
    "supervisor_service_seconds": ("LAB_SUPERVISOR_SERVICE_SECONDS", 120.0, 0.0),
    # Real seconds, the Supervisors' API servers: changes kept for watches (etcd's compaction interval), and
    # between the bookmarks of a watch that asks for them.
    "watch_history_seconds": ("LAB_WATCH_HISTORY_SECONDS", 300.0, 0.0),
    "watch_bookmark_seconds": ("LAB_WATCH_BOOKMARK_SECONDS", 60.0, 0.1),
}


class Settings:
    def __init__(self, environ=os.environ):
        self._lock = threading.Lock()
        self._values = {name: float(environ.get(var, default)) for name, (var, default, _) in KNOBS.items()}
        for name, value in self._values.items():
            _check(name, value)

    def __getattr__(self, name):
        if name not in KNOBS:
            raise AttributeError(name)
        with self._lock:
            return self._values[name]

    def as_dict(self):
        with self._lock:
            return dict(self._values)

    def update(self, changes):
        """Apply `{knob: number}`; ValueError (nothing applied) on an unknown knob or bad value."""
        unknown = set(changes) - set(KNOBS)
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}; known: {sorted(KNOBS)}")
        for name, value in changes.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ValueError(f"{name} must be a number")
            _check(name, value)
        with self._lock:
            self._values.update({name: float(value) for name, value in changes.items()})
        return self.as_dict()

    def real_seconds(self, simulated_seconds):
        return simulated_seconds * self.time_scale


def _check(name, value):
    minimum = KNOBS[name][2]
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
