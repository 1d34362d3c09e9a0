#!/usr/bin/python
# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: workload_management_info
short_description: Read the Supervisors of vSphere with Tanzu (Workload Management) with their control-plane VMs
version_added: 0.2.0
description:
  - Returns every cluster where Workload Management is enabled, or the one named by O(cluster), with its status,
    vCenter's messages, the address of its Kubernetes API, its version and its control-plane VMs with their hosts.
  - Costs one list call, one call per Supervisor, one list of the Supervisors' versions and one vSphere API (vim25)
    retrieval for all the control-plane VMs, whatever the number of hosts.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  cluster:
    description:
      - Name of the cluster whose Supervisor to return.
      - A cluster without Workload Management gives an empty list; a name that matches no cluster fails the task,
        listing the known clusters.
      - When not set, every Supervisor of the vCenter is returned.
    type: str
extends_documentation_fragment:
  - pacific.vsphere.vcenter
  - pacific.vsphere.read_only
seealso:
  - module: pacific.vsphere.workload_management
"""

EXAMPLES = r"""
- name: Read every Supervisor
  pacific.vsphere.workload_management_info:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
  register: wcp

- name: Wait until the Supervisor of C1 is RUNNING with its Kubernetes API READY
  pacific.vsphere.workload_management_info:
    cluster: C1
  register: c1
  until: c1.supervisors | length == 1 and c1.supervisors[0].kubernetes_status == 'READY'
  retries: 60
  delay: 30
"""

RETURN = r"""
supervisors:
  description: The Supervisors, by cluster name; the same shape as RV(pacific.vsphere.workload_management#module:supervisor).
  returned: always
  type: list
  elements: dict
  contains:
    cluster:
      description: Name of the cluster.
      type: str
      returned: always
      sample: C1
    cluster_moid:
      description: Managed object ID of the cluster.
      type: str
      returned: always
      sample: domain-c8
    config_status:
      description: How far vCenter got in applying the configuration.
      type: str
      returned: always
      choices: [CONFIGURING, RUNNING, REMOVING, ERROR]
      sample: RUNNING
    kubernetes_status:
      description: Health of the Supervisor's Kubernetes control plane.
      type: str
      returned: always
      choices: [READY, WARNING, ERROR]
      sample: READY
    messages:
      description: vCenter's messages about the configuration, such as the reason of an ERROR.
      type: list
      elements: dict
      returned: always
      sample: [{severity: ERROR, message: "Failed to enable the Supervisor: InstallationError: VIB download failed"}]
    kubernetes_status_messages:
      description: vCenter's messages about the health of Kubernetes.
      type: list
      elements: dict
      returned: always
      sample: []
    api_server_cluster_endpoint:
      description: Address of the Kubernetes API of the Supervisor, for C(kubectl vsphere login).
      type: str
      returned: always
      sample: 192.168.30.64
    api_server_management_endpoint:
      description: Address of the Kubernetes API on the management network.
      type: str
      returned: always
      sample: 192.168.10.10
    size:
      description: Size of the control-plane VMs.
      type: str
      returned: always
      sample: small
    kubernetes_version:
      description: The Supervisor version it runs, as vCenter's software API reports it (upgrade it with M(pacific.vsphere.workload_management)).
      type: str
      returned: always
      sample: v1.26.13+vmware.1-fips.1-vsc0.1.9-23381106
    control_plane_vms:
      description: The control-plane VMs with the host each runs on, by number.
      type: list
      elements: dict
      returned: always
      sample:
        - {name: SupervisorControlPlaneVM (1), host: esx-01.example.com}
        - {name: SupervisorControlPlaneVM (2), host: esx-02.example.com}
        - {name: SupervisorControlPlaneVM (3), host: esx-03.example.com}
"""

from functools import partial

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import REQUESTS_LIBRARY, RestClient
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vim import PYVMOMI_LIBRARY, VimClient
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec
from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor import WorkloadManagement


def argument_spec():
    return dict(vcenter_argument_spec(), cluster=dict(type="str"))


def work(run):
    connection = run.vcenter()
    with RestClient(connection) as rest:
        workload_management = WorkloadManagement(rest, partial(VimClient, connection))
        supervisors = workload_management.describe(workload_management.list(run.params["cluster"]))
    return run.result(changed=False, supervisors=sorted(supervisors, key=lambda supervisor: supervisor["cluster"]))


def main():
    run_module(argument_spec(), work, libraries=[PYVMOMI_LIBRARY, REQUESTS_LIBRARY])


if __name__ == "__main__":
    main()
