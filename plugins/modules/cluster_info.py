#!/usr/bin/python
# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: cluster_info
short_description: Read vSphere clusters, their ESXi hosts and the VIBs installed on them
version_added: 0.2.0
description:
  - Returns the clusters of a vCenter with, for each ESXi host, its version and build, connection and power
    state, maintenance mode and installed VIBs.
  - This is what enabling Workload Management (vSphere with Tanzu) depends on. Spherelet, the Supervisor's
    kubelet, ships as a VIB on every host.
  - The number of API calls is fixed whatever the size of the inventory, except for VIBs. vSphere has
    no bulk call for those, so each connected host costs one call. These calls run in parallel, and
    O(gather_vibs=false) skips them.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  clusters:
    description:
      - Names of the clusters to return.
      - When not set, all clusters of the vCenter are returned.
      - A name that matches no cluster fails the task, listing the known clusters.
    type: list
    elements: str
  gather_vibs:
    description:
      - Read the VIBs installed on each connected host.
      - When V(false), RV(clusters[].hosts[].vibs) is V(null) for every host.
    type: bool
    default: true
extends_documentation_fragment:
  - pacific.vsphere.vcenter
  - pacific.vsphere.read_only
notes:
  - Hosts that are not connected to vCenter are listed without VIBs;
    RV(clusters[].hosts[].vibs_skipped_reason) says why.
"""

EXAMPLES = r"""
- name: Read every cluster with its hosts and VIBs
  pacific.vsphere.cluster_info:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
  register: inventory

- name: Show the Spherelet version of every host
  ansible.builtin.debug:
    msg: >-
      {{ item.name }}:
      {{ (item.vibs or []) | selectattr('name', '==', 'spherelet') | map(attribute='version') | first | default('not installed') }}
  loop: "{{ inventory.clusters | map(attribute='hosts') | flatten }}"
  loop_control:
    label: "{{ item.name }}"

- name: Read two clusters without the VIBs (one call less per host)
  pacific.vsphere.cluster_info:
    clusters:
      - C1
      - C2
    gather_vibs: false
  register: clusters

- name: Set the connection once for every module of the collection
  module_defaults:
    group/pacific.vsphere.vsphere:
      hostname: vcenter.example.com
      username: administrator@vsphere.local
      password: "{{ vcenter_password }}"
      ca_cert: /etc/pki/vcenter-ca.pem
  block:
    - name: Read all clusters
      pacific.vsphere.cluster_info:
      register: inventory
"""

RETURN = r"""
clusters:
  description: The clusters asked for (all by default), sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the cluster.
      type: str
      returned: always
      sample: C1
    moid:
      description: Managed object ID of the cluster; the REST API names clusters by it.
      type: str
      returned: always
      sample: domain-c8
    datacenter:
      description: Name of the datacenter that holds the cluster.
      type: str
      returned: always
      sample: DC0
    drs_enabled:
      description: Whether DRS is enabled; Workload Management requires it.
      type: bool
      returned: always
      sample: true
    hosts:
      description: The ESXi hosts of the cluster, sorted by name.
      type: list
      elements: dict
      returned: always
      contains:
        name:
          description: Name of the host as vCenter knows it.
          type: str
          returned: always
          sample: esx-01.example.com
        moid:
          description: Managed object ID of the host.
          type: str
          returned: always
          sample: host-21
        version:
          description: ESXi version.
          type: str
          returned: always
          sample: 7.0.3
        build:
          description: ESXi build number.
          type: str
          returned: always
          sample: "19193900"
        connection_state:
          description: Connection state of the host in vCenter.
          type: str
          returned: always
          sample: connected
          choices: [connected, disconnected, notResponding]
        power_state:
          description: Power state of the host.
          type: str
          returned: always
          sample: poweredOn
          choices: [poweredOn, poweredOff, standBy, unknown]
        in_maintenance_mode:
          description: Whether the host is in maintenance mode.
          type: bool
          returned: always
          sample: false
        vibs:
          description:
            - VIBs installed on the host, sorted by name.
            - V(null) when they were not read; RV(clusters[].hosts[].vibs_skipped_reason) says why.
          type: list
          elements: dict
          returned: always
          sample:
            - name: esx-base
              version: 7.0.3-0.20.19193900
              vendor: VMware
            - name: spherelet
              version: 7.0.3-2
              vendor: VMware
          contains:
            name:
              description: Name of the VIB.
              type: str
              returned: always
              sample: spherelet
            version:
              description: Version of the VIB.
              type: str
              returned: always
              sample: 7.0.3-2
            vendor:
              description: Vendor of the VIB.
              type: str
              returned: always
              sample: VMware
        vibs_skipped_reason:
          description: Why RV(clusters[].hosts[].vibs) is V(null); V(null) when the VIBs were read.
          type: str
          returned: always
          sample: the host is disconnected, vCenter cannot ask it
"""

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vim import PYVMOMI_LIBRARY, VimClient
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec
from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.cluster_inventory import ClusterInventory


def argument_spec():
    return dict(
        vcenter_argument_spec(),
        clusters=dict(type="list", elements="str"),
        gather_vibs=dict(type="bool", default=True),
    )


def work(run):
    with VimClient(run.vcenter()) as client:
        clusters = ClusterInventory(client).read(names=run.params["clusters"], gather_vibs=run.params["gather_vibs"])
    return run.result(changed=False, clusters=clusters)


def main():
    run_module(argument_spec(), work, libraries=[PYVMOMI_LIBRARY])


if __name__ == "__main__":
    main()
