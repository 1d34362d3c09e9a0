#!/usr/bin/python
# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: guest_cluster_info
short_description: Read the guest clusters (TanzuKubernetesClusters and Cluster API Clusters) of a vSphere Supervisor
version_added: 0.2.0
description:
  - Returns the guest clusters of one vSphere Namespace, or of all the namespaces the user may read, in the shape that
    M(pacific.vsphere.guest_cluster) returns.
  - Both kinds are listed, TanzuKubernetesClusters (V(tkc)) and Clusters of the C(tanzukubernetescluster) class (V(cluster)).
    vSphere 8 backs each TanzuKubernetesCluster with a Cluster of the same name; such a cluster is listed once, as V(tkc).
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  hostname:
    description:
      - Name or IP address of the vCenter Server. Needed with O(cluster) only, to find the Supervisor.
      - If not set in the task, the value of the environment variable E(VMWARE_HOST) is used.
    type: str
    required: false
  username:
    description:
      - vCenter Single Sign-On user that logs in to the Supervisor. Not needed with O(kubeconfig).
      - The user needs the Can view (VIEW) role, or more, on the namespaces to read.
      - If not set in the task, the value of the environment variable E(VMWARE_USER) is used.
    type: str
    required: false
  password:
    description:
      - Password of O(username).
      - If not set in the task, the value of the environment variable E(VMWARE_PASSWORD) is used.
    type: str
    required: false
  namespace:
    description:
      - vSphere Namespace whose clusters to return. When not set, every vSphere Namespace the user may read;
        those it may not are listed in RV(unreadable_namespaces).
    type: str
  name:
    description:
      - Name of the cluster to return. When no cluster has it, RV(guest_clusters) is empty.
    type: str
  api:
    description:
      - Return the clusters of this API only.
    type: str
    choices: [tkc, cluster]
extends_documentation_fragment:
  - pacific.vsphere.vcenter
  - pacific.vsphere.supervisor
  - pacific.vsphere.read_only
notes:
  - A Supervisor does not let its users list across namespaces, so without O(namespace) the module lists the vSphere
    Namespaces (one call), then the clusters of each kind in each of them (one call each, in parallel).
seealso:
  - module: pacific.vsphere.guest_cluster
"""

EXAMPLES = r"""
- name: Read every guest cluster the user may see
  pacific.vsphere.guest_cluster_info:
    hostname: vcenter.example.com
    username: devops@vsphere.local
    password: "{{ vault_devops_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
    cluster: Cluster-01
  register: all_clusters

- name: Read the clusters of one namespace through a kubeconfig
  pacific.vsphere.guest_cluster_info:
    kubeconfig: ~/.kube/config
    namespace: team-a
  register: team_a

- name: List the clusters that are not Ready
  ansible.builtin.debug:
    msg: "{{ team_a.guest_clusters | rejectattr('ready') | map(attribute='name') | list }}"
"""

RETURN = r"""
guest_clusters:
  description:
    - The guest clusters, sorted by namespace, name and API, each as RV(pacific.vsphere.guest_cluster#module:cluster) of
      M(pacific.vsphere.guest_cluster).
  returned: always
  type: list
  elements: dict
  sample:
    - api: tkc
      name: tkc-01
      namespace: team-a
      kubernetes_version: v1.27.11---vmware.1-fips.1-tkg.2
      control_plane: {replicas: 1, vm_class: best-effort-small, storage_class: vsan-default-storage-policy}
      node_pools: [{name: workers, replicas: 3, vm_class: best-effort-small, storage_class: vsan-default-storage-policy, labels: null}]
      pods_cidr: null
      services_cidr: null
      service_domain: null
      storage_classes: null
      phase: running
      ready: true
      conditions: [{type: Ready, status: "True", reason: null, message: null}]
      endpoint: {host: 10.0.0.21, port: 6443}
      nodes: {control_plane: 1, workers: 3}
      deleting: false
unreadable_namespaces:
  description: vSphere Namespaces whose clusters the user may not read (only without O(namespace)).
  returned: always
  type: list
  elements: str
  sample: [team-b]
"""

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import REQUESTS_LIBRARY
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.supervisor import KUBERNETES_LIBRARY, SupervisorClient
from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.guest_cluster import GuestClusters
from ansible_collections.pacific.vsphere.plugins.module_utils.supervisor_connection import (
    MUTUALLY_EXCLUSIVE,
    REQUIRED_BY,
    REQUIRED_ONE_OF,
    supervisor_argument_spec,
    supervisor_connection,
)


def argument_spec():
    return dict(supervisor_argument_spec(), namespace=dict(type="str"), name=dict(type="str"), api=dict(type="str", choices=["tkc", "cluster"]))


def work(run):
    params = run.params
    if params["cluster"] is not None:
        run.require(REQUESTS_LIBRARY)
    with SupervisorClient(supervisor_connection(params)) as supervisor:
        clusters, unreadable = GuestClusters(supervisor).read_all(namespace=params["namespace"], name=params["name"], api=params["api"])
    return run.result(changed=False, guest_clusters=clusters, unreadable_namespaces=unreadable)


def main():
    run_module(
        argument_spec(),
        work,
        libraries=[KUBERNETES_LIBRARY],
        mutually_exclusive=MUTUALLY_EXCLUSIVE,
        required_one_of=REQUIRED_ONE_OF,
        required_by=REQUIRED_BY,
    )


if __name__ == "__main__":
    main()
