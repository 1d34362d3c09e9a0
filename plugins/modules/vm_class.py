#!/usr/bin/python
# Copyright: (c) 2026, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: vm_class
short_description: Create, update and delete VM classes of the vSphere VM Service
version_added: 0.3.0
description:
  - Creates a VM class (vCPUs, memory, CPU and memory reservations, vGPU profiles), changes the fields that differ
    in place, or deletes it. A class belongs to the vCenter; M(pacific.vsphere.namespace) binds namespaces to it with
    O(pacific.vsphere.namespace#module:vm_classes), and the VMs of those namespaces, guest clusters' nodes among them,
    are made from it.
  - A change applies to VMs made afterwards; VMs made before keep their size.
  - vCenter deletes a class whatever uses it. The module refuses to delete a class that namespaces are bound to or
    that VMs are made from, naming them, unless O(force=true).
  - Options left unset keep what the class has. To create a class, O(cpu_count) and O(memory_mb) are required.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  name:
    description:
      - Name (identifier) of the class, unique in the vCenter. At most 63 lowercase letters, digits and C(-),
        starting and ending with a letter or digit.
    type: str
    required: true
  cpu_count:
    description:
      - Number of vCPUs of a VM of the class. At least 1.
    type: int
  memory_mb:
    description:
      - Memory of a VM of the class, in MB. A multiple of 4, from 4 to 25165824 (24 TB).
    type: int
  cpu_reservation:
    description:
      - Percentage (0 to 100) of the class's vCPUs reserved for a VM, at the frequency of the cluster's slowest host.
      - Unset on a new class, nothing is reserved (a best-effort class). V(0) removes a reservation.
    type: int
  memory_reservation:
    description:
      - Percentage (0 to 100) of the class's memory reserved for a VM. V(100) for a VM with a vGPU.
      - Unset on a new class, nothing is reserved. V(0) removes a reservation.
    type: int
  description:
    description:
      - Description of the class. Unset on a new class, it is empty.
    type: str
  vgpu_profiles:
    description:
      - NVIDIA vGPU profiles of a VM of the class, one device per entry, such as V(grid_t4-4q). When set, this is the
        whole list; V([]) removes them. Other devices of the class (dynamic DirectPath I/O) are kept as they are.
    type: list
    elements: str
  force:
    description:
      - With O(state=absent), delete the class even when namespaces are bound to it or VMs are made from it.
    type: bool
    default: false
  state:
    description:
      - V(present) creates the class or updates the fields that differ.
      - V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - pacific.vsphere.vcenter
attributes:
  check_mode:
    support: full
    description: Reads the classes and reports what would change without changing it.
  diff_mode:
    support: full
    description: Shows the class's fields before and after, also on create and delete.
notes:
  - The module reads the list of VM classes once (each entry names the namespaces and VMs that use the class), then
    sends one create, update or delete, and reads the class back after a create or update.
seealso:
  - module: pacific.vsphere.vm_class_info
  - module: pacific.vsphere.namespace
  - name: VM class attributes
    description: VMware's guide to what a VM class sets, its limits and reservations.
    link: https://docs.vmware.com/en/VMware-vSphere/7.0/vmware-vsphere-with-tanzu/GUID-F8FE308C-C931-4AAB-874E-ED291D003527.html
"""

EXAMPLES = r"""
- name: A class for the team's guest cluster workers, half its memory reserved
  pacific.vsphere.vm_class:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
    name: team-a-worker
    cpu_count: 4
    memory_mb: 16384
    memory_reservation: 50
    description: Workers of team A's clusters

- name: A GPU class (vGPU needs all of its memory reserved)
  pacific.vsphere.vm_class:
    name: gpu-t4
    cpu_count: 8
    memory_mb: 32768
    memory_reservation: 100
    vgpu_profiles: [grid_t4-4q]

- name: Delete a class, even though namespaces are still bound to it
  pacific.vsphere.vm_class:
    name: team-a-worker
    state: absent
    force: true
"""

RETURN = r"""
vm_class:
  description: The class after the run (in check mode, as a real run would leave it); V(null) when it does not exist.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the class.
      type: str
      returned: always
      sample: team-a-worker
    cpu_count:
      description: Number of vCPUs.
      type: int
      returned: always
      sample: 4
    memory_mb:
      description: Memory in MB.
      type: int
      returned: always
      sample: 16384
    cpu_reservation:
      description: Percentage of the vCPUs reserved; V(null) for none.
      type: int
      returned: always
      sample: null
    memory_reservation:
      description: Percentage of the memory reserved; V(null) for none.
      type: int
      returned: always
      sample: 50
    description:
      description: Description of the class.
      type: str
      returned: always
      sample: Workers of team A's clusters
    vgpu_profiles:
      description: vGPU profiles of the class's devices.
      type: list
      elements: str
      returned: always
      sample: []
    namespaces:
      description: Namespaces bound to the class.
      type: list
      elements: str
      returned: always
      sample: [team-a]
    vms:
      description: Managed object IDs of the VMs made from the class.
      type: list
      elements: str
      returned: always
      sample: [vm-1042]
    config_status:
      description: V(READY), or V(REMOVING) while vCenter deletes it.
      type: str
      returned: always
      sample: READY
plan:
  description: What the run does (or would do, in check mode) to the class, and why.
  returned: always
  type: list
  elements: dict
  sample:
    - address: vm_class/team-a-worker
      action: update
      before: {cpu_count: 4, memory_mb: 8192, cpu_reservation: null, memory_reservation: 50, description: "", vgpu_profiles: []}
      after: {cpu_count: 4, memory_mb: 16384, cpu_reservation: null, memory_reservation: 50, description: "", vgpu_profiles: []}
      reasons: ["memory_mb: 8192 -> 16384"]
"""

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import REQUESTS_LIBRARY, RestClient
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec
from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.vm_class import VmClasses, VmClassSpec


def argument_spec():
    return dict(
        vcenter_argument_spec(),
        name=dict(type="str", required=True),
        cpu_count=dict(type="int"),
        memory_mb=dict(type="int"),
        cpu_reservation=dict(type="int"),
        memory_reservation=dict(type="int"),
        description=dict(type="str"),
        vgpu_profiles=dict(type="list", elements="str"),
        force=dict(type="bool", default=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )


def spec_of(params):
    fields = {name: params[name] for name in VmClassSpec.__dataclass_fields__}
    if fields["vgpu_profiles"] is not None:
        fields["vgpu_profiles"] = tuple(fields["vgpu_profiles"])
    return VmClassSpec(**fields)


def work(run):
    spec = spec_of(run.params)
    spec.validate()  # bad input fails before vCenter is asked
    with RestClient(run.vcenter()) as rest:
        vm_classes = VmClasses(rest)
        live = vm_classes.read_all()
        item = vm_classes.plan(spec, live)
        if item.changed and not run.check_mode:
            described = vm_classes.describe(vm_classes.apply(spec, item, live))
        elif item.after is None:
            described = None
        else:
            current = live.get(spec.name)
            described = {"name": spec.name, **item.after,
                         "namespaces": list(current.namespaces) if current else [], "vms": list(current.vms) if current else [],
                         "config_status": current.config_status if current else "READY"}
    return run.result([item], changed=item.changed, vm_class=described, plan=[item.as_dict()])


def main():
    run_module(argument_spec(), work, libraries=[REQUESTS_LIBRARY])


if __name__ == "__main__":
    main()
