# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)


class ModuleDocFragment:
    # The ways to a Supervisor's Kubernetes API; they mirror supervisor_argument_spec()
    # in module_utils/supervisor_connection.py. Modules using it also extend
    # pacific.vsphere.vcenter and relax hostname, username and password there.
    DOCUMENTATION = r"""
options:
  supervisor:
    description:
      - Address (host name or IP address, optionally as C(https://<address>)) of the Supervisor's control plane,
        as vCenter shows it (C(api_server_cluster_endpoint)) and as C(kubectl vsphere login --server) takes it.
      - The module logs in as O(username) at C(https://<supervisor>:<login_port>/wcp/login) and talks to the
        Kubernetes API at C(https://<supervisor>:6443), with the session token the login returns.
      - The TLS certificate is verified with O(validate_certs) and O(ca_cert); on vSphere the Supervisor's certificate
        is signed by the CA of vCenter (VMCA), the same file as for vCenter.
      - Exactly one of O(supervisor), O(cluster) and O(kubeconfig) is required.
    type: str
  cluster:
    description:
      - Name of the vSphere cluster whose Supervisor to use. Its address is read from vCenter
        (C(GET /api/vcenter/namespace-management/clusters/<cluster>)), which needs O(hostname) too; then as with O(supervisor).
    type: str
  login_port:
    description:
      - Port of the Supervisor's login service (C(/wcp/login)). vSphere serves it on 443.
    type: int
    default: 443
  kubeconfig:
    description:
      - Path to a kubeconfig for the Supervisor, such as C(kubectl vsphere login) writes, on the host that runs the module.
      - Its server, credentials and CA are used; the vCenter options are not needed.
    type: path
  context:
    description:
      - Context of O(kubeconfig) to use. Its current context when not set.
    type: str
notes:
  - The Supervisor's session tokens last 10 hours. A request that finds its token expired logs in again once.
  - Requests refused as transient (HTTP 429, 502, 503, 504, honouring C(Retry-After)) or whose connection drops are
    sent again, up to 4 times in all, with jittered backoff. Every request sent is safe to repeat.
requirements:
  - kubernetes (the official Python client)
"""
