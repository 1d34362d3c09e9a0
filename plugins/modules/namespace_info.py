#!/usr/bin/python
# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: namespace_info
short_description: Read vSphere Namespaces with their limits, storage policies, access, VM classes and content libraries
version_added: 0.2.0
description:
  - Returns the vSphere Namespaces of a vCenter (all of them, those of one cluster, or one by name) in the
    shape that M(pacific.vsphere.namespace) returns.
  - Storage policies, content libraries and clusters are named, not given by identifier. Limits are in MHz and MiB.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  name:
    description:
      - Name of the namespace to return.
      - When the namespace does not exist, RV(namespaces) is empty.
    type: str
  cluster:
    description:
      - Name of the cluster whose namespaces to return.
      - A name that matches no cluster fails the task, listing the known clusters.
    type: str
extends_documentation_fragment:
  - pacific.vsphere.vcenter
  - pacific.vsphere.read_only
notes:
  - The namespace list of vCenter carries no limits or access, so each namespace costs one more call; these calls run in parallel.
    With O(name), only that namespace is read.
  - Names are resolved with one list call per kind (clusters, storage policies). The content library API lists identifiers
    only, so when a namespace uses content libraries, naming them costs one call per library in vCenter.
seealso:
  - module: pacific.vsphere.namespace
"""

EXAMPLES = r"""
- name: Read every namespace
  pacific.vsphere.namespace_info:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
  register: all_namespaces

- name: Read the namespaces of one cluster
  pacific.vsphere.namespace_info:
    cluster: C1
  register: c1_namespaces

- name: Read one namespace
  pacific.vsphere.namespace_info:
    name: team-a
  register: team_a

- name: Show who may use it
  ansible.builtin.debug:
    msg: "{{ team_a.namespaces[0].access | default([]) }}"
"""

RETURN = r"""
namespaces:
  description: The namespaces asked for, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the namespace.
      type: str
      returned: always
      sample: team-a
    cluster:
      description: Name of the cluster whose Supervisor holds the namespace.
      type: str
      returned: always
      sample: C1
    description:
      description: Description of the namespace.
      type: str
      returned: always
      sample: Team A's workloads
    cpu_limit:
      description: CPU limit in MHz; V(null) for none.
      type: int
      returned: always
      sample: 20000
    memory_limit:
      description: Memory limit in MiB; V(null) for none.
      type: int
      returned: always
      sample: 65536
    storage_limit:
      description: Storage request limit in MiB; V(null) for none.
      type: int
      returned: always
      sample: 1048576
    storage_policies:
      description: The storage policies of the namespace, by name, with their limit in MiB (V(null) for none).
      type: list
      elements: dict
      returned: always
      sample: [{name: gold, limit: 512000}]
    access:
      description: Who may use the namespace, and with which role.
      type: list
      elements: dict
      returned: always
      sample: [{principal: team-a-admins, domain: example.com, type: GROUP, role: EDIT}]
    vm_classes:
      description: Names of the VM classes the namespace may use, sorted.
      type: list
      elements: str
      returned: always
      sample: [best-effort-small]
    content_libraries:
      description: Names of the content libraries the namespace may use, sorted.
      type: list
      elements: str
      returned: always
      sample: [tkg-content]
    config_status:
      description: Configuration status in vCenter.
      type: str
      returned: always
      choices: [CONFIGURING, REMOVING, RUNNING, ERROR]
      sample: RUNNING
    messages:
      description: What vCenter reports about the namespace's configuration.
      type: list
      elements: dict
      returned: always
      sample: []
    stats:
      description: What the namespace uses, in MHz and MiB.
      type: dict
      returned: always
      sample: {cpu_used: 1200, memory_used: 8192, storage_used: 20480}
"""

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import REQUESTS_LIBRARY, RestClient
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec
from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.namespace import Namespaces


def argument_spec():
    return dict(vcenter_argument_spec(), name=dict(type="str"), cluster=dict(type="str"))


def work(run):
    with RestClient(run.vcenter()) as rest:
        namespaces = Namespaces(rest).read_all(cluster=run.params["cluster"], name=run.params["name"])
    return run.result(changed=False, namespaces=namespaces)


def main():
    run_module(argument_spec(), work, libraries=[REQUESTS_LIBRARY])


if __name__ == "__main__":
    main()
