# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Connection options shared by every module, and the plain value the clients take.

The options are documented once, in the ``pacific.vsphere.vcenter`` doc
fragment; keep the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ansible.module_utils.common.parameters import env_fallback


def vcenter_argument_spec():
    """Return a fresh argument spec for the vCenter connection options."""
    return dict(
        hostname=dict(type="str", required=True, fallback=(env_fallback, ["VMWARE_HOST"])),
        username=dict(type="str", required=True, aliases=["user"], fallback=(env_fallback, ["VMWARE_USER"])),
        password=dict(type="str", required=True, aliases=["pwd"], no_log=True, fallback=(env_fallback, ["VMWARE_PASSWORD"])),
        port=dict(type="int", default=443, fallback=(env_fallback, ["VMWARE_PORT"])),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["VMWARE_VALIDATE_CERTS"])),
        ca_cert=dict(type="path", fallback=(env_fallback, ["VMWARE_CA_CERT"])),
    )


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

    @property
    def endpoint(self):
        """``host:port`` as users write it, for messages."""
        return f"{self.hostname}:{self.port}"


def vcenter_connection(params):
    """Build the connection from validated module parameters (a dict)."""
    return VCenterConnection(
        hostname=params["hostname"],
        username=params["username"],
        password=params["password"],
        port=params["port"],
        validate_certs=params["validate_certs"],
        ca_cert=params["ca_cert"],
    )
