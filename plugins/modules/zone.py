#!/usr/bin/python
# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: zone
short_description: Create, bind and delete vSphere Zones (vCenter 8)
version_added: 0.3.0
description:
  - Creates a vSphere Zone and binds a cluster to it, changes which cluster it holds, or deletes it.
    A three-zone Supervisor (M(pacific.vsphere.workload_management) with O(pacific.vsphere.workload_management#module:zones))
    runs one control-plane VM in each zone's cluster.
  - vCenter 8 binds a zone to one cluster and a cluster to one zone. A cluster that another zone holds is refused
    before any change, naming that zone.
  - The Zones API cannot change a description in place. A new O(description) replaces the zone (delete, then create),
    which vCenter allows only while no Supervisor runs on it.
  - vSphere Zones need vCenter 8.0 or later. On vCenter 7.0 the module fails before any change.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  name:
    description:
      - Name (identifier) of the zone. At most 63 lowercase letters, digits and C(-), starting and ending with a letter or digit.
    type: str
    required: true
  cluster:
    description:
      - Name of the cluster the zone holds.
      - Unset, a new zone holds no cluster and an existing one keeps the cluster it has.
    type: str
  description:
    description:
      - Description of the zone. Unset, a new zone gets an empty one and an existing one keeps its own.
    type: str
  state:
    description:
      - V(present) creates the zone and binds O(cluster).
      - V(absent) unbinds its cluster and deletes it. vCenter refuses while a Supervisor runs on the zone.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - pacific.vsphere.vcenter
attributes:
  check_mode:
    support: full
    description: Reads the zones and reports what would change without changing it.
  diff_mode:
    support: full
    description: Shows the zone's description and cluster before and after, also on create and delete.
notes:
  - The module reads the vCenter version, the list of zones, one association list per zone and the list of clusters.
seealso:
  - module: pacific.vsphere.zone_info
  - module: pacific.vsphere.workload_management
"""

EXAMPLES = r"""
- name: Three zones, one per cluster
  pacific.vsphere.zone:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
    name: "zone-{{ item.zone }}"
    cluster: "{{ item.cluster }}"
    description: "Rack {{ item.zone }}"
  loop:
    - {zone: a, cluster: C2}
    - {zone: b, cluster: C3}
    - {zone: c, cluster: C4}

- name: Delete a zone no Supervisor runs on
  pacific.vsphere.zone:
    name: zone-a
    state: absent
"""

RETURN = r"""
zone:
  description: The zone after the run (in check mode, as a real run would leave it); V(null) when it does not exist.
  returned: always
  type: dict
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
plan:
  description: What the run does (or would do, in check mode) to the zone, and why.
  returned: always
  type: list
  elements: dict
  sample:
    - address: zone/zone-a
      action: create
      before: null
      after: {description: Rack a, cluster: C2}
      reasons: []
"""

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import REQUESTS_LIBRARY, RestClient
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec
from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.zone import Zone, Zones, ZoneSpec


def argument_spec():
    return dict(
        vcenter_argument_spec(),
        name=dict(type="str", required=True),
        cluster=dict(type="str"),
        description=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )


def work(run):
    spec = ZoneSpec(**{name: run.params[name] for name in ZoneSpec.__dataclass_fields__})
    spec.validate()  # bad input fails before vCenter is asked
    with RestClient(run.vcenter()) as rest:
        zones = Zones(rest)
        live = zones.read_all()
        item = zones.plan(spec, live)
        if item.changed and not run.check_mode:
            after = zones.apply(spec, item, live)
        elif item.after is None:
            after = None
        else:
            cluster = item.after["cluster"]
            after = Zone(spec.name, item.after["description"], zones.cluster_id(cluster) if cluster else None)
        zone = zones.describe(after)
    return run.result([item], changed=item.changed, zone=zone, plan=[item.as_dict()])


def main():
    run_module(argument_spec(), work, libraries=[REQUESTS_LIBRARY])


if __name__ == "__main__":
    main()
