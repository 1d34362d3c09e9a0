"""Object storage: one SQLite file per API server, a cluster-wide resourceVersion,
and a change feed for watches and controllers.

Like etcd behind a real API server: every write bumps one revision counter and
stamps the object's `metadata.resourceVersion` with it; a write that expects
another revision fails (`StaleRevision`), which the registry turns into 409.
Objects are cached in memory and written through, so a restarted lab finds
them again. Changes of the last `history_seconds` (real seconds, the lab's
`watch_history_seconds`, 5 minutes by default: the API server's etcd
compaction interval) are kept in memory for watches and for lists at an
exact resourceVersion; older ones are compacted, and asking for them is told
it expired (410), as etcd compaction would.
"""

import collections
import json
import sqlite3
import threading
import time
from typing import NamedTuple, Optional

from . import meta

DEFAULT_HISTORY_SECONDS = 300.0  # kube-apiserver --etcd-compaction-interval
MAX_HISTORY = 100_000  # changes kept at most whatever the window, to bound the lab's memory


class Event(NamedTuple):
    revision: int
    type: str  # ADDED, MODIFIED, DELETED
    resource_key: str
    object: dict
    previous: Optional[dict] = None  # the object before a MODIFIED or DELETED change
    at: float = 0.0  # time.monotonic() of the change


class StaleRevision(Exception):
    """The stored object is not at the revision the writer expected."""


class AlreadyStored(Exception):
    pass


class NotStored(Exception):
    pass


class HistoryExpired(Exception):
    """A watch asked for changes older than the kept history."""


class ObjectStore:
    def __init__(self, path, history_seconds=lambda: DEFAULT_HISTORY_SECONDS):
        self._history_seconds = history_seconds  # callable: the window is a setting of the running lab
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        # WAL without an fsync per commit: a lab killed and restarted still finds every write (the OS keeps them);
        # only a crash of the machine could lose the last ones, and a lab does not outlive its machine.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS objects (resource TEXT, namespace TEXT, name TEXT, body TEXT, "
                         "PRIMARY KEY (resource, namespace, name))")
        self._db.execute("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT)")
        self._db.commit()
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._objects = {}  # {(resource, namespace, name): object}
        self._by_resource = collections.defaultdict(dict)  # {resource: {key: object}}: a list reads its resource only
        for resource, namespace, name, body in self._db.execute("SELECT resource, namespace, name, body FROM objects"):
            self._put((resource, namespace, name), json.loads(body))
        row = self._db.execute("SELECT value FROM state WHERE key = 'revision'").fetchone()
        self._revision = int(row[0]) if row else 0
        self._history = collections.deque()
        self._history_start = self._revision  # changes after this revision are in _history
        self._listeners = []

    @property
    def revision(self):
        with self._lock:
            return self._revision

    def add_listener(self, callback):
        """`callback(event)` after every change, in order, under the store's lock: keep it short."""
        with self._lock:
            self._listeners.append(callback)

    def get(self, resource_key, namespace, name):
        with self._lock:
            found = self._objects.get((resource_key, namespace or "", name))
            return meta.deep_copy(found) if found is not None else None

    def list(self, resource_key, namespace=None, copied=True):
        """(objects sorted by namespace and name, the revision they were read at). ``copied=False``: the stored objects
        themselves, for a reader that only looks (a write replaces an object, never changes it); never change them."""
        copy = meta.deep_copy if copied else (lambda obj: obj)
        with self._lock:
            items = [copy(obj) for (_, ns, _), obj in self._by_resource.get(resource_key, {}).items()
                     if namespace is None or ns == namespace]
            revision = self._revision
        items.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
        return items, revision

    def resource_keys(self):
        with self._lock:
            return sorted(resource for resource, objects in self._by_resource.items() if objects)

    def create(self, resource_key, obj):
        key = _key(resource_key, obj)
        with self._lock:
            if key in self._objects:
                raise AlreadyStored(key)
            return self._write(key, obj, "ADDED")

    def update(self, resource_key, obj, expected_revision):
        key = _key(resource_key, obj)
        with self._lock:
            current = self._objects.get(key)
            if current is None:
                raise NotStored(key)
            if expected_revision is not None and current["metadata"]["resourceVersion"] != expected_revision:
                raise StaleRevision(key)
            return self._write(key, obj, "MODIFIED")

    def delete(self, resource_key, namespace, name, expected_revision=None):
        key = (resource_key, namespace or "", name)
        with self._lock:
            current = self._objects.get(key)
            if current is None:
                raise NotStored(key)
            if expected_revision is not None and current["metadata"]["resourceVersion"] != expected_revision:
                raise StaleRevision(key)
            self._revision += 1
            gone = meta.deep_copy(current)
            gone["metadata"]["resourceVersion"] = str(self._revision)
            with self._db:
                self._db.execute("DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?", key)
                self._save_revision()
            del self._objects[key], self._by_resource[resource_key][key]
            self._publish(Event(self._revision, "DELETED", resource_key, gone, current))
            return meta.deep_copy(gone)

    def events_after(self, revision):
        """Changes after `revision`, oldest first; HistoryExpired when they are no longer known."""
        with self._lock:
            self._compact()
            if revision < self._history_start:
                raise HistoryExpired(revision)
            return [event for event in self._history if event.revision > revision]

    def list_at(self, resource_key, namespace, revision):
        """`list()` as it was at `revision`: today's objects with the later changes undone; HistoryExpired when they
        are no longer known. A revision not reached yet is answered as today's (the caller refuses it)."""
        with self._lock:
            later = self.events_after(revision)
            objects = dict(self._by_resource.get(resource_key, {}))
            for event in reversed(later):
                if event.resource_key != resource_key:
                    continue
                key = _key(resource_key, event.object)
                if event.previous is None:
                    objects.pop(key, None)
                else:
                    objects[key] = event.previous
            items = [meta.deep_copy(obj) for (_, ns, _), obj in objects.items() if namespace is None or ns == namespace]
        items.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
        return items

    def wait_for_change(self, revision, timeout):
        """Block until a change after `revision` (or `timeout` seconds); True when there is one."""
        with self._changed:
            return self._changed.wait_for(lambda: self._revision > revision, timeout)

    def clear(self):
        """Forget every object (lab reset). The revision keeps counting, so old watches expire."""
        with self._lock:
            with self._db:
                self._db.execute("DELETE FROM objects")
                self._save_revision()
            self._objects.clear()
            self._by_resource.clear()
            self._history.clear()
            self._history_start = self._revision
            self._changed.notify_all()

    def close(self):
        with self._lock:
            self._db.close()

    def _write(self, key, obj, event_type):
        self._revision += 1
        stored = meta.deep_copy(obj)
        stored["metadata"]["resourceVersion"] = str(self._revision)
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?)", (*key, json.dumps(stored)))
            self._save_revision()
        previous = self._objects.get(key)
        self._put(key, stored)
        self._publish(Event(self._revision, event_type, key[0], meta.deep_copy(stored), previous))
        return meta.deep_copy(stored)

    def _put(self, key, stored):
        self._objects[key] = self._by_resource[key[0]][key] = stored

    def _save_revision(self):
        self._db.execute("INSERT OR REPLACE INTO state VALUES ('revision', ?)", (str(self._revision),))

    def _publish(self, event):
        self._history.append(event._replace(at=time.monotonic()))
        self._compact()
        self._changed.notify_all()
        for callback in self._listeners:
            callback(event)


    def _compact(self):
        """Forget the changes older than the window, as etcd compaction does."""
        oldest = time.monotonic() - self._history_seconds()
        while self._history and (self._history[0].at < oldest or len(self._history) > MAX_HISTORY):
            self._history_start = self._history.popleft().revision


def _key(resource_key, obj):
    metadata = obj["metadata"]
    return (resource_key, metadata.get("namespace", ""), metadata["name"])
