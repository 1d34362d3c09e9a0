# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Read what a VIB is (name, version, whether installing it needs maintenance mode) from its URL.

A VIB is an ``ar`` archive whose first member is ``descriptor.xml``: reading
the first few kilobytes of the download is enough, whatever the size of the
payloads behind it. This is the metadata esxupdate itself decides from.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from xml.etree import ElementTree

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.transport import (
    DEFAULT_TIMEOUT,
    DROPPED_CONNECTION_ERRORS,
    RETRYABLE_HTTP_STATUSES,
    causes,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import ApiError, ConnectionFailure, InvalidArgumentError, TransientError, one_line
from ansible_collections.pacific.vsphere.plugins.module_utils.retries import DEFAULT_POLICY, call_with_retries

try:
    import requests
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

AR_MAGIC = b"!<arch>\n"
AR_HEADER_SIZE = 60
# Real descriptors are a few kilobytes; anything this large is not one.
MAX_DESCRIPTOR_SIZE = 1 << 20


@dataclass(frozen=True)
class VibDescriptor:
    url: str
    name: str
    version: str
    vendor: str
    maintenance_mode_install: bool


def read_vib_descriptor(url, *, validate_certs=True, retry_policy=DEFAULT_POLICY, sleep=time.sleep):
    """The descriptor of the VIB at ``url`` (http or https); HTTPS is verified against the system trust store."""
    return call_with_retries(lambda: _read_once(url, validate_certs), retry_policy, sleep=sleep)


def parse_vib_head(url, head):
    """The descriptor from the first bytes of a VIB; InvalidArgumentError when they are not a VIB."""
    if not head.startswith(AR_MAGIC) or len(head) < len(AR_MAGIC) + AR_HEADER_SIZE:
        raise _not_a_vib(url, "it is not an ar archive")
    header = head[len(AR_MAGIC):len(AR_MAGIC) + AR_HEADER_SIZE]
    member = header[:16].decode("ascii", "replace").strip().rstrip("/")
    size_field = header[48:58].decode("ascii", "replace").strip()
    if member != "descriptor.xml" or not size_field.isdigit():
        raise _not_a_vib(url, f"its first member is '{member}', not descriptor.xml")
    size = int(size_field)
    if size > MAX_DESCRIPTOR_SIZE:
        raise _not_a_vib(url, f"its descriptor.xml has {size} bytes, more than a VIB descriptor ever has")
    start = len(AR_MAGIC) + AR_HEADER_SIZE
    body = head[start:start + size]
    if len(body) < size:
        raise _not_a_vib(url, "the download ended inside descriptor.xml")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise _not_a_vib(url, f"descriptor.xml is not XML ({error})") from error
    name = (root.findtext("name") or "").strip()
    version = (root.findtext("version") or "").strip()
    if root.tag != "vib" or not name or not version:
        raise _not_a_vib(url, "descriptor.xml names no VIB and version")
    return VibDescriptor(
        url=url,
        name=name,
        version=version,
        vendor=(root.findtext("vendor") or "").strip(),
        maintenance_mode_install=_needs_maintenance_mode_to_install(root),
    )


def _needs_maintenance_mode_to_install(root):
    # esxupdate asks for maintenance mode when <system-requires><maintenance-mode>
    # says so (an install="false" attribute exempts installs), or when the VIB
    # may not be installed live.
    element = root.find("system-requires/maintenance-mode")
    required = element is not None and (element.text or "").strip().lower() == "true" and element.get("install", "true").lower() != "false"
    live_install_allowed = (root.findtext("live-install-allowed") or "true").strip().lower() == "true"
    return required or not live_install_allowed


def _read_once(url, validate_certs):
    context = f"Failed to read the VIB descriptor from vib_url '{url}'"
    try:
        with requests.get(url, stream=True, timeout=DEFAULT_TIMEOUT, verify=validate_certs) as response:
            if response.status_code in RETRYABLE_HTTP_STATUSES:
                raise TransientError(f"{context}: HTTP {response.status_code}: the server is busy, retry later", status=response.status_code)
            if response.status_code != 200:
                raise ApiError(
                    f"{context}: HTTP {response.status_code} {response.reason}: check the URL", status=response.status_code, error_type="DownloadError"
                )
            head = _read_head(response)
    except requests.exceptions.RequestException as error:
        if any(isinstance(cause, DROPPED_CONNECTION_ERRORS) for cause in causes(error)):
            raise TransientError(f"{context}: the connection was dropped") from error
        raise ConnectionFailure(
            f"{context}: {one_line(error)}: the managed node reads the descriptor to learn whether the VIB needs maintenance mode;"
            " make the URL reachable from it, or set maintenance_mode and version"
        ) from error
    return parse_vib_head(url, head)


def _read_head(response):
    """The bytes up to the end of the first archive member, without downloading the rest."""
    head = b""
    wanted = len(AR_MAGIC) + AR_HEADER_SIZE
    for chunk in response.iter_content(chunk_size=16384):
        head += chunk
        if len(head) >= len(AR_MAGIC) + AR_HEADER_SIZE:
            size_field = head[len(AR_MAGIC) + 48:len(AR_MAGIC) + 58].strip()
            if not size_field.isdigit():
                break
            wanted = len(AR_MAGIC) + AR_HEADER_SIZE + min(int(size_field), MAX_DESCRIPTOR_SIZE)
        if len(head) >= wanted:
            break
    return head


def _not_a_vib(url, why):
    return InvalidArgumentError(f"vib_url '{url}' is not a VIB: {why}: point vib_url at a .vib file", error_type="VibFormatError")
