#!/usr/bin/python
# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: control_plane_vms_info
short_description: Read a set of control-plane VMs, where they run, and the DRS anti-affinity rule over them
version_added: 0.2.0
description:
  - Returns the VMs named C(<name_prefix>-N) on a cluster, or the C(SupervisorControlPlaneVM (N)) VMs where
    Workload Management runs the Supervisor, with their hosts and power states, the anti-affinity rule, and
    whether every VM is on a host of its own.
  - One PropertyCollector call, whatever the size of the cluster.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  cluster:
    description:
      - Name of the cluster.
    type: str
    required: true
  name_prefix:
    description:
      - The VMs are named C(<name_prefix>-1), C(<name_prefix>-2), and so on.
      - Ignored where Workload Management runs its own control-plane VMs.
    type: str
    required: true
  rule_name:
    description:
      - Name of the DRS anti-affinity rule.
      - Defaults to C(<name_prefix>-anti-affinity).
    type: str
extends_documentation_fragment:
  - pacific.vsphere.vcenter
  - pacific.vsphere.read_only
seealso:
  - module: pacific.vsphere.control_plane_vms
"""

EXAMPLES = r"""
- name: Read the Supervisor's control plane of cluster C1
  pacific.vsphere.control_plane_vms_info:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
    cluster: C1
    name_prefix: SupervisorControlPlaneVM
  register: control_plane

- name: Fail when two control-plane VMs share a host
  ansible.builtin.assert:
    that: control_plane.placement_ok
"""

RETURN = r"""
owner:
  description: Who owns the VMs, V(pacific.vsphere) or V(workload_management).
  returned: always
  type: str
  sample: workload_management
vms:
  description: The VMs of the set, by number.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the VM.
      type: str
      returned: always
      sample: SupervisorControlPlaneVM (1)
    moid:
      description: Managed object ID of the VM.
      type: str
      returned: always
      sample: vm-1021
    host:
      description: Name of the host the VM runs on.
      type: str
      returned: always
      sample: esx-01.example.com
    power_state:
      description: Power state of the VM.
      type: str
      returned: always
      sample: poweredOn
rule:
  description: The anti-affinity rule; V(null) when there is none.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the rule.
      type: str
      returned: always
      sample: SupervisorControlPlaneVM-anti-affinity
    enabled:
      description: Whether the rule is enabled.
      type: bool
      returned: always
      sample: true
    mandatory:
      description: Whether the rule is mandatory.
      type: bool
      returned: always
      sample: true
    members:
      description: Names of the VMs in the rule, sorted.
      type: list
      elements: str
      returned: always
      sample: [SupervisorControlPlaneVM (1), SupervisorControlPlaneVM (2), SupervisorControlPlaneVM (3)]
placement_ok:
  description: Whether every VM of the set is on a host of its own.
  returned: always
  type: bool
  sample: true
"""

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vim import PYVMOMI_LIBRARY, VimClient
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec
from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.control_plane_vms import ControlPlaneSpec, ControlPlaneVms


def argument_spec():
    return dict(
        vcenter_argument_spec(),
        cluster=dict(type="str", required=True),
        name_prefix=dict(type="str", required=True),
        rule_name=dict(type="str"),
    )


def work(run):
    params = run.params
    spec = ControlPlaneSpec(cluster=params["cluster"], name_prefix=params["name_prefix"], rule_name=params["rule_name"])
    with VimClient(run.vcenter()) as client:
        state = ControlPlaneVms(client).read(spec)
    return run.result(changed=False, owner=state.owner, vms=state.vm_dicts(), rule=state.rule_dict(), placement_ok=state.placement_ok)


def main():
    run_module(argument_spec(), work, libraries=[PYVMOMI_LIBRARY])


if __name__ == "__main__":
    main()
