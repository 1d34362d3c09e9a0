"""REST API sessions: `POST /api/session` hands out a token that authenticates
later calls in `vmware-api-session-id`, until it is deleted or idle too long."""

import secrets
import threading
import time
from datetime import datetime, timezone


class Session:
    def __init__(self, user, now):
        self.user = user
        self.created = now
        self.last_accessed = now

    def info(self):
        """vCenter's session Info; `user` as vCenter shows an SSO user (DOMAIN\\Name)."""
        name, _, domain = self.user.partition("@")
        return {
            "user": f"{domain.upper()}\\{name.capitalize()}" if domain else self.user,
            "created_time": _iso(self.created),
            "last_accessed_time": _iso(self.last_accessed),
        }


class SessionStore:
    def __init__(self, idle_timeout, clock=time.time):
        self._idle_timeout = idle_timeout  # callable: seconds, read at each check
        self._clock = clock
        self._sessions = {}
        self._lock = threading.Lock()

    def create(self, user):
        token = secrets.token_hex(16)
        with self._lock:
            self._sessions[token] = Session(user, self._clock())
        return token

    def use(self, token):
        """The live session of `token` (its idle timer restarted), or None."""
        now = self._clock()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if now - session.last_accessed > self._idle_timeout():
                del self._sessions[token]
                return None
            session.last_accessed = now
            return session

    def delete(self, token):
        with self._lock:
            self._sessions.pop(token, None)

    def expire_all(self):
        """Forced expiry (a fault the control API injects); returns how many sessions ended."""
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
        return count


def _iso(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
