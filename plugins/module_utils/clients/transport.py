# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""TLS settings and connection-failure messages shared by the SOAP and REST clients."""

from __future__ import annotations

import socket
import ssl

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import ConnectionFailure, InvalidArgumentError, one_line

# Seconds each step of an HTTP exchange may take by default (connecting, the
# TLS handshake, each wait for the answer): the ``timeout`` of a connection.
DEFAULT_TIMEOUT = 60
# The longest ``timeout`` taken: an hour.
MAX_TIMEOUT = 3600
# HTTP statuses a proxy or an overloaded vCenter answers before doing any work.
RETRYABLE_HTTP_STATUSES = frozenset((429, 502, 503, 504))
# A dropped connection: the request may or may not have reached the server.
DROPPED_CONNECTION_ERRORS = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)


def ssl_context(connection):
    """TLS settings for ``connection``: verified against ``ca_cert`` or the system store, unverified only when asked."""
    if not connection.validate_certs:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=connection.ca_cert)
    except (OSError, ValueError) as error:
        raise InvalidArgumentError(
            f"ca_cert '{connection.ca_cert}' could not be loaded as PEM CA certificates ({error}): "
            "point ca_cert at the PEM file of the CA that signed the certificate of vCenter"
        ) from error


def causes(error):
    """``error`` and every exception it wraps: ``__cause__``, ``__context__``, exception arguments, urllib3's ``reason``."""
    seen = []
    pending = [error]
    while pending:
        current = pending.pop(0)
        if not isinstance(current, BaseException) or any(current is known for known in seen):
            continue
        seen.append(current)
        pending.extend((current.__cause__, current.__context__, getattr(current, "reason", None), *current.args))
    return seen


def describe_unreachable(error, connection):
    """A ConnectionFailure explaining, from the socket or TLS error inside ``error``, why vCenter could not be reached."""
    endpoint = connection.endpoint
    chain = causes(error)

    def first(kind):
        return next((cause for cause in chain if isinstance(cause, kind)), None)

    if first(ssl.SSLCertVerificationError):
        cause = first(ssl.SSLCertVerificationError)
        reason = cause.verify_message or one_line(cause)
        if connection.ca_cert:
            advice = f"check that ca_cert '{connection.ca_cert}' holds the CA that signed it and that the certificate names '{connection.hostname}'"
        else:
            advice = "set ca_cert to the PEM file of the CA that signed it (validate_certs: false only for a throwaway lab)"
        message = f"The TLS certificate of vCenter {endpoint} could not be verified ({reason}): {advice}"
    elif first(ssl.SSLError):
        cause = first(ssl.SSLError)
        reason = getattr(cause, "reason", None) or one_line(cause)
        message = f"The TLS handshake with vCenter {endpoint} failed ({reason}): check that the port serves HTTPS"
    elif first(socket.gaierror):
        message = f"Cannot resolve the vCenter host name '{connection.hostname}' ({first(socket.gaierror).strerror}): check hostname"
    elif first(ConnectionRefusedError):
        message = f"Connection to vCenter {endpoint} refused: check hostname and port, and that vCenter is running"
    elif first((socket.timeout, TimeoutError)):
        message = f"vCenter {endpoint} did not answer within {connection.timeout}s (timeout): check hostname, port and the network path"
    else:
        message = f"Could not reach vCenter {endpoint} ({one_line(error) or type(error).__name__}): check hostname and port"
    return ConnectionFailure(message, host=connection.hostname, port=connection.port)
