#!/usr/bin/python
# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: spherelet_vib_info
short_description: Read the version of the Spherelet VIB (or another VIB) on ESXi hosts
version_added: 0.2.0
description:
  - Returns, for every host of a cluster or for listed hosts, whether a VIB is installed, its version,
    and whether the host is in maintenance mode.
  - Costs one PropertyCollector read for all the hosts, plus one call per connected host to list its VIBs.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  cluster:
    description:
      - Name of the cluster whose hosts to read.
      - Exactly one of O(cluster) and O(esxi_hosts) is required.
    type: str
  esxi_hosts:
    description:
      - Names of the hosts to read, as vCenter knows them.
      - Exactly one of O(cluster) and O(esxi_hosts) is required.
    type: list
    elements: str
  name:
    description:
      - Name of the VIB.
    type: str
    default: spherelet
extends_documentation_fragment:
  - pacific.vsphere.vcenter
  - pacific.vsphere.read_only
seealso:
  - module: pacific.vsphere.spherelet_vib
"""

EXAMPLES = r"""
- name: Read the Spherelet version of every host of cluster C1
  pacific.vsphere.spherelet_vib_info:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
    cluster: C1
  register: spherelet

- name: Fail when a host lacks Spherelet 7.0.3-2
  ansible.builtin.assert:
    that: spherelet.hosts | rejectattr('version', '==', '7.0.3-2') | list | length == 0
"""

RETURN = r"""
hosts:
  description: The hosts asked for, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the host.
      type: str
      returned: always
      sample: esx-01.example.com
    moid:
      description: Managed object ID of the host.
      type: str
      returned: always
      sample: host-21
    connection_state:
      description: Connection state of the host in vCenter.
      type: str
      returned: always
      sample: connected
    in_maintenance_mode:
      description: Whether the host is in maintenance mode.
      type: bool
      returned: always
      sample: false
    left_in_maintenance_by_pacific:
      description:
        - Whether the host is in maintenance mode because a run of M(pacific.vsphere.spherelet_vib) put it there
          and was interrupted before taking it out. The next run of that module takes it out.
      type: bool
      returned: always
      sample: false
    installed:
      description: Whether the VIB is installed; V(false) also when the VIBs could not be read.
      type: bool
      returned: always
      sample: true
    version:
      description: Installed version of the VIB; V(null) when not installed.
      type: str
      returned: always
      sample: 7.0.3-2
    vendor:
      description: Vendor of the installed VIB; V(null) when not installed.
      type: str
      returned: always
      sample: VMware
    maintenance_mode_required:
      description: Whether removing the installed VIB needs maintenance mode; V(null) when not installed.
      type: bool
      returned: always
      sample: true
    unreadable_reason:
      description: Why the VIBs of the host could not be read; V(null) when they were.
      type: str
      returned: always
      sample: the host is notResponding, vCenter cannot ask it
"""

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vim import PYVMOMI_LIBRARY, VimClient
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec
from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.host_vib import HostVibs


def argument_spec():
    return dict(
        vcenter_argument_spec(),
        cluster=dict(type="str"),
        esxi_hosts=dict(type="list", elements="str"),
        name=dict(type="str", default="spherelet"),
    )


def work(run):
    params = run.params
    with VimClient(run.vcenter()) as client:
        # Reading never needs the VIB files themselves.
        hosts = HostVibs(client, read_descriptor=None).read(params["name"], cluster=params["cluster"], hosts=params["esxi_hosts"])
    return run.result(changed=False, hosts=[host.as_dict() for host in hosts])


def main():
    run_module(
        argument_spec(),
        work,
        libraries=[PYVMOMI_LIBRARY],
        mutually_exclusive=[("cluster", "esxi_hosts")],
        required_one_of=[("cluster", "esxi_hosts")],
    )


if __name__ == "__main__":
    main()
