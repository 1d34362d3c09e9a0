"""Thread-safe, bounded, in-memory log of the requests the front door served.

Tests use it to assert which API calls a module made (and how many), so every
request is recorded, including the ones the front door answers itself, and
so is every vim25 call the simulated vCenter's own services (Workload
Management, "wcp") make to vcsim: origin "client" or "wcp" tells them apart.
"""

import collections
import threading
import time
from typing import NamedTuple, Optional

from .soap import NOT_SOAP, SoapCall

DEFAULT_CAPACITY = 100_000

# Entry fields a GET /requests query may filter on (exact match).
FILTERABLE_FIELDS = ("api", "method", "path", "operation", "target", "target_type", "status", "origin")


class Outcome(NamedTuple):
    """What a front door route did with a request, for its log entry."""

    status: Optional[int]  # None: the connection was dropped without a response
    call: SoapCall = NOT_SOAP


class RequestLog:
    def __init__(self, capacity=DEFAULT_CAPACITY):
        self._entries = collections.deque(maxlen=capacity)
        self._lock = threading.Lock()

    def record(self, *, api, method, path, operation, target, target_type, status, origin="client", dry_run=False):
        entry = {
            "time": time.time(),
            "api": api,
            "method": method,
            "path": path,
            "operation": operation,
            "target": target,
            "target_type": target_type,
            "status": status,
            "origin": origin,
        }
        if dry_run:
            entry["dry_run"] = True  # a Kubernetes write with dryRun=All
        with self._lock:
            self._entries.append(entry)

    def entries(self, **filters):
        """Entries in arrival order; `filters` keep those whose fields equal the given strings."""
        unknown = set(filters) - set(FILTERABLE_FIELDS)
        if unknown:
            raise ValueError(f"cannot filter on {sorted(unknown)}; use {list(FILTERABLE_FIELDS)}")
        with self._lock:
            snapshot = list(self._entries)
        return [e for e in snapshot if all(str(e[k]) == v for k, v in filters.items())]

    def clear(self):
        with self._lock:
            self._entries.clear()
