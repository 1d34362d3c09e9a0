# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The session lifecycle the vim25 and REST clients share.

A client opens its session on ``with`` and closes it on the way out, without
letting a failed logout mask the error that is propagating. A call that finds
the session expired logs in again once, for all the threads sharing the
client, and is made again.
"""

from __future__ import annotations

import threading

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import SessionExpired


class SessionClient:
    """Base of the clients: subclasses provide ``open()``, ``close()`` and ``_log_in_again()``.

    ``_session_generation`` counts the logins; a subclass adds one after each
    successful login, so that threads that saw the same expired session renew
    it once.
    """

    def __init__(self):
        self._session_lock = threading.Lock()
        self._session_generation = 0

    def __enter__(self):
        return self.open()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
            return
        try:
            self.close()
        except Exception:
            # The error already propagating says what went wrong; a failed
            # logout must not replace it, and the session times out anyway.
            pass

    def open(self):
        """Log in; return the client."""
        raise NotImplementedError

    def close(self):
        """Log out and release the connections."""
        raise NotImplementedError

    def _log_in_again(self):
        raise NotImplementedError

    def _renewing_session(self, call, *, renew_session=True):
        """Return ``call()``; when the session expired, log in again (once across threads) and call again."""
        generation = self._session_generation
        try:
            return call()
        except SessionExpired:
            if not renew_session:
                raise
            with self._session_lock:
                # Another thread may have logged in again while this one waited.
                if self._session_generation == generation:
                    self._log_in_again()
            return call()
