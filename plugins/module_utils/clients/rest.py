# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""vCenter REST client (``/api``) over requests.

Every request goes through ``request()``, which maps vCenter's error bodies
(``{"error_type": ..., "messages": [{"id", "default_message", "args"}]}``)
to the typed errors of ``module_utils.errors``, retries 503 / 429 (honouring
Retry-After) and dropped connections of idempotent requests, and logs in again
once when the session expired.
"""

from __future__ import annotations

import email.utils
import threading
import time
import traceback
from datetime import datetime, timezone

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.session import SessionClient
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.transport import (
    DROPPED_CONNECTION_ERRORS,
    RETRYABLE_HTTP_STATUSES,
    causes,
    describe_unreachable,
    ssl_context,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import (
    AlreadyExistsError,
    AmbiguousOutcome,
    ApiError,
    AuthenticationError,
    InvalidArgumentError,
    NotFoundError,
    ResourceBusyError,
    SessionExpired,
    TransientError,
    UnauthorizedError,
    one_line,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.retries import DEFAULT_POLICY, call_with_retries

try:
    import requests
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

# What a module needs to check before it starts (module_runner.Run.require).
REQUESTS_LIBRARY = ("requests", HAS_REQUESTS, REQUESTS_IMPORT_ERROR)

SESSION_HEADER = "vmware-api-session-id"
VERSION_PATH = "/api/appliance/system/version"

# vCenter's standard error types, by the typed error that stands for them.
# UNAUTHENTICATED is absent: a 401 means the session expired and is handled
# before this table is consulted.
_ERROR_CLASSES = {
    "ALREADY_EXISTS": AlreadyExistsError,
    "CONCURRENT_CHANGE": ResourceBusyError,
    "INVALID_ARGUMENT": InvalidArgumentError,
    "INVALID_ELEMENT_CONFIGURATION": InvalidArgumentError,
    "INVALID_ELEMENT_TYPE": InvalidArgumentError,
    "INVALID_REQUEST": InvalidArgumentError,
    "NOT_FOUND": NotFoundError,
    "RESOURCE_BUSY": ResourceBusyError,
    "UNAUTHORIZED": UnauthorizedError,
    "UNEXPECTED_INPUT": InvalidArgumentError,
}
# The error type an answer without a vCenter error body stands for.
_STATUS_ERROR_TYPES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "UNAUTHORIZED",
    404: "NOT_FOUND",
}
# What to do, by error type, appended to the message.
_ADVICE = {
    "ALREADY_EXISTS": "use another name or manage the existing object",
    "CONCURRENT_CHANGE": "another client changed the object meanwhile: read it again and retry",
    "INVALID_ARGUMENT": "fix the input",
    "NOT_FOUND": "check the name or identifier",
    "RESOURCE_BUSY": "another operation is running on the object: retry when it has finished",
    "UNAUTHORIZED": "grant the user the privilege or use another account",
}


def retry_after_seconds(value, now=None):
    """Seconds a Retry-After header asks to wait (delta-seconds or HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


def error_details(response):
    """``(error_type, [messages])`` from a vCenter error body, falling back to the HTTP status."""
    error_type = None
    messages = []
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        error_type = body.get("error_type") or body.get("type")
        for item in body.get("messages") or ():
            if isinstance(item, dict) and item.get("default_message"):
                messages.append(one_line(item["default_message"]))
    if not messages and response.text and body is None:
        messages.append(one_line(response.text)[:200])
    return error_type or _STATUS_ERROR_TYPES.get(response.status_code), messages


class RestClient(SessionClient):
    """A logged-in vCenter REST session; use as a context manager.

    Thread-safe for concurrent requests; session renewal is serialised so
    parallel callers log in again once. ``sleep`` is injectable for tests.
    """

    def __init__(self, connection, *, retry_policy=DEFAULT_POLICY, sleep=time.sleep):
        super().__init__()
        self.connection = connection
        self._retry_policy = retry_policy
        self._sleep = sleep
        self._base_url = f"https://{connection.hostname}:{connection.port}"
        # Passed with every request: requests lets REQUESTS_CA_BUNDLE override
        # a session-level setting, which would silently ignore ca_cert.
        self._verify = (connection.ca_cert or True) if connection.validate_certs else False
        self._http = None
        self._token = None
        self._where = f" on vCenter {connection.endpoint}"
        self._version = None
        self._version_lock = threading.Lock()

    def vcenter_version(self):
        """The version the appliance reports (``8.0.3.00000``; empty when it says none), read once per client."""
        with self._version_lock:
            if self._version is None:
                self._version = (self.get(VERSION_PATH, what="read the vCenter version") or {}).get("version") or ""
            return self._version

    def open(self):
        return self.login()

    def login(self):
        """Create a session with the user name and password (``POST /api/session``)."""
        # Fails early, with a clear message, on an unreadable ca_cert.
        ssl_context(self.connection)
        if self._http is None:
            self._http = requests.Session()
        self._token = None
        try:
            token = self._request_with_retries("POST", "/api/session", None, None, f"log in as '{self.connection.username}'", login=True)
        except BaseException:
            # A first login that failed leaves no session to end: just do not
            # leave sockets behind. A failed renewal leaves that to close().
            if self._session_generation == 0:
                self._http.close()
                self._http = None
            raise
        self._token = token
        self._session_generation += 1
        return self

    def close(self):
        """End the session (``DELETE /api/session``) and close the connections."""
        if self._http is None:
            return
        try:
            if self._token is not None:
                self._request_with_retries("DELETE", "/api/session", None, None, "log out", renew_session=False)
        except SessionExpired:
            pass  # The server already ended the session: what logging out is for.
        finally:
            self._http.close()
            self._http = None
            self._token = None

    def get(self, path, *, params=None, what=None):
        return self.request("GET", path, params=params, what=what)

    def post(self, path, *, params=None, json=None, what=None, idempotent=None, read_back=None):
        """``idempotent``: the POST is a query or an action that is a no-op when repeated (tag attach), so a dropped one is retried.

        ``read_back``: for a POST that is not, a function that reads whether
        vCenter acted on it (the namespace exists, the enable started). When
        the connection drops after the POST was sent, it is asked: True, the
        POST took effect (its answer is None); False, the POST is sent again,
        within the retry policy.
        """
        return self.request("POST", path, params=params, json=json, what=what, idempotent=idempotent, read_back=read_back)

    def patch(self, path, *, params=None, json=None, what=None):
        return self.request("PATCH", path, params=params, json=json, what=what)

    def put(self, path, *, params=None, json=None, what=None):
        return self.request("PUT", path, params=params, json=json, what=what)

    def delete(self, path, *, params=None, what=None):
        return self.request("DELETE", path, params=params, what=what)

    def request(self, method, path, *, params=None, json=None, what=None, idempotent=None, read_back=None):
        """Send ``method path`` and return the decoded JSON body (None when empty).

        ``what`` describes the operation for error messages ("enable Workload
        Management on cluster 'C1'"); it defaults to the method and path.
        """
        return self._request_with_retries(method, path, params, json, what or f"{method} {path}", idempotent=idempotent, read_back=read_back)

    # -- internals ---------------------------------------------------------

    def _request_with_retries(self, method, path, params, json, what, *, login=False, renew_session=True, idempotent=None, read_back=None):
        unanswered = []  # attempts whose connection dropped: the server may have acted on them

        def attempt():
            try:
                return self._send(method, path, params, json, what, login=login, idempotent=idempotent)
            except TransientError as error:
                if error.status is None:
                    unanswered.append(error)
                raise
            except NotFoundError:
                if method == "DELETE" and unanswered:
                    return None  # the DELETE whose answer was lost went through
                raise
            except AmbiguousOutcome as error:
                if read_back is None:
                    raise
                if read_back():
                    return None
                # Nothing came of it: sending it again is safe, and counts as a retry.
                raise TransientError(f"{error.context}: the connection was dropped, before vCenter acted on it") from error

        def with_retries():
            return call_with_retries(attempt, self._retry_policy, sleep=self._sleep)

        return self._renewing_session(with_retries, renew_session=renew_session and not login)

    def _log_in_again(self):
        self.login()

    def _send(self, method, path, params, json, what, *, login, idempotent=None):
        context = f"Failed to {what}{self._where}"
        # POST creates (unless the caller knows better); a dropped connection may have left the object created.
        if idempotent is None:
            idempotent = login or method != "POST"
        headers = {"Accept": "application/json"}
        if self._token is not None:
            headers[SESSION_HEADER] = self._token
        auth = (self.connection.username, self.connection.password) if login else None
        try:
            response = self._http.request(
                method, self._base_url + path, params=params, json=json, headers=headers, auth=auth, timeout=self.connection.timeout, verify=self._verify
            )
        except requests.exceptions.RequestException as error:
            raise self._transport_error(error, context, idempotent) from error

        status = response.status_code
        if 200 <= status < 300:
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError as error:
                raise ApiError(f"{context}: the answer is not JSON ({one_line(response.text)[:200]}): is this a vCenter?", status=status) from error
        error_type, messages = error_details(response)
        detail = "; ".join(messages) or response.reason or "no details"
        if status in RETRYABLE_HTTP_STATUSES:
            raise TransientError(
                f"{context}: HTTP {status} ({detail}): vCenter is busy or restarting, retry later",
                status=status,
                error_type=error_type,
                messages=messages,
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        if login and status == 401:
            raise AuthenticationError(
                f"{context}: vCenter rejected the user name or password (401 {error_type or 'UNAUTHENTICATED'}): check username and password",
                username=self.connection.username,
            )
        if status == 401:
            raise SessionExpired(
                f"{context}: the session is no longer valid (401 {error_type or 'UNAUTHENTICATED'}): log in again", username=self.connection.username
            )
        error_class = _ERROR_CLASSES.get(error_type, ApiError)
        advice = _ADVICE.get(error_type)
        message = f"{context}: {error_type or 'HTTP ' + str(status)}: {detail}" + (f": {advice}" if advice else "")
        raise error_class(message, status=status, error_type=error_type, messages=messages)

    def _transport_error(self, error, context, idempotent):
        chain = causes(error)
        if any(isinstance(cause, DROPPED_CONNECTION_ERRORS) for cause in chain):
            if idempotent:
                return TransientError(f"{context}: the connection was dropped")
            return AmbiguousOutcome(
                f"{context}: the connection was dropped after the request was sent;"
                " the change may or may not have been made: read the state again before retrying",
                context=context,
                host=self.connection.hostname,
                port=self.connection.port,
            )
        return describe_unreachable(error, self.connection)
