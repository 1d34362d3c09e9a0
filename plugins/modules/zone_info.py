#!/usr/bin/python
# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: zone_info
short_description: Read the vSphere Zones of a vCenter and the cluster each holds (vCenter 8)
version_added: 0.3.0
description:
  - Returns every vSphere Zone, or one by name, in the shape that M(pacific.vsphere.zone) returns.
  - vSphere Zones need vCenter 8.0 or later. On vCenter 7.0 the module fails, saying so.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  name:
    description:
      - Name of the zone to return. When it does not exist, RV(zones) is empty.
    type: str
extends_documentation_fragment:
  - pacific.vsphere.vcenter
  - pacific.vsphere.read_only
notes:
  - vCenter lists zones without their clusters, so each zone costs one more call; these calls run in parallel.
seealso:
  - module: pacific.vsphere.zone
"""

EXAMPLES = r"""
- name: Read every zone
  pacific.vsphere.zone_info:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
  register: all_zones

- name: Show which cluster zone-a holds
  ansible.builtin.debug:
    msg: "{{ (all_zones.zones | selectattr('name', 'equalto', 'zone-a') | first).cluster }}"
"""

RETURN = r"""
zones:
  description: The zones asked for, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the zone.
      type: str
      returned: always
      sample: zone-a
    description:
      description: Description of the zone.
      type: str
      returned: always
      sample: Rack a
    cluster:
      description: Name of the cluster the zone holds; V(null) for none.
      type: str
      returned: always
      sample: C2
    cluster_moid:
      description: Managed object ID of that cluster.
      type: str
      returned: always
      sample: domain-c12
"""

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import REQUESTS_LIBRARY, RestClient
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec
from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.zone import Zones


def argument_spec():
    return dict(vcenter_argument_spec(), name=dict(type="str"))


def work(run):
    with RestClient(run.vcenter()) as rest:
        zones = Zones(rest)
        found = zones.read_all()
        names = sorted(found) if run.params["name"] is None else [name for name in (run.params["name"],) if name in found]
        described = [zones.describe(found[name]) for name in names]
    return run.result(changed=False, zones=described)


def main():
    run_module(argument_spec(), work, libraries=[REQUESTS_LIBRARY])


if __name__ == "__main__":
    main()
