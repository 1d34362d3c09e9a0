#!/usr/bin/python
# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: guest_cluster
short_description: Manage a guest cluster (TanzuKubernetesCluster or Cluster API Cluster) on a vSphere Supervisor
version_added: 0.2.0
description:
  - Creates, updates or deletes a guest cluster in a vSphere Namespace, through the Supervisor's Kubernetes API.
  - With O(api=tkc), the cluster is a C(run.tanzu.vmware.com/v1alpha3) TanzuKubernetesCluster. With O(api=cluster), it is
    a C(cluster.x-k8s.io/v1beta1) Cluster of the C(tanzukubernetescluster) ClusterClass that vSphere 8 ships.
  - The manifest is rendered with Jinja2 from the options, by the template of O(api) shipped in the collection or by the
    user's own O(template); or it is O(definition), used as it is. It is applied with server-side apply, as field manager C(pacific).
  - Options left out leave the cluster as it is. Each keeps the value this module applied last; fields that others set, or
    that the Supervisor defaulted, are left to them. A run that gives only O(control_plane.replicas) changes only that.
  - When what would be applied equals what this module applied last, no request that writes is sent. Otherwise the
    module applies, and C(changed) says whether the cluster's spec, labels, annotations or the fields owned by C(pacific) changed.
  - The whole input is checked before the first change, the release included. Bad input changes nothing, and the message
    names the option. The Supervisor's own refusals (422) name the fields, a missing permission (403) the role to grant,
    a conflict with another field manager (409) the fields and the manager.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  hostname:
    description:
      - Name or IP address of the vCenter Server. Needed with O(cluster) only, to find the Supervisor.
      - If not set in the task, the value of the environment variable E(VMWARE_HOST) is used.
    type: str
    required: false
  username:
    description:
      - vCenter Single Sign-On user that logs in to the Supervisor, for example V(devops@vsphere.local). Not needed with O(kubeconfig).
      - The user needs the Can edit (EDIT) or Owner role on the vSphere Namespace to change guest clusters, Can view (VIEW) to read them.
      - If not set in the task, the value of the environment variable E(VMWARE_USER) is used.
    type: str
    required: false
  password:
    description:
      - Password of O(username).
      - If not set in the task, the value of the environment variable E(VMWARE_PASSWORD) is used.
    type: str
    required: false
  name:
    description:
      - Name of the cluster. At most 63 lower-case letters, digits and C(-), starting with a letter.
      - Required unless O(definition) names it.
    type: str
  namespace:
    description:
      - vSphere Namespace of the cluster. Required unless O(definition) names it.
    type: str
  api:
    description:
      - Which API the cluster is made with. V(tkc) when not set, or the kind of O(definition).
      - A cluster keeps its API; the other kind is a different object.
    type: str
    choices: [tkc, cluster]
  kubernetes_version:
    description:
      - Tanzu Kubernetes release of the cluster, by name (V(v1.27.11---vmware.1-fips.1-tkg.2)), by version
        (V(v1.27.11+vmware.1-fips.1-tkg.2)), or by short Kubernetes version (V(v1.27), V(1.27.11)).
      - A short version keeps a cluster that runs a matching release on it; a new cluster, or one on another version, gets the
        newest matching release that is Ready and Compatible. Changing it upgrades the cluster, node by node.
      - Resolved against the Supervisor's TanzuKubernetesRelease objects with one list call. An unknown or incompatible
        release fails before any change, listing the releases there are.
      - When not set, a new cluster gets the newest release that is Ready and Compatible; an existing one keeps its own.
    type: str
  control_plane:
    description:
      - The control plane nodes. O(control_plane.vm_class) and O(control_plane.storage_class) are required to create the cluster.
    type: dict
    suboptions:
      replicas:
        description:
          - Number of control plane nodes, 1 or 3 (etcd needs an odd number). 1 for a new cluster when not set.
          - A control plane can grow from 1 to 3 nodes, not shrink.
        type: int
      vm_class:
        description:
          - VM class of the nodes; it must be bound to the namespace. With O(api=cluster), the cluster's C(vmClass) variable,
            which node pools inherit.
        type: str
      storage_class:
        description:
          - Storage class of the nodes' disks; it must be assigned to the namespace.
        type: str
  node_pools:
    description:
      - The worker node pools. When set, this is the whole list; pools this module made that are not listed are removed.
      - With O(api=cluster), each pool is a C(machineDeployments) entry of class C(node-pool), its VM class, storage class and
        labels given as variable overrides (C(vmClass), C(storageClass), C(nodePoolLabels)).
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Name of the pool, a DNS label.
        type: str
        required: true
      replicas:
        description:
          - Number of nodes of the pool, 0 or more. For a new pool, 1 when not set.
        type: int
      vm_class:
        description:
          - VM class of the pool's nodes. For a new pool, the control plane's when not set.
        type: str
      storage_class:
        description:
          - Storage class of the pool's nodes. For a new pool, the control plane's when not set.
        type: str
      labels:
        description:
          - Kubernetes labels of the pool's nodes. Values are strings.
        type: dict
      failure_domain:
        description:
          - On a Supervisor on vSphere Zones (vCenter 8), the zone the pool's nodes run in (C(failureDomain)).
            Without it, the nodes go wherever the Supervisor places them; the control plane spreads over the zones.
        type: str
  pods_cidr:
    description:
      - CIDR block of the cluster's pods. It cannot change once the cluster exists.
      - When not set, vSphere's default (V(192.168.0.0/16)); with O(api=cluster), the module sets that default.
    type: str
  services_cidr:
    description:
      - CIDR block of the cluster's services. It cannot change once the cluster exists. V(10.96.0.0/12) when not set.
    type: str
  service_domain:
    description:
      - DNS domain of the cluster's services. It cannot change once the cluster exists. V(cluster.local) when not set.
    type: str
  storage_classes:
    description:
      - Storage classes of the namespace that the cluster may use. All of them when not set.
    type: list
    elements: str
  template:
    description:
      - Path to a Jinja2 template of the manifest on the host that runs the module, to render instead of the built-in one.
      - It gets the variables C(name), C(namespace), C(release) (C({name, version}), or null to leave it alone),
        C(control_plane) (C({replicas, vm_class, storage_class})), C(node_pools) (a list of C({name, replicas, vm_class,
        storage_class, labels, failure_domain}), or null), C(pods_cidr), C(services_cidr), C(service_domain) and C(storage_classes),
        filled from the options as for the built-in templates. Null values and mappings left empty are dropped from the result.
      - It must render one manifest of the kind of O(api), with O(name) and O(namespace).
      - Mutually exclusive with O(definition).
    type: path
  definition:
    description:
      - The whole manifest of the cluster, used as it is (a C(run.tanzu.vmware.com/v1alpha3) TanzuKubernetesCluster or a
        C(cluster.x-k8s.io/v1beta1) Cluster). Its release references are checked before it is applied.
      - Excludes the options that shape the manifest (O(kubernetes_version), O(control_plane), O(node_pools), O(pods_cidr),
        O(services_cidr), O(service_domain), O(storage_classes)) and O(template).
    type: dict
  state:
    description:
      - V(present) creates or updates the cluster; V(absent) deletes it, with its nodes.
      - A cluster that is being deleted counts as absent.
    type: str
    choices: [present, absent]
    default: present
  force_conflicts:
    description:
      - Take over fields of the manifest that another field manager set to other values (server-side apply's C(force)).
      - Without it, such fields fail the task, naming them and their manager.
    type: bool
    default: false
  wait:
    description:
      - Wait until the cluster is Ready (its C(Ready) condition is True for the spec just applied), or, with V(absent), gone.
      - Also waits for a cluster that is not Ready yet when nothing changes.
      - A C(Ready) condition that is False for a reason that needs someone to act (a VM class not bound, a storage class
        not assigned, a release not found or incompatible) ends the wait at once and fails the task.
        A cluster this run created is then deleted again, so that nothing half-made is left; an existing cluster is left
        as the Supervisor keeps it, since it may run workloads.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait in all. On timeout the task fails, and RV(cluster) reports the state reached so far; the Supervisor
        carries on, and a new run waits again.
      - The message then names the cluster's VMs that vCenter would not power on, with the VM Operator's reason; the
        reservations of guaranteed VM classes must fit in the namespace's CPU and memory limits (best-effort classes
        reserve nothing, and the limits only cap their use).
    type: int
    default: 1800
  return_kubeconfig:
    description:
      - Return the cluster's admin kubeconfig (the C(<name>-kubeconfig) Secret the Supervisor keeps) in RV(kubeconfig).
      - It holds credentials; register the result with C(no_log) on the task. O(kubeconfig_dest) keeps them out of the result.
    type: bool
    default: false
  kubeconfig_dest:
    description:
      - Write the cluster's admin kubeconfig (the C(<name>-kubeconfig) Secret the Supervisor keeps) to this file, mode C(0600),
        for C(kubectl --kubeconfig), M(kubernetes.core.k8s) and the like to reach the cluster's own API.
      - The file is replaced, in one step, only when its content or mode differs; C(changed) and the plan say so, never
        showing the content. In check mode nothing is written.
      - Its directory must exist and be writable; this is checked before any change. With O(state=present) only.
      - With O(wait=false) the kubeconfig may not exist yet; the file is then not written, with a warning, and a later run writes it.
    type: path
extends_documentation_fragment:
  - pacific.vsphere.vcenter
  - pacific.vsphere.supervisor
attributes:
  check_mode:
    support: full
    description:
      - Asks the Supervisor for a dry run (C(dryRun=All)) of the apply or delete, so its validation, defaults and permission
        checks apply, and reports what would change without changing it. It does not wait.
  diff_mode:
    support: full
    description: Shows the cluster's spec before and after, also on create and delete.
notes:
  - An idempotent run reads the cluster with one call, after logging in. The releases are listed only when one has to be
    found or checked; creating a cluster also reads whether a cluster of the other API has its name.
  - The Supervisor accepts a cluster that names a VM class not bound to the namespace, and reports it in the cluster's
    conditions; only O(wait) sees that. See O(wait) for what happens then. A node whose reservation does not fit in the
    namespace's limits stays powered off while the VM Operator retries; only O(wait_timeout) ends that wait.
  - Without O(wait), a change is made and the task ends; the controllers build or change the nodes afterwards.
seealso:
  - module: pacific.vsphere.guest_cluster_info
  - module: pacific.vsphere.namespace
"""

EXAMPLES = r"""
- name: A guest cluster with one node pool, waited for until Ready
  pacific.vsphere.guest_cluster:
    hostname: vcenter.example.com
    username: devops@vsphere.local
    password: "{{ vault_devops_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
    cluster: Cluster-01
    namespace: team-a
    name: tkc-01
    kubernetes_version: v1.27
    control_plane:
      replicas: 3
      vm_class: best-effort-small
      storage_class: vsan-default-storage-policy
    node_pools:
      - name: workers
        replicas: 3
        vm_class: best-effort-medium
        labels:
          tier: web

- name: The same as a Cluster API Cluster, through a Supervisor address, with its kubeconfig
  pacific.vsphere.guest_cluster:
    supervisor: 10.0.0.10
    username: devops@vsphere.local
    password: "{{ vault_devops_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
    api: cluster
    namespace: team-a
    name: cc-01
    kubernetes_version: v1.27.11+vmware.1-fips.1-tkg.2
    control_plane:
      vm_class: best-effort-small
      storage_class: vsan-default-storage-policy
    node_pools:
      - name: workers
    return_kubeconfig: true
  register: cc_01
  no_log: true

- name: A cluster whose admin kubeconfig is written for kubectl, then its nodes listed
  pacific.vsphere.guest_cluster:
    kubeconfig: ~/.kube/config
    namespace: team-a
    name: tkc-01
    kubeconfig_dest: ~/.kube/tkc-01.kubeconfig

- name: List the guest cluster's nodes through that kubeconfig
  kubernetes.core.k8s_info:
    kubeconfig: ~/.kube/tkc-01.kubeconfig
    kind: Node

- name: Scale the node pool, leaving everything else as it is
  pacific.vsphere.guest_cluster:
    kubeconfig: ~/.kube/config
    context: team-a
    namespace: team-a
    name: tkc-01
    node_pools:
      - name: workers
        replicas: 5

- name: A manifest of one's own
  pacific.vsphere.guest_cluster:
    kubeconfig: ~/.kube/config
    definition: "{{ lookup('file', 'tkc-02.yaml') | from_yaml }}"

- name: Delete the cluster and wait until its nodes are gone
  pacific.vsphere.guest_cluster:
    kubeconfig: ~/.kube/config
    namespace: team-a
    name: tkc-01
    state: absent
"""

RETURN = r"""
cluster:
  description:
    - The cluster after the run; in check mode, as the Supervisor's dry run answers. V(null) when it does not exist.
  returned: always
  type: dict
  contains:
    api:
      description: The API of the cluster.
      type: str
      returned: always
      choices: [tkc, cluster]
      sample: tkc
    name:
      description: Name of the cluster.
      type: str
      returned: always
      sample: tkc-01
    namespace:
      description: vSphere Namespace of the cluster.
      type: str
      returned: always
      sample: team-a
    kubernetes_version:
      description: The release the cluster names (a release name for V(tkc), a version for V(cluster)).
      type: str
      returned: always
      sample: v1.27.11---vmware.1-fips.1-tkg.2
    control_plane:
      description: The control plane as specified.
      type: dict
      returned: always
      sample: {replicas: 3, vm_class: best-effort-small, storage_class: vsan-default-storage-policy}
    node_pools:
      description: The node pools as specified, or V(null) for none.
      type: list
      elements: dict
      returned: always
      sample: [{name: workers, replicas: 3, vm_class: best-effort-medium, storage_class: vsan-default-storage-policy, labels: {tier: web}}]
    pods_cidr:
      description: CIDR block of the pods, when set.
      type: str
      returned: always
      sample: 192.168.0.0/16
    services_cidr:
      description: CIDR block of the services, when set.
      type: str
      returned: always
      sample: 10.96.0.0/12
    service_domain:
      description: DNS domain of the services, when set.
      type: str
      returned: always
      sample: cluster.local
    storage_classes:
      description: Storage classes the cluster may use, when set.
      type: list
      elements: str
      returned: always
      sample: [vsan-default-storage-policy]
    phase:
      description: The phase the Supervisor reports (C(creating), C(running), C(updating), C(deleting), C(failed) for V(tkc);
        C(Provisioning), C(Provisioned), C(Deleting) for V(cluster)); V(null) before it reports one.
      type: str
      returned: always
      sample: running
    ready:
      description: Whether the C(Ready) condition is True.
      type: bool
      returned: always
      sample: true
    conditions:
      description: The conditions the Supervisor reports.
      type: list
      elements: dict
      returned: always
      sample: [{type: Ready, status: "True", reason: null, message: null}]
    endpoint:
      description: Address of the cluster's Kubernetes API, once it has one.
      type: dict
      returned: always
      sample: {host: 10.0.0.21, port: 6443}
    nodes:
      description: The number of control plane and worker nodes the cluster is specified to have.
      type: dict
      returned: always
      sample: {control_plane: 3, workers: 3}
    deleting:
      description: Whether the cluster is being deleted.
      type: bool
      returned: always
      sample: false
manifest:
  description: The manifest applied (or, in check mode, that would be); V(null) with O(state=absent).
  returned: always
  type: dict
  sample:
    apiVersion: run.tanzu.vmware.com/v1alpha3
    kind: TanzuKubernetesCluster
    metadata: {name: tkc-01, namespace: team-a}
    spec:
      topology:
        controlPlane: {replicas: 3, vmClass: best-effort-small, storageClass: vsan-default-storage-policy,
                       tkr: {reference: {name: v1.27.11---vmware.1-fips.1-tkg.2}}}
plan:
  description:
    - What the run does (or would do, in check mode) to the cluster, and why; with O(kubeconfig_dest), a second entry
      C(kubeconfig_file/<path>) for the file (its content shown as C((sensitive value))).
  returned: always
  type: list
  elements: dict
  sample:
    - address: guest_cluster/team-a/tkc-01
      action: update
      before: {spec: {topology: {nodePools: [{name: workers, replicas: 1}]}}}
      after: {spec: {topology: {nodePools: [{name: workers, replicas: 3}]}}}
      reasons: ["spec.topology.nodePools[workers].replicas: 1 -> 3"]
  contains:
    address:
      description: C(guest_cluster/<namespace>/<name>).
      type: str
      returned: always
      sample: guest_cluster/team-a/tkc-01
    action:
      description: What happens to the cluster.
      type: str
      returned: always
      choices: [create, update, delete, none]
      sample: update
    before:
      description: The cluster's spec before the run; V(null) when it does not exist.
      type: dict
      returned: always
      sample: {spec: {}}
    after:
      description: The cluster's spec after the run (the Supervisor's answer); V(null) when it will not exist.
      type: dict
      returned: always
      sample: {spec: {}}
    reasons:
      description: The fields that change, one entry each.
      type: list
      elements: str
      returned: always
      sample: ["spec.topology.nodePools[workers].replicas: 1 -> 3"]
kubeconfig:
  description:
    - The cluster's admin kubeconfig (YAML), once the Supervisor has made it; V(null) before, and in check mode for a new cluster.
    - It holds credentials.
  returned: when O(return_kubeconfig=true)
  type: str
  sample: "apiVersion: v1\nkind: Config\n..."
"""

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import REQUESTS_LIBRARY
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.supervisor import KUBERNETES_LIBRARY, SupervisorClient
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import PacificError
from ansible_collections.pacific.vsphere.plugins.module_utils.kubeconfig_file import (
    check_kubeconfig_dest,
    plan_kubeconfig_file,
    write_kubeconfig_file,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.manifests import JINJA2_LIBRARY, YAML_LIBRARY
from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import NONE, PlanItem
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.guest_cluster import GuestClusters
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.guest_cluster_spec import GuestClusterSpec
from ansible_collections.pacific.vsphere.plugins.module_utils.supervisor_connection import (
    MUTUALLY_EXCLUSIVE,
    REQUIRED_BY,
    REQUIRED_ONE_OF,
    supervisor_argument_spec,
    supervisor_connection,
)


def argument_spec():
    return dict(
        supervisor_argument_spec(),
        name=dict(type="str"),
        namespace=dict(type="str"),
        api=dict(type="str", choices=["tkc", "cluster"]),
        kubernetes_version=dict(type="str"),
        control_plane=dict(type="dict", options=dict(replicas=dict(type="int"), vm_class=dict(type="str"), storage_class=dict(type="str"))),
        node_pools=dict(
            type="list",
            elements="dict",
            options=dict(
                name=dict(type="str", required=True),
                replicas=dict(type="int"),
                vm_class=dict(type="str"),
                storage_class=dict(type="str"),
                labels=dict(type="dict"),
                failure_domain=dict(type="str"),
            ),
        ),
        pods_cidr=dict(type="str"),
        services_cidr=dict(type="str"),
        service_domain=dict(type="str"),
        storage_classes=dict(type="list", elements="str"),
        template=dict(type="path"),
        definition=dict(type="dict"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        force_conflicts=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        return_kubeconfig=dict(type="bool", default=False),
        kubeconfig_dest=dict(type="path"),
    )


def guest_cluster_spec(params):
    return GuestClusterSpec(**{name: params[name] for name in GuestClusterSpec.__dataclass_fields__})


def work(run):
    params = run.params
    if params["cluster"] is not None:
        run.require(REQUESTS_LIBRARY)
    spec = guest_cluster_spec(params)
    dest = params["kubeconfig_dest"]
    # Bad input fails here, before vCenter or the Supervisor is even asked.
    spec.validate()
    if dest is not None:
        if params["state"] == "absent":
            raise PacificError("kubeconfig_dest: a cluster being deleted has no kubeconfig to write; drop the option with state=absent")
        check_kubeconfig_dest(dest)
    kubeconfig = None
    with SupervisorClient(supervisor_connection(params)) as supervisor:
        clusters = GuestClusters(supervisor)
        plan = clusters.plan(spec)
        outcome = clusters.preview(plan) if run.check_mode else clusters.apply(plan)
        # In check mode a cluster not created yet has no kubeconfig to read.
        if (params["return_kubeconfig"] or dest) and outcome.cluster is not None and not (run.check_mode and plan.live is None):
            kubeconfig = clusters.kubeconfig(spec.cluster_namespace, spec.cluster_name)
    items = [outcome.item]
    if dest is not None:
        items.append(_kubeconfig_file(run, dest, kubeconfig))
    result = dict(changed=any(item.changed for item in items), cluster=outcome.cluster, manifest=outcome.manifest,
                  plan=[item.as_dict() for item in items])
    if params["return_kubeconfig"]:
        result["kubeconfig"] = kubeconfig
    return run.result(items, **result)


def _kubeconfig_file(run, dest, kubeconfig):
    """The plan item of the kubeconfig file, written unless in check mode (or while the Supervisor has made none)."""
    item = plan_kubeconfig_file(dest, kubeconfig)
    if run.check_mode or not item.changed:
        return item
    if kubeconfig is None:
        run.warn(f"kubeconfig_dest '{dest}' not written: the Supervisor has not made the cluster's kubeconfig yet "
                 "(wait=false); a later run writes it")
        return PlanItem(item.address, NONE, item.before, item.before, ("the Supervisor has not made the kubeconfig yet",))
    write_kubeconfig_file(dest, kubeconfig)
    return item


def main():
    run_module(
        argument_spec(),
        work,
        libraries=[KUBERNETES_LIBRARY, JINJA2_LIBRARY, YAML_LIBRARY],
        mutually_exclusive=MUTUALLY_EXCLUSIVE + [("template", "definition")],
        required_one_of=REQUIRED_ONE_OF,
        required_by=REQUIRED_BY,
    )


if __name__ == "__main__":
    main()
