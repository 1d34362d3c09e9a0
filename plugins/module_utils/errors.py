# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Typed errors raised by the clients and resources of pacific.vsphere.

Every message is meant to be shown to a user as is, on one line: it says what
failed, on which object or endpoint, and what to do about it. Callers that
need to react to a failure match on the type and read the attributes, never
parse the message.
"""

from __future__ import annotations

import re

_WHITESPACE = re.compile(r"\s+")


def one_line(text):
    """Collapse whitespace so server-provided text cannot break a one-line message."""
    return _WHITESPACE.sub(" ", str(text)).strip()


class PacificError(Exception):
    """Base of every error pacific.vsphere raises on purpose."""

    def __init__(self, message):
        super().__init__(one_line(message))

    @property
    def message(self):
        return self.args[0]

    def details(self):
        """What the error carries besides its message, for a front end to return with it: what was reached, what changed."""
        return {}


class ConnectionFailure(PacificError):
    """The endpoint could not be reached or its TLS certificate was not trusted."""

    def __init__(self, message, *, host=None, port=None):
        super().__init__(message)
        self.host = host
        self.port = port


class AmbiguousOutcome(ConnectionFailure):
    """A call that changes something was sent and no answer came back: the server may or may not have acted on it.

    The clients resolve it by reading back (a vim25 task among vCenter's
    recent tasks, a REST call's ``read_back``) before sending it again; it
    reaches the caller only when nothing could tell. ``context`` is what was
    being done ("Failed to create namespace 'a' on vCenter v:443"), for the
    message of a retry.
    """

    def __init__(self, message, *, context=None, host=None, port=None):
        super().__init__(message, host=host, port=port)
        self.context = context or message


class AuthenticationError(PacificError):
    """The credentials were rejected, or the session could not be re-established."""

    def __init__(self, message, *, username=None):
        super().__init__(message)
        self.username = username


class SessionExpired(AuthenticationError):
    """The server no longer knows the session; the clients log in again once on it."""


class ApiError(PacificError):
    """The API answered with an error; ``error_type`` is the vCenter REST error type or vSphere fault name."""

    def __init__(self, message, *, status=None, error_type=None, messages=()):
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.messages = list(messages)


class NotFoundError(ApiError):
    """A named object does not exist; ``known`` lists the names that do, when they are known."""

    def __init__(self, message, *, kind=None, name=None, known=(), **api):
        super().__init__(message, **api)
        self.kind = kind
        self.name = name
        self.known = list(known)


class AlreadyExistsError(ApiError):
    """An object with that name or identity already exists."""


class InvalidArgumentError(ApiError):
    """The request was rejected as invalid; the input has to change before retrying."""


class UnknownNameError(NotFoundError, InvalidArgumentError):
    """A name the user gave matches no object: not found, and input that has to change."""


class UnauthorizedError(ApiError):
    """The user is authenticated but lacks a privilege for the operation."""


class ResourceBusyError(ApiError):
    """The object is being changed by another operation; retrying later may succeed."""


class TransientError(ApiError):
    """A failure worth retrying: dropped connection, 503, 429.

    ``retry_after`` is the delay in seconds the server asked for, if any.
    ``attempts`` is set by the retry helper when it gives up.
    """

    def __init__(self, message, *, retry_after=None, **api):
        super().__init__(message, **api)
        self.retry_after = retry_after
        self.attempts = 1

    def __str__(self):
        if self.attempts > 1:
            return f"{self.message} (gave up after {self.attempts} attempts)"
        return self.message


class TaskFailed(PacificError):
    """A vSphere task ended in error.

    ``fault_type`` is the vSphere fault name (``InvalidState``), ``fault_message``
    its localized message, ``task`` the task moid and ``entity`` the name of the
    object the task ran on.
    """

    def __init__(self, message, *, fault_type=None, fault_message=None, task=None, entity=None):
        super().__init__(message)
        self.fault_type = fault_type
        self.fault_message = fault_message
        self.task = task
        self.entity = entity


class WaitTimeout(PacificError):
    """A wait ran out of time; ``reached`` is the last state observed."""

    def __init__(self, message, *, reached=None, timeout=None):
        super().__init__(message)
        self.reached = reached
        self.timeout = timeout
