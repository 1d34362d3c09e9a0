"""What the simulated vCenter knows beyond vcsim's inventory (Supervisors,
namespaces, VM classes), kept in SQLite under the run directory so that it
survives a restart of the lab."""

import json
import sqlite3
import threading


class Store:
    """JSON documents by (kind, id); every call is one transaction."""

    def __init__(self, path):
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # no fsync per commit: a restarted lab still finds every write
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS documents (kind TEXT, id TEXT, body TEXT, PRIMARY KEY (kind, id))")

    def get(self, kind, key):
        with self._lock:
            row = self._db.execute("SELECT body FROM documents WHERE kind=? AND id=?", (kind, key)).fetchone()
        return json.loads(row[0]) if row else None

    def all(self, kind):
        with self._lock:
            rows = self._db.execute("SELECT body FROM documents WHERE kind=? ORDER BY id", (kind,)).fetchall()
        return [json.loads(body) for (body,) in rows]

    def put(self, kind, key, document):
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO documents VALUES (?, ?, ?)", (kind, key, json.dumps(document)))

    def delete(self, kind, key):
        with self._lock:
            self._db.execute("DELETE FROM documents WHERE kind=? AND id=?", (kind, key))

    def clear(self):
        with self._lock:
            self._db.execute("DELETE FROM documents")

    def close(self):
        with self._lock:
            self._db.close()
