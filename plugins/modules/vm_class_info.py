#!/usr/bin/python
# Copyright: (c) 2026, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: vm_class_info
short_description: Read the VM classes of a vCenter and what uses them
version_added: 0.3.0
description:
  - Returns the VM classes of the vCenter (all, or the one named), each with the namespaces bound to it and the VMs
    made from it.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  name:
    description:
      - Name of one class. Unset, every class is returned. A class that does not exist gives an empty list.
    type: str
extends_documentation_fragment:
  - pacific.vsphere.vcenter
  - pacific.vsphere.read_only
notes:
  - One list of the VM classes, whatever their number.
seealso:
  - module: pacific.vsphere.vm_class
"""

EXAMPLES = r"""
- name: Which namespaces use the guaranteed classes
  pacific.vsphere.vm_class_info:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
  register: found

- name: Show them
  ansible.builtin.debug:
    msg: "{{ found.vm_classes | selectattr('name', 'match', 'guaranteed-') | map(attribute='namespaces') | flatten | unique }}"
"""

RETURN = r"""
vm_classes:
  description: The classes, sorted by name; the fields of each as M(pacific.vsphere.vm_class) returns them.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the class.
      type: str
      returned: always
      sample: best-effort-small
    cpu_count:
      description: Number of vCPUs.
      type: int
      returned: always
      sample: 2
    memory_mb:
      description: Memory in MB.
      type: int
      returned: always
      sample: 4096
    cpu_reservation:
      description: Percentage of the vCPUs reserved; V(null) for none.
      type: int
      returned: always
      sample: null
    memory_reservation:
      description: Percentage of the memory reserved; V(null) for none.
      type: int
      returned: always
      sample: null
    description:
      description: Description of the class.
      type: str
      returned: always
      sample: "best-effort-small: 2 vCPU, 4 GiB memory"
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
      sample: [vm-1042, vm-1043]
    config_status:
      description: V(READY), or V(REMOVING) while vCenter deletes it.
      type: str
      returned: always
      sample: READY
"""

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import REQUESTS_LIBRARY, RestClient
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec
from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.vm_class import VmClasses


def argument_spec():
    return dict(vcenter_argument_spec(), name=dict(type="str"))


def work(run):
    with RestClient(run.vcenter()) as rest:
        found = VmClasses(rest).read_all()
    names = sorted(found) if run.params["name"] is None else [name for name in (run.params["name"],) if name in found]
    return run.result(changed=False, vm_classes=[VmClasses.describe(found[name]) for name in names])


def main():
    run_module(argument_spec(), work, libraries=[REQUESTS_LIBRARY])


if __name__ == "__main__":
    main()
