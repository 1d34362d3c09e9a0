#!/usr/bin/python
# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: control_plane_vms
short_description: Keep an odd-sized set of control-plane VMs apart with a mandatory DRS anti-affinity rule
version_added: 0.2.0
description:
  - Ensures O(count) VMs named C(<name_prefix>-1) to C(<name_prefix>-<count>) on a cluster, on different
    hosts, kept apart by a DRS VM-VM anti-affinity rule.
  - Missing VMs are cloned from O(template), or created empty when no template is given. VMs that already
    exist under these names are adopted. VMs numbered above O(count) are deleted.
  - VMs of the set that share a host are moved to free hosts of the cluster.
  - On a cluster where Workload Management runs the Supervisor, its C(SupervisorControlPlaneVM (N)) VMs are the set.
    The module adopts them and manages only the rule over them. It recreates a deleted rule, enables a disabled one
    and fixes its members. It never creates, powers, moves or deletes those VMs, not even with O(state=absent),
    which then removes only the rule.
  - O(count) larger than the connected hosts of the cluster is rejected before any change, since the rule
    could not keep the VMs apart.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  cluster:
    description:
      - Name of the cluster that runs the VMs.
    type: str
    required: true
  name_prefix:
    description:
      - The VMs are named C(<name_prefix>-1), C(<name_prefix>-2), and so on.
      - Ignored for the members on a cluster where Workload Management runs its own control-plane VMs;
        it still names the default O(rule_name).
    type: str
    required: true
  count:
    description:
      - Number of VMs, odd (1, 3, 5, ...) so that the control plane keeps a quorum.
      - An even or smaller-than-one count is rejected before any call to vCenter.
      - On a cluster where Workload Management runs the control plane, it must equal the number of VMs it runs.
    type: int
    default: 3
  template:
    description:
      - Name of the VM or template to clone missing VMs from.
      - When not set, missing VMs are created empty (guest OS Photon OS 64-bit, no disk), which needs O(datastore).
    type: str
  folder:
    description:
      - Name of the VM folder for new VMs. The name must be unique in vCenter.
      - Defaults to the root VM folder of the cluster's datacenter.
    type: str
  resource_pool:
    description:
      - Name of a resource pool of the cluster for new VMs.
      - Defaults to the root resource pool of the cluster.
    type: str
  datastore:
    description:
      - Name of the datastore for new VMs.
      - Required to create VMs without O(template). Clones default to the datastore of the template.
    type: str
  num_cpus:
    description:
      - Number of virtual CPUs of new VMs. Existing VMs are not resized, since that would need a power cycle of the control plane.
    type: int
    default: 2
  memory_mb:
    description:
      - Memory of new VMs, in MiB. Existing VMs are not resized.
    type: int
    default: 8192
  rule_name:
    description:
      - Name of the DRS VM-VM anti-affinity rule.
      - Defaults to C(<name_prefix>-anti-affinity).
      - With O(count=1) there is no rule, since vSphere needs two VMs for one; an existing one is removed.
    type: str
  mandatory:
    description:
      - Whether the rule is mandatory. DRS then never places two VMs of the set on one host, and refuses
        to power one on where it would.
    type: bool
    default: true
  power_state:
    description:
      - Power state of the VMs the module manages. VMs that Workload Management runs are left as they are.
    type: str
    choices: [poweredOn, poweredOff]
    default: poweredOn
  state:
    description:
      - V(present) ensures the VMs and the rule.
      - V(absent) removes the rule and the module's VMs (powered off first). On a cluster where Workload
        Management runs the control plane, it removes only the rule.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - pacific.vsphere.vcenter
attributes:
  check_mode:
    support: full
    description: Reads the cluster and reports what would change; new VMs have no RV(vms[].moid) yet.
  diff_mode:
    support: full
    description: Shows the host and power state of each VM and the rule, before and after.
notes:
  - The whole cluster, its hosts, VMs and rules are read in one PropertyCollector call, whatever their number.
seealso:
  - module: pacific.vsphere.control_plane_vms_info
"""

EXAMPLES = r"""
- name: Three control-plane VMs cloned from a template, kept apart by a mandatory rule
  pacific.vsphere.control_plane_vms:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
    cluster: C1
    name_prefix: cp
    count: 3
    template: photon-5-template
    folder: control-plane
    datastore: vsanDatastore

- name: Enforce the anti-affinity rule over the Supervisor's own control-plane VMs
  pacific.vsphere.control_plane_vms:
    cluster: C1
    name_prefix: SupervisorControlPlaneVM
    count: 3
    rule_name: supervisor-control-plane-anti-affinity

- name: Remove the VMs and their rule
  pacific.vsphere.control_plane_vms:
    cluster: C1
    name_prefix: cp
    state: absent
"""

RETURN = r"""
owner:
  description: Who owns the VMs of the set, V(pacific.vsphere) (this module) or V(workload_management).
  returned: always
  type: str
  sample: pacific.vsphere
vms:
  description: The VMs of the set after the run (in check mode, as a real run would leave them), by number.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the VM.
      type: str
      returned: always
      sample: cp-1
    moid:
      description: Managed object ID of the VM; V(null) in check mode for a VM not created yet.
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
  description: The anti-affinity rule after the run; V(null) when there is none.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the rule.
      type: str
      returned: always
      sample: cp-anti-affinity
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
      sample: [cp-1, cp-2, cp-3]
placement_ok:
  description: Whether every VM of the set is on a host of its own.
  returned: always
  type: bool
  sample: true
plan:
  description: What the run does (or would do, in check mode) to each VM and to the rule, and why.
  returned: always
  type: list
  elements: dict
  sample:
    - address: vm/cp-3
      action: create
      before: null
      after: {host: esx-03.example.com, power_state: poweredOn}
      reasons: []
    - address: drs_rule/C1/cp-anti-affinity
      action: update
      before: {name: cp-anti-affinity, enabled: false, mandatory: true, members: [cp-1, cp-2]}
      after: {name: cp-anti-affinity, enabled: true, mandatory: true, members: [cp-1, cp-2, cp-3]}
      reasons: ["enabled: False -> True", "members: ['cp-1', 'cp-2'] -> ['cp-1', 'cp-2', 'cp-3']"]
  contains:
    address:
      description: C(vm/<name>) or C(drs_rule/<cluster>/<rule>).
      type: str
      returned: always
      sample: vm/cp-3
    action:
      description: What happens to the object.
      type: str
      returned: always
      choices: [create, update, delete, none]
      sample: create
    before:
      description: The object before; V(null) when it does not exist.
      type: dict
      returned: always
      sample: null
    after:
      description: The object after; V(null) when it will not exist.
      type: dict
      returned: always
      sample: {host: esx-03.example.com, power_state: poweredOn}
    reasons:
      description: Why the object changes.
      type: list
      elements: str
      returned: always
      sample: ["power_state: poweredOff -> poweredOn"]
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
        count=dict(type="int", default=3),
        template=dict(type="str"),
        folder=dict(type="str"),
        resource_pool=dict(type="str"),
        datastore=dict(type="str"),
        num_cpus=dict(type="int", default=2),
        memory_mb=dict(type="int", default=8192),
        rule_name=dict(type="str"),
        mandatory=dict(type="bool", default=True),
        power_state=dict(type="str", choices=["poweredOn", "poweredOff"], default="poweredOn"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )


def control_plane_spec(params):
    return ControlPlaneSpec(**{name: params[name] for name in ControlPlaneSpec.__dataclass_fields__})


def work(run):
    spec = control_plane_spec(run.params)
    spec.validate()
    with VimClient(run.vcenter()) as client:
        control_plane = ControlPlaneVms(client)
        state = control_plane.read(spec)
        plan = control_plane.plan(spec, state)
        if run.check_mode:
            vms, rule, placement_ok = plan.predicted()
        else:
            after = control_plane.apply(plan) if plan.changed else state
            vms, rule, placement_ok = after.vm_dicts(), after.rule_dict(), after.placement_ok
    return run.result(
        plan.items,
        changed=plan.changed,
        owner=state.owner,
        vms=vms,
        rule=rule,
        placement_ok=placement_ok,
        plan=[item.as_dict() for item in plan.items],
    )


def main():
    run_module(argument_spec(), work, libraries=[PYVMOMI_LIBRARY])


if __name__ == "__main__":
    main()
