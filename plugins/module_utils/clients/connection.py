# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Where and how to reach vCenter: the plain value every client takes, whichever front end made it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.transport import DEFAULT_TIMEOUT


@dataclass(frozen=True)
class VCenterConnection:
    """Where and how to reach vCenter; what the clients take instead of module parameters.

    ``validate_certs=False`` turns certificate checks off entirely and makes
    ``ca_cert`` irrelevant; with ``validate_certs=True`` and no ``ca_cert`` the
    system trust store is used.
    """

    hostname: str
    username: str
    password: str = field(repr=False)
    port: int = 443
    validate_certs: bool = True
    ca_cert: Optional[str] = None
    # Seconds each step of an HTTP exchange may take: connect, TLS handshake, each wait for the answer.
    timeout: float = DEFAULT_TIMEOUT

    @property
    def endpoint(self):
        """``host:port`` as users write it, for messages."""
        return f"{self.hostname}:{self.port}"
