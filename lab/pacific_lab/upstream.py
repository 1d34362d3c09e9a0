"""Keep-alive connection pool to vcsim (plain HTTP on loopback).

One pool belongs to one vcsim process: a reset starts a new vcsim with a new
pool and closes the old pool, so a connection never outlives its server.
vcsim's HTTP server has no idle timeout, so it closes a connection only when a
handler panics (or it stops): a connection closed without a response means
the request broke vcsim, never that a pooled connection went stale. (Idle
connections are still checked before reuse, so a retry is never needed.)
"""

import collections
import http.client
import socket
import threading

# Raised by http.client / the socket layer when the peer closes the connection
# before sending a response.
_CLOSED_WITHOUT_RESPONSE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class UpstreamClosed(Exception):
    """vcsim closed the connection without answering (vcsim 0.24 does that when a handler panics)."""


class UpstreamPool:
    def __init__(self, host, port, max_idle=64):
        self.host = host
        self.port = port
        self._max_idle = max_idle
        self._idle = collections.deque()
        self._lock = threading.Lock()
        self._closed = False

    def send(self, method, path, headers, body=b"", stream_body=None):
        """Send one request and return `(connection, response)` with the response headers read.

        `body` is bytes; `stream_body` (an iterable of already framed byte chunks,
        for bodies too large to hold) is sent after the headers instead. The
        caller must read the response, then `release` (or `discard`) the connection.
        """
        conn = self._acquire()
        try:
            return conn, self._exchange(conn, method, path, headers, body, stream_body)
        except _CLOSED_WITHOUT_RESPONSE as error:
            conn.close()
            raise UpstreamClosed(f"{method} {path}: {error}") from error
        except BaseException:
            conn.close()  # failed mid-request: the connection is in an unknown state
            raise

    def release(self, conn, response):
        """Return a connection whose response was read to the end, or close it."""
        if response.will_close or conn.sock is None:
            conn.close()
            return
        with self._lock:
            if not self._closed and len(self._idle) < self._max_idle:
                self._idle.append(conn)
                return
        conn.close()

    @staticmethod
    def discard(conn):
        conn.close()

    def close(self):
        with self._lock:
            self._closed = True
            idle, self._idle = list(self._idle), collections.deque()
        for conn in idle:
            conn.close()

    def _acquire(self):
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                return self._connect()
            if _still_open(conn.sock):
                return conn
            conn.close()

    def _connect(self):
        # No timeout: calls such as WaitForUpdatesEx legitimately block for long.
        conn = http.client.HTTPConnection(self.host, self.port)
        conn.connect()
        # Headers and body go out in separate writes; don't let Nagle hold the body.
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    @staticmethod
    def _exchange(conn, method, path, headers, body, stream_body):
        # Host and Accept-Encoding are forwarded from the client verbatim.
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders(message_body=body or None)
        if stream_body is not None:
            for chunk in stream_body:
                conn.send(chunk)
        return conn.getresponse()


def _still_open(sock):
    """Whether an idle keep-alive connection can take a request (the server may have closed it)."""
    if sock is None:
        return False
    try:
        sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return True  # nothing to read: open and idle
    except ConnectionError:
        return False  # reset by the server
    return False  # EOF (b""), or bytes nobody asked for: either way unusable
