#!/usr/bin/python
# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: namespace
short_description: Manage a vSphere Namespace with its limits, storage policies, access, VM classes and content libraries
version_added: 0.2.0
description:
  - Creates, updates or deletes a vSphere Namespace on a cluster where Workload Management (the Supervisor) runs.
  - Each option that is set is compared on its own with the namespace in vCenter. Options that are not set are
    neither compared nor changed.
  - Limits are compared after their units are normalised to the API's MHz and MiB, and lists after sorting.
  - Changes are sent as one partial update that carries only the fields that differ. Access entries are granted,
    changed and revoked one by one through the namespace's access sub-resource.
  - All the input is checked before the first change, names of the cluster, storage policies, VM classes and
    content libraries included. Bad input changes nothing, and the message names the option, its value and what is allowed.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  name:
    description:
      - Name of the namespace. It is also the name of its Kubernetes namespace on the Supervisor, so it must be a
        DNS label of at most 63 lower-case letters, digits and C(-), starting and ending with a letter or digit.
    type: str
    required: true
  cluster:
    description:
      - Name of the vSphere cluster whose Supervisor holds the namespace.
      - Required to create the namespace. For an existing namespace it may be left out; when given, it must name the
        namespace's cluster, since a namespace cannot move.
    type: str
  description:
    description:
      - Description of the namespace. V("") clears it.
    type: str
  cpu_limit:
    description:
      - CPU limit of the namespace, in MHz (V(4000)), or with a unit C(MHz) or C(GHz) (V(8GHz)).
      - V(unlimited) removes the limit.
    type: raw
  memory_limit:
    description:
      - Memory limit of the namespace, in MiB (V(8192)), or with a binary unit C(Ki), C(Mi), C(Gi), C(Ti) or C(Pi)
        (V(64Gi), V(512Mi)). The result must be whole MiB.
      - Decimal units such as C(64G) are refused, since they mean 10^9 bytes to Kubernetes and 2^30 bytes to most readers.
      - V(unlimited) removes the limit.
    type: raw
  storage_limit:
    description:
      - Storage the namespace's persistent volume claims may request in total, with the units of O(memory_limit).
      - V(unlimited) removes the limit.
    type: raw
  storage_policies:
    description:
      - The storage policies the namespace may use, by name, each with an optional limit.
      - When set, this is the whole list. Policies not listed are removed from the namespace.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Name of the storage policy.
        type: str
        required: true
      limit:
        description:
          - Storage the namespace may use with this policy, with the units of O(memory_limit).
          - When not set, the policy keeps the limit it has (none for a policy that is added). V(unlimited) removes it.
        type: raw
  access:
    description:
      - Users and groups allowed into the namespace, with their role.
      - With O(purge_access=true), this is the whole list, and entries not listed are revoked.
      - Principals and domains are matched without regard to case, as vCenter Single Sign-On and Active Directory do.
    type: list
    elements: dict
    suboptions:
      principal:
        description:
          - Name of the user or group, without its domain.
        type: str
        required: true
      domain:
        description:
          - Identity source domain of the principal, for example V(vsphere.local).
        type: str
        required: true
      type:
        description:
          - Whether the principal is a user or a group.
        type: str
        choices: [USER, GROUP]
        default: USER
      role:
        description:
          - Role of the principal in the namespace. V(OWNER) needs vCenter 7.0 Update 2 or later.
        type: str
        choices: [VIEW, EDIT, OWNER]
        required: true
  vm_classes:
    description:
      - The VM classes the namespace's VM Service may use, by name. When set, this is the whole list.
    type: list
    elements: str
  content_libraries:
    description:
      - The content libraries the namespace's VM Service may use, by name. When set, this is the whole list.
    type: list
    elements: str
  purge_access:
    description:
      - With V(true), O(access) is the whole truth, and access entries it does not list are revoked.
      - With V(false), entries of O(access) are granted or given their role, and other entries are kept.
    type: bool
    default: true
  force:
    description:
      - Delete the namespace even when VMs still run in it.
      - A namespace's guest-cluster nodes, VM Service VMs and vSphere Pods are VMs in its resource pool, and deleting the
        namespace deletes them. Without O(force), the module refuses to delete a namespace whose resource pool holds VMs,
        and lists them.
    type: bool
    default: false
  state:
    description:
      - V(present) creates or updates the namespace.
      - V(absent) deletes it. A namespace that vCenter is already removing counts as absent.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - pacific.vsphere.vcenter
attributes:
  check_mode:
    support: full
    description: Reads the namespace and everything it refers to, and reports what would change without changing it.
  diff_mode:
    support: full
    description: Shows what the user can set of the namespace, before and after, also on create and delete.
notes:
  - Creating a namespace needs a Supervisor in the RUNNING state on the cluster. The module checks it before creating.
  - The module reads the namespace with one call. Names are resolved with one list call per kind (clusters, storage
    policies, VM classes), and only for the kinds in play. The content library API lists identifiers only, so naming
    libraries costs one more call per library in vCenter.
  - To decide whether a namespace holds guest clusters, the module reads the VMs in its resource pool through the
    vSphere API (one PropertyCollector call). That works without access to the Supervisor's Kubernetes API.
seealso:
  - module: pacific.vsphere.namespace_info
"""

EXAMPLES = r"""
- name: A namespace for team A with quotas, storage, access and VM Service
  pacific.vsphere.namespace:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
    name: team-a
    cluster: C1
    description: Team A's workloads
    cpu_limit: 20GHz
    memory_limit: 64Gi
    storage_limit: 1Ti
    storage_policies:
      - name: gold
        limit: 500Gi
      - name: vSAN Default Storage Policy
    access:
      - principal: team-a-admins
        domain: example.com
        type: GROUP
        role: EDIT
      - principal: auditor
        domain: vsphere.local
        role: VIEW
    vm_classes:
      - best-effort-small
      - best-effort-medium
    content_libraries:
      - tkg-content

- name: Give one more user read access, leaving the other entries alone
  pacific.vsphere.namespace:
    name: team-a
    access:
      - principal: oncall
        domain: example.com
        role: VIEW
    purge_access: false

- name: Lift the memory limit
  pacific.vsphere.namespace:
    name: team-a
    memory_limit: unlimited

- name: Delete the namespace, even with guest clusters still in it
  pacific.vsphere.namespace:
    name: team-a
    state: absent
    force: true
"""

RETURN = r"""
namespace:
  description:
    - The namespace after the run; in check mode, as a real run would leave it. V(null) when it does not exist.
  returned: always
  type: dict
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
      sample: [{name: gold, limit: 512000}, {name: vSAN Default Storage Policy, limit: null}]
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
      sample: [best-effort-medium, best-effort-small]
    content_libraries:
      description: Names of the content libraries the namespace may use, sorted.
      type: list
      elements: str
      returned: always
      sample: [tkg-content]
    config_status:
      description: Configuration status in vCenter; V(null) in check mode for a namespace not created yet.
      type: str
      returned: always
      choices: [CONFIGURING, REMOVING, RUNNING, ERROR]
      sample: RUNNING
    messages:
      description: What vCenter reports about the namespace's configuration, for example why it is in V(ERROR).
      type: list
      elements: dict
      returned: always
      sample: [{severity: ERROR, message: "Storage policy gold is not compatible with any datastore."}]
    stats:
      description:
        - What the namespace uses, in MHz and MiB.
        - V(null) in check mode for a namespace not created yet.
      type: dict
      returned: always
      sample: {cpu_used: 1200, memory_used: 8192, storage_used: 20480}
plan:
  description: What the run does (or would do, in check mode) to the namespace, and why.
  returned: always
  type: list
  elements: dict
  sample:
    - address: namespace/team-a
      action: update
      before: {cpu_limit: 10000}
      after: {cpu_limit: 20000}
      reasons: ["cpu_limit: 10000 -> 20000", "access: grant USER example.com\\oncall VIEW"]
  contains:
    address:
      description: C(namespace/<name>).
      type: str
      returned: always
      sample: namespace/team-a
    action:
      description: What happens to the namespace.
      type: str
      returned: always
      choices: [create, update, delete, none]
      sample: update
    before:
      description: What the user can set of the namespace before the run; V(null) when it does not exist.
      type: dict
      returned: always
      sample: {cluster: C1, cpu_limit: 10000}
    after:
      description: The same after the run; V(null) when it will not exist.
      type: dict
      returned: always
      sample: {cluster: C1, cpu_limit: 20000}
    reasons:
      description: What changes, one entry per field or access entry.
      type: list
      elements: str
      returned: always
      sample: ["cpu_limit: 10000 -> 20000"]
"""

from functools import partial

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import REQUESTS_LIBRARY, RestClient
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vim import PYVMOMI_LIBRARY, VimClient
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec
from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.namespace import ROLES, SUBJECT_TYPES, Namespaces, NamespaceSpec, namespace_vms


def argument_spec():
    return dict(
        vcenter_argument_spec(),
        name=dict(type="str", required=True),
        cluster=dict(type="str"),
        description=dict(type="str"),
        # raw: a quantity is a number or a string with a unit; type=str would warn about numbers.
        cpu_limit=dict(type="raw"),
        memory_limit=dict(type="raw"),
        storage_limit=dict(type="raw"),
        storage_policies=dict(type="list", elements="dict", options=dict(name=dict(type="str", required=True), limit=dict(type="raw"))),
        access=dict(
            type="list",
            elements="dict",
            options=dict(
                principal=dict(type="str", required=True),
                domain=dict(type="str", required=True),
                type=dict(type="str", choices=list(SUBJECT_TYPES), default="USER"),
                role=dict(type="str", choices=list(ROLES), required=True),
            ),
        ),
        vm_classes=dict(type="list", elements="str"),
        content_libraries=dict(type="list", elements="str"),
        purge_access=dict(type="bool", default=True),
        force=dict(type="bool", default=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )


def namespace_spec(params):
    return NamespaceSpec(**{name: params[name] for name in NamespaceSpec.__dataclass_fields__})


def read_namespace_vms(connection, cluster_moid, name):
    """The VMs in a namespace, over a vim25 session opened for this one read (only a delete needs it)."""
    with VimClient(connection) as vim:
        return namespace_vms(vim, cluster_moid, name)


def work(run):
    connection = run.vcenter()
    spec = namespace_spec(run.params)
    # Bad input fails here, before vCenter is even asked.
    spec.desired()
    with RestClient(connection) as rest:
        namespaces = Namespaces(rest, namespace_vms=partial(read_namespace_vms, connection))
        plan = namespaces.plan(spec)
        namespace = namespaces.apply(plan) if plan.changed and not run.check_mode else plan.predicted()
    return run.result([plan.item], changed=plan.changed, namespace=namespace, plan=[plan.item.as_dict()])


def main():
    run_module(argument_spec(), work, libraries=[REQUESTS_LIBRARY, PYVMOMI_LIBRARY])


if __name__ == "__main__":
    main()
