#!/usr/bin/python
# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: platform
short_description: Build, keep or remove the whole platform of a topology, or some kinds of it, in one task
version_added: 0.2.0
description:
  - Runs the engine of the collection over a topology document, as the C(pacific) command does. It plans every object
    of the kinds asked for (vSphere Zones, VM classes, Supervisor Services registered in vCenter, Spherelet on the
    hosts of each Supervisor cluster, Workload Management, the control-plane anti-affinity rule, the services each
    Supervisor runs, namespaces, guest clusters), then applies the plan in dependency
    order, independent objects at the same time.
  - One vim25 session, one REST session and one login per Supervisor serve the whole task, and each kind is read at
    once (one list per kind, plus the reads vSphere has no bulk call for, such as the VIBs of each host).
  - An object whose parent the task creates (a namespace of a Supervisor being enabled) is planned as a create whose
    server-made values are known after apply, and planned again from what is live when its turn comes.
  - Check mode returns the plan and changes nothing; C(--diff) shows the state before and after of every object.
  - "What the task creates is marked as managed by the topology (its C(name)): vSphere tags on the clusters of its
    Supervisors, on its zones, VM classes and namespaces, a label on its guest clusters. An object whose entry leaves the topology is
    removed; an existing object nobody marked is left alone (C(exists, not managed by this topology)) unless its entry
    says C(adopt: true) or O(adopt) is set, and a C(protect: true) object the plan would destroy or replace fails the
    task before any change, also once its entry is gone."
  - While it applies, the task holds the topology's lock in vCenter, as the C(pacific) command does, so that two
    runs of one topology never change it at once.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  topology:
    description:
      - The topology document, as the P(pacific.vsphere.topology#role) role or the M(pacific.vsphere.topology) module returns it.
      - It is checked again (structure and values) before any call; the names it gives of vCenter objects are checked
        by M(pacific.vsphere.topology), which the roles run first.
    type: dict
    required: true
  kinds:
    description:
      - The kinds of objects to plan and apply; the others are left alone.
      - An object whose parent is of a kind left out is planned against what is live.
    type: list
    elements: str
    choices: [zone, vm_class, supervisor_service, spherelet, supervisor, control_plane, service, namespace, guest_cluster]
    default: [zone, vm_class, supervisor_service, spherelet, supervisor, control_plane, service, namespace, guest_cluster]
  state:
    description:
      - V(present) builds the objects of the topology and keeps them as it says.
      - V(absent) removes them, in reverse dependency order. Spherelet is removed only from the clusters whose
        C(spherelet.remove_on_teardown) is true.
    type: str
    choices: [present, absent]
    default: present
  secrets:
    description:
      - "The values of the secret references of the topology, keyed by their key path, such as
        C(supervisors[0].workload_management.load_balancer.password). The topology holds only references
        (C({env: NAME}) or C({var: NAME})); the P(pacific.vsphere.topology#role) role resolves them."
    type: dict
    default: {}
  login_port:
    description: Port of the Supervisors' login service (C(/wcp/login)); vSphere serves it on 443.
    type: int
    default: 443
  force_delete:
    description:
      - With O(state=absent), delete namespaces that still hold VMs (guest-cluster nodes, VM Service VMs, vSphere Pods).
      - Without it, removing a namespace that still runs workloads fails, naming them.
    type: bool
    default: false
  parallelism:
    description: How many objects are changed at the same time, at most.
    type: int
    default: 10
  adopt:
    description:
      - "Take over every existing object of the topology that no topology has marked: mark it as managed by this
        one, and change nothing else about it in this run."
      - "Without it, only entries with C(adopt: true) are taken over."
    type: bool
    default: false
  allow_replace:
    description:
      - Carry out a plan that replaces objects. A Supervisor is replaced (disabled and enabled again) when a setting
        vCenter cannot change on an enabled one differs, such as C(service_cidr); its namespaces and guest clusters,
        with their workloads, are replaced with it.
      - "Without it, a run whose plan replaces anything fails before any change, naming what and why; check mode
        shows the plan either way. A C(protect: true) entry is never replaced."
    type: bool
    default: false
  lock_timeout:
    description:
      - "Seconds to wait for the topology's lock when another run holds it; V(0) fails at once, naming the holder."
    type: int
    default: 0
extends_documentation_fragment:
  - pacific.vsphere.vcenter
attributes:
  check_mode:
    support: full
    description: Returns the plan; no call that changes anything is made.
  diff_mode:
    support: full
    description: Shows each object before and after, keyed by its address.
  action:
    support: full
    description: An action plugin runs the engine on the controller and prints its progress while objects are changed.
notes:
  - Each object is named by its address, C(spherelet.<cluster>), C(supervisor.<cluster>), C(control_plane.<cluster>),
    C(namespace.<cluster>/<name>) and C(guest_cluster.<namespace>/<name>).
  - While objects change, the task prints one line per object as it starts and ends, and every ten seconds what is
    still being changed and for how long, such as C(supervisor.C1 - Still creating... [1m20s elapsed]).
seealso:
  - module: pacific.vsphere.topology
  - module: pacific.vsphere.workload_management
  - module: pacific.vsphere.namespace
  - module: pacific.vsphere.guest_cluster
"""

EXAMPLES = r"""
# The vCenter connection comes from VMWARE_HOST, VMWARE_USER, VMWARE_PASSWORD (or module_defaults).
- name: Read the topology file, as data
  pacific.vsphere.topology_file:
    path: topology.yml
  register: topology_file

- name: Check the topology and read it with its defaults
  pacific.vsphere.topology:
    topology: "{{ topology_file.topology }}"
  register: checked

- name: Show what building the platform would change
  pacific.vsphere.platform:
    topology: "{{ checked.topology }}"
    secrets:
      supervisors[0].workload_management.load_balancer.password: "{{ vault_haproxy_password }}"
  check_mode: true
  diff: true
  register: planned

- name: Build the Supervisors and their namespaces, not the guest clusters
  pacific.vsphere.platform:
    topology: "{{ checked.topology }}"
    kinds: [spherelet, supervisor, control_plane, namespace]
    secrets:
      supervisors[0].workload_management.load_balancer.password: "{{ vault_haproxy_password }}"

- name: Remove everything the topology describes
  pacific.vsphere.platform:
    topology: "{{ checked.topology }}"
    state: absent
"""

RETURN = r"""
resources:
  description:
    - Each object by address, as the task leaves it, in the words of the C(*_info) modules (a Supervisor as
      M(pacific.vsphere.workload_management_info) shows it, a namespace as M(pacific.vsphere.namespace_info), a guest
      cluster as M(pacific.vsphere.guest_cluster_info)); V(null) when it does not exist.
    - In check mode, each object as it was read, before any change.
  returned: always
  type: dict
  sample:
    namespace.C1/team-a: {name: team-a, cluster: C1, config_status: RUNNING, cpu_limit: 20000}
    control_plane.C1: {vms: [{name: SupervisorControlPlaneVM (1), host: esx-01, power_state: poweredOn}], rule: null}
plan:
  description: Every object of the kinds asked for, with what the task does (or would do, in check mode) to it and why.
  returned: always
  type: list
  elements: dict
  sample:
    - address: namespace.C1/team-a
      action: update
      before: {cluster: C1, cpu_limit: 10000}
      after: {cluster: C1, cpu_limit: 20000}
      reasons: ["cpu_limit: 10000 -> 20000"]
  contains:
    address:
      description: The address of the object.
      type: str
      returned: always
      sample: supervisor.C1
    action:
      description: What happens to the object; V(replace) deletes it, then creates it again.
      type: str
      returned: always
      choices: [create, update, replace, delete, none]
      sample: create
    before:
      description: The object before; V(null) when it does not exist.
      type: dict
      returned: always
      sample: null
    after:
      description:
        - The object after; V(null) when it will not exist.
        - "A value the server makes is V({__known_after_apply__: true}) until the object exists."
      type: dict
      returned: always
      sample: {config_status: RUNNING}
    reasons:
      description: Why the object changes.
      type: list
      elements: str
      returned: always
      sample: ["cpu_limit: 10000 -> 20000"]
summary:
  description: How many objects the plan adds, changes and destroys (a replacement adds one and destroys one).
  returned: always
  type: dict
  sample: {add: 2, change: 1, destroy: 0}
results:
  description: What happened to each object.
  returned: always
  type: list
  elements: dict
  contains:
    address:
      description: The address of the object.
      type: str
      returned: always
      sample: guest_cluster.team-a/tkc-a
    action:
      description: The planned action.
      type: str
      returned: always
      sample: create
    status:
      description:
        - V(unchanged), nothing to do; V(planned), check mode; V(done); V(failed), with RV(results[].error);
          V(skipped), because an object it depends on failed.
      type: str
      returned: always
      choices: [unchanged, planned, done, failed, skipped]
      sample: done
    error:
      description: Why the object failed, or which failure it was skipped for.
      type: str
      returned: when status is failed or skipped
      sample: "skipped: namespace.C1/team-a (put) failed"
    elapsed:
      description: Seconds the change took.
      type: float
      returned: when status is done
      sample: 12.5
"""

from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.platform_task import LIBRARIES, argument_spec, run_platform


def work(run):
    return run_platform(run.params, check_mode=run.check_mode, diff_mode=run.diff_mode)


def main():
    run_module(argument_spec(), work, libraries=LIBRARIES)


if __name__ == "__main__":
    main()
