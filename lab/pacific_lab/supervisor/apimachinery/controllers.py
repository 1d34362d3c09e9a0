"""A controller: a de-duplicating, delaying work queue drained by reconcile workers.

Reconcilers are level-based, as in controller-runtime: they get a key, read
the current state and move it one step toward the desired state; they return
how long to wait before looking again (None: only when something changes).
A key queued while it is being reconciled runs again afterwards. A write
conflict (409) is retried at once; any other failure is logged with its
traceback and retried with backoff.
"""

import logging
import threading
import time

from .errors import ApiError

MAX_BACKOFF = 30.0
FIRST_BACKOFF = 0.2


class Controller:
    def __init__(self, name, reconcile, workers=1):
        self.name = name
        self._reconcile = reconcile
        self._workers = workers
        self._due = {}  # key -> monotonic time it may run
        self._running = set()
        self._failures = {}
        self._lock = threading.Condition()
        self._stopping = False
        self._threads = []
        self._log = logging.getLogger(f"pacific_lab.supervisor.{name}")

    def enqueue(self, key, delay=0.0):
        when = time.monotonic() + max(0.0, delay)
        with self._lock:
            if key not in self._due or when < self._due[key]:
                self._due[key] = when
            self._lock.notify_all()

    def start(self):
        self._stopping = False
        for number in range(self._workers):
            thread = threading.Thread(target=self._work, name=f"{self.name}-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self):
        with self._lock:
            self._stopping = True
            self._due.clear()
            self._lock.notify_all()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads = []

    def _next_key(self):
        with self._lock:
            while not self._stopping:
                now = time.monotonic()
                ready = [k for k, when in self._due.items() if when <= now and k not in self._running]
                if ready:
                    key = min(ready, key=self._due.get)
                    del self._due[key]
                    self._running.add(key)
                    return key
                waits = [when - now for k, when in self._due.items() if k not in self._running]
                self._lock.wait(timeout=min(waits) if waits else None)
            return None

    def _work(self):
        while True:
            key = self._next_key()
            if key is None:
                return
            try:
                again = self._reconcile(key)
            except Exception as error:
                if self._stopping:
                    # Stopped meanwhile (its store or vcsim handle closed): nothing to retry.
                    self._log.info("reconciling %s ended by the stop: %s", key, error)
                    again = None
                elif isinstance(error, ApiError) and error.code == 409:
                    # Someone wrote the object since it was read: read it again,
                    # as any controller does on a conflict.
                    again = FIRST_BACKOFF
                else:
                    failures = self._failures.get(key, 0) + 1
                    self._failures[key] = failures
                    again = min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** (failures - 1))
                    self._log.exception("reconciling %s failed (attempt %d); retrying in %.1fs", key, failures, again)
            else:
                self._failures.pop(key, None)
            with self._lock:
                self._running.discard(key)
                self._lock.notify_all()
            if again is not None and not self._stopping:
                self.enqueue(key, again)
