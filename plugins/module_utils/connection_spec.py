# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Connection options shared by every module, and the connection the clients take made of them.

The options are documented once, in the ``pacific.vsphere.vcenter`` doc
fragment; keep the two in step.
"""

from __future__ import annotations

from ansible.module_utils.common.parameters import env_fallback
from ansible_collections.pacific.vsphere.plugins.module_utils.bounds import range_problem
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.connection import VCenterConnection
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.transport import DEFAULT_TIMEOUT, MAX_TIMEOUT
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError


def vcenter_argument_spec():
    """Return a fresh argument spec for the vCenter connection options."""
    return dict(
        hostname=dict(type="str", required=True, fallback=(env_fallback, ["VMWARE_HOST"])),
        username=dict(type="str", required=True, aliases=["user"], fallback=(env_fallback, ["VMWARE_USER"])),
        password=dict(type="str", required=True, aliases=["pwd"], no_log=True, fallback=(env_fallback, ["VMWARE_PASSWORD"])),
        port=dict(type="int", default=443, fallback=(env_fallback, ["VMWARE_PORT"])),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["VMWARE_VALIDATE_CERTS"])),
        ca_cert=dict(type="path", fallback=(env_fallback, ["VMWARE_CA_CERT"])),
        timeout=dict(type="int", default=DEFAULT_TIMEOUT),
    )


def vcenter_connection(params):
    """Build the connection from validated module parameters (a dict)."""
    out_of_range = range_problem("timeout", params["timeout"], 1, MAX_TIMEOUT, "the seconds each step of a request may take")
    if out_of_range:
        raise InvalidArgumentError(out_of_range)
    return VCenterConnection(
        hostname=params["hostname"],
        username=params["username"],
        password=params["password"],
        port=params["port"],
        validate_certs=params["validate_certs"],
        ca_cert=params["ca_cert"],
        timeout=params["timeout"],
    )
