# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Connection options of the modules that talk to a Supervisor's Kubernetes API, and the connection they make.

They extend the vCenter options: the vCenter user logs in to the Supervisor,
found by address (``supervisor``) or by its vSphere cluster (``cluster``,
looked up in vCenter's REST API); or a kubeconfig replaces them all. Documented once in
the ``pacific.vsphere.supervisor`` doc fragment; each module relaxes
``hostname``, ``username`` and ``password``, which only some of the ways in
need.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import quote

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import RestClient
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.supervisor import DEFAULT_LOGIN_PORT, SupervisorConnection
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec, vcenter_connection
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, NotFoundError, ResourceBusyError

# Exactly one way to the Supervisor.
MUTUALLY_EXCLUSIVE = [("supervisor", "cluster", "kubeconfig")]
REQUIRED_ONE_OF = [("supervisor", "cluster", "kubeconfig")]
# Logging in needs the user; finding the Supervisor by cluster also needs vCenter.
REQUIRED_BY = {"supervisor": ("username", "password"), "cluster": ("hostname", "username", "password")}
CLUSTERS_PATH = "/api/vcenter/cluster"
SUPERVISORS_PATH = "/api/vcenter/namespace-management/clusters"


def supervisor_argument_spec():
    """Return a fresh argument spec: the vCenter options, not required, and the Supervisor's."""
    spec = vcenter_argument_spec()
    for option in ("hostname", "username", "password"):
        spec[option] = dict(spec[option], required=False)
    spec.update(
        supervisor=dict(type="str"),
        cluster=dict(type="str"),
        login_port=dict(type="int", default=DEFAULT_LOGIN_PORT),
        kubeconfig=dict(type="path"),
        context=dict(type="str"),
    )
    return spec


def supervisor_connection(params):
    """The SupervisorConnection of validated module parameters (a dict); with ``cluster``, its address is read from vCenter."""
    host = _host_of(params.get("supervisor"))
    if params.get("cluster") is not None:
        with RestClient(vcenter_connection(params)) as rest:
            host = supervisor_host(rest, params["cluster"])
    return SupervisorConnection(
        host=host,
        username=params.get("username"),
        password=params.get("password"),
        login_port=params["login_port"],
        validate_certs=params["validate_certs"],
        ca_cert=params.get("ca_cert"),
        kubeconfig=params.get("kubeconfig"),
        context=params.get("context"),
        timeout=params["timeout"],
    )


def supervisor_host(rest, cluster):
    """The Supervisor address (``api_server_cluster_endpoint``) of vSphere cluster ``cluster``, through a vCenter REST client."""
    found = rest.get(CLUSTERS_PATH, params={"names": cluster}, what=f"find cluster '{cluster}'")
    if not found:
        raise InvalidArgumentError(
            f"cluster '{cluster}' not found on vCenter {rest.connection.endpoint}: give the name of the vSphere cluster of the Supervisor"
        )
    try:
        info = rest.get(f"{SUPERVISORS_PATH}/{quote(found[0]['cluster'], safe='')}", what=f"read Workload Management of cluster '{cluster}'")
    except NotFoundError as error:
        raise InvalidArgumentError(f"cluster '{cluster}': Workload Management is not enabled there, so it has no Supervisor") from error
    if info.get("config_status") != "RUNNING" or not info.get("api_server_cluster_endpoint"):
        raise ResourceBusyError(
            f"cluster '{cluster}': its Supervisor is {info.get('config_status')}, and its API answers only when it is RUNNING: run again once it is"
        )
    return info["api_server_cluster_endpoint"]


def _host_of(supervisor):
    """The host of ``supervisor`` given as a host or an https:// URL (what kubectl vsphere login --server takes)."""
    if supervisor is None:
        return None
    host = supervisor.strip().removeprefix("https://").rstrip("/")
    if ":" in host:
        try:
            return str(ipaddress.IPv6Address(host.strip("[]")))
        except ValueError as error:
            raise InvalidArgumentError(
                f"supervisor '{supervisor}': give the host alone: the API is on port 6443, and the login service on login_port"
            ) from error
    return host
