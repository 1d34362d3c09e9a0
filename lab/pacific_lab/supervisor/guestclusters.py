"""The guest cluster controller: TanzuKubernetesClusters and Cluster API Clusters become VMs.

One reconcile moves a cluster one step toward its spec, as the TKG and
Cluster API controllers do:

1. its finalizer; every reference resolved (the ClusterClass, a compatible
   Tanzu Kubernetes release, VM classes bound to the namespace, storage
   classes assigned to it) or a False condition saying which and why;
2. VirtualMachine objects (the VM Operator makes them real): control plane
   nodes one at a time, workers once the control plane answers, extra nodes
   removed newest first; a node of another release is replaced one at a time
   (a new node first, the old one once the new is Ready);
3. once the control plane is up: the API endpoint (TKC `status.apiEndpoints`,
   Cluster `spec.controlPlaneEndpoint`: the load balancer's virtual server for
   it, virtual_servers.py) and the `<name>-kubeconfig` Secret (the lab CA, a
   client certificate of the cluster's admin; guest_apis.py serves that API);
   for a Cluster, a MachineDeployment per worker topology entry;
4. status (`clusterstatus`): phase (TKC creating / running / updating / deleting / failed;
   Cluster Provisioning / Provisioned / Deleting) and conditions Ready,
   ControlPlaneReady, NodePoolsReady / TopologyReconciled.

Deleting a cluster deletes its VirtualMachines (whose own finalizer removes
the vcsim VMs); the cluster's finalizer goes once none is left.
"""

import base64
from dataclasses import dataclass
from typing import Callable

import yaml

from ..pki import ensure_pki, issue_client_certificate
from . import kinds, releases, timing
from .apimachinery import meta
from .apimachinery.controllers import Controller
from .apimachinery.registry import Caller
from .clusterstatus import cluster_status
from .nodes import (
    API_PORT,
    GROUP_LABEL,
    group_of,
    is_deleting,
    is_ready,
    node_labels,
    owner_reference,
    ready_nodes,
    release_of,
)
from .topology import CONTROL_PLANE, TKC_CLASS, from_cluster, from_tkc
from .virtualmachines import CLUSTER_LABEL

TKG_CONTROLLER = Caller("system:serviceaccount:vmware-system-tkg:vmware-system-tkg-controller-manager",
                        user_agent="vmware-system-tkg-controller-manager/v3.0.0")
CAPI_CONTROLLER = Caller("system:serviceaccount:vmware-system-capw:capi-controller-manager",
                         user_agent="capi-controller-manager/v1.5.3")


@dataclass(frozen=True)
class Flavor:
    """What differs between the two cluster APIs."""

    kind: str
    finalizer: str
    topology: Callable
    caller: Caller


FLAVORS = {
    "TanzuKubernetesCluster": Flavor("TanzuKubernetesCluster", "tanzukubernetescluster.run.tanzu.vmware.com",
                                     from_tkc, TKG_CONTROLLER),
    "Cluster": Flavor("Cluster", "cluster.cluster.x-k8s.io", from_cluster, CAPI_CONTROLLER),
}


@dataclass(frozen=True)
class GroupPlan:
    group: object  # topology.NodeGroup
    release: dict  # the TanzuKubernetesRelease


@dataclass(frozen=True)
class Problem:
    condition: str
    reason: str
    message: str


class GuestClusterController:
    def __init__(self, registry, directory, supervisor, time_scale, virtual_servers, pki_dir):
        self.registry = registry
        self.virtual_servers = virtual_servers
        self.pki_dir = pki_dir
        self.directory = directory
        self.supervisor = supervisor
        self.time_scale = time_scale
        self.types = {kind: kinds.resource(kind) for kind in FLAVORS}
        self.vms = kinds.resource("VirtualMachine")
        self.controller = Controller("guest-clusters", self._reconcile)
        registry.store.add_listener(self._on_event)

    def start(self):
        self.controller.start()
        live = set()
        for kind, resource in self.types.items():
            for item in self.registry.list(resource)["items"]:
                live.add(self._virtual_server(item))
                self.controller.enqueue((kind, item["metadata"]["namespace"], item["metadata"]["name"]))
        for key in set(self.virtual_servers.keys(f"{self.supervisor.id}/")) - live:
            self.virtual_servers.release(key)  # of a cluster whose deletion the lab did not see end

    def stop(self):
        self.controller.stop()

    def _on_event(self, event):
        for key in clusters_concerned(event, self.types, (self.vms,)):
            self.controller.enqueue(key)

    # ---- reconcile ---------------------------------------------------------------------

    def _reconcile(self, key):
        kind, namespace, name = key
        flavor, resource = FLAVORS[kind], self.types[kind]
        cluster = self.registry.get_or_none(resource, namespace, name)
        if cluster is None:
            return None
        nodes = self._nodes(cluster)
        if cluster["metadata"].get("deletionTimestamp"):
            return self._delete(flavor, cluster, nodes)
        if flavor.finalizer not in (cluster["metadata"].get("finalizers") or []):
            cluster["metadata"]["finalizers"] = [*(cluster["metadata"].get("finalizers") or []), flavor.finalizer]
            self.registry.update(resource, namespace, name, cluster, flavor.caller)
            return None
        topology = flavor.topology(cluster)
        plans, problem = self._resolve(flavor, cluster, topology)
        if problem is not None:
            self._report(flavor, cluster, nodes, plans, problem)
            return self.time_scale.retry_after(timing.RETRY_UNRESOLVED)
        self._converge(cluster, plans, nodes)
        nodes = self._nodes(cluster)
        if ready_nodes(nodes, control_plane=True):
            cluster = self._publish_endpoint(flavor, cluster)
            self._kubeconfig(cluster)
        if kind == "Cluster":
            self._machine_deployments(cluster, plans, nodes)
        self._report(flavor, cluster, nodes, plans, None)
        return None

    def _nodes(self, cluster):
        uid = cluster["metadata"]["uid"]
        return [vm for vm in self.registry.list(self.vms, cluster["metadata"]["namespace"])["items"]
                if any(o.get("uid") == uid for o in vm["metadata"].get("ownerReferences") or [])]

    def _resolve(self, flavor, cluster, topology):
        namespace = cluster["metadata"]["namespace"]
        release_field = "spec.topology.version" if flavor.kind == "Cluster" else "tkr.reference.name"
        if flavor.kind == "Cluster" and self.registry.get_or_none(
                kinds.resource("ClusterClass"), namespace, topology.cluster_class) is None:
            return [], Problem("TopologyReconciled", "ClusterClassNotFound",
                               f'ClusterClass "{topology.cluster_class}" not found in namespace "{namespace}" '
                               f"(spec.topology.class); the Supervisor provides {TKC_CLASS!r}")
        available = self.registry.list(kinds.resource("TanzuKubernetesRelease"))["items"]
        info = next((ns for ns in self.directory.namespaces(self.supervisor.id) if ns.name == namespace), None)
        storage_classes = sorted(p.storage_class for p in info.storage_policies) if info else []
        release_condition = "TanzuKubernetesReleaseCompatible" if flavor.kind != "Cluster" else "TopologyReconciled"
        plans = []
        for group in topology.groups:
            release = (releases.resolve(group.release, available) if group.release
                       else releases.default_release(available))
            if release is None:
                names = ", ".join(sorted(r["metadata"]["name"] for r in available))
                return plans, Problem(release_condition, "TanzuKubernetesReleaseNotFound",
                                      f'no TanzuKubernetesRelease matches "{group.release}" ({release_field} of '
                                      f"{group.name}); available: {names}")
            if not releases.is_compatible(release):
                why = meta.find_condition(release, "Compatible") or {}
                return plans, Problem(release_condition, "TanzuKubernetesReleaseIncompatible",
                                      f'TanzuKubernetesRelease "{release["metadata"]["name"]}" is not compatible: '
                                      f'{why.get("message", "")}')
            vm_class = self.registry.get_or_none(kinds.resource("VirtualMachineClass"), namespace, group.vm_class)
            if vm_class is None:
                bound = ", ".join(sorted(c["metadata"]["name"] for c in self.registry.list(
                    kinds.resource("VirtualMachineClass"), namespace)["items"]))
                return plans, Problem("Ready", "VirtualMachineClassNotFound",
                                      f'VirtualMachineClass "{group.vm_class}" ({group.name} vmClass) is not bound to '
                                      f'namespace "{namespace}"; bound: {bound or "none"}')
            if group.storage_class not in storage_classes:
                return plans, Problem("Ready", "StorageClassNotFound",
                                      f'StorageClass "{group.storage_class}" ({group.name} storageClass) is not '
                                      f'assigned to namespace "{namespace}"; assigned: {", ".join(storage_classes) or "none"}')
            plans.append(GroupPlan(group, release))
        return plans, None

    def _converge(self, cluster, plans, nodes):
        """One step toward the planned nodes (VirtualMachine objects)."""
        control_plane_up = bool(ready_nodes(nodes, control_plane=True))
        control_plane_rolling = False
        for plan in plans:  # the control plane comes first
            group = plan.group
            if not group.control_plane and not control_plane_up:
                continue  # workers join a control plane that answers
            members = [vm for vm in nodes if group_of(vm) == group.name and not is_deleting(vm)]
            current = [vm for vm in members if release_of(vm) == plan.release["metadata"]["name"]]
            outdated = [vm for vm in members if vm not in current]
            settled = all(is_ready(vm) for vm in members)
            if group.control_plane:
                control_plane_rolling = bool(outdated)
            elif outdated and control_plane_rolling:
                continue  # node pools move to a new release after the control plane, as TKG upgrades
            if outdated:
                # Rolling replacement, one node at a time: a new node, then an old one goes.
                if len(members) <= group.replicas and settled:
                    self._create_node(cluster, plan)
                elif len(members) > group.replicas and all(is_ready(vm) for vm in current):
                    self._delete_node(_oldest(outdated))
            elif len(members) < group.replicas:
                if group.control_plane:
                    if settled:
                        self._create_node(cluster, plan)  # control plane nodes join one by one
                else:
                    for _ in range(group.replicas - len(members)):
                        self._create_node(cluster, plan)
            elif len(members) > group.replicas:
                # Nodes that are not ready go first, then the newest.
                newest_first = sorted(members, key=lambda vm: (vm["metadata"]["creationTimestamp"],
                                                                vm["metadata"]["name"]), reverse=True)
                for vm in sorted(newest_first, key=is_ready)[:len(members) - group.replicas]:
                    self._delete_node(vm)

    def _create_node(self, cluster, plan):
        metadata, group = cluster["metadata"], plan.group
        labels = node_labels(metadata["name"], group, plan.release["metadata"]["name"])
        prefix = f"{metadata['name']}-{CONTROL_PLANE if group.control_plane else group.name}-"
        vm = {
            "apiVersion": self.vms.api_version, "kind": "VirtualMachine",
            "metadata": {"generateName": prefix, "namespace": metadata["namespace"], "labels": labels,
                         "ownerReferences": [owner_reference(cluster)]},
            "spec": {"className": group.vm_class, "imageName": plan.release["spec"]["osImages"][0]["name"],
                     "storageClass": group.storage_class, "powerState": "PoweredOn"},
        }
        self.registry.create(self.vms, metadata["namespace"], vm, TKG_CONTROLLER)

    def _delete_node(self, vm):
        self.registry.delete(self.vms, vm["metadata"]["namespace"], vm["metadata"]["name"], TKG_CONTROLLER)

    def _publish_endpoint(self, flavor, cluster):
        """The control plane endpoint; for a Cluster it is part of the spec, as Cluster API sets it."""
        if flavor.kind != "Cluster" or (cluster["spec"].get("controlPlaneEndpoint") or {}).get("host"):
            return cluster
        cluster["spec"]["controlPlaneEndpoint"] = self._endpoint(cluster)
        metadata = cluster["metadata"]
        return self.registry.update(self.types["Cluster"], metadata["namespace"], metadata["name"], cluster,
                                    flavor.caller).body

    def _virtual_server(self, cluster):
        return f"{self.supervisor.id}/{cluster['metadata']['uid']}"

    def _endpoint(self, cluster):
        """Where the cluster's API is: a Cluster's own `spec.controlPlaneEndpoint` once set, else its virtual server."""
        given = cluster["spec"].get("controlPlaneEndpoint") or {}
        if cluster["kind"] == "Cluster" and given.get("host"):
            return {"host": given["host"], "port": given.get("port") or API_PORT}
        return {"host": self.virtual_servers.address(self._virtual_server(cluster)), "port": API_PORT}

    def _kubeconfig(self, cluster):
        """The `<name>-kubeconfig` Secret as Cluster API writes it: the endpoint, its CA, the admin's client certificate
        (CN kubernetes-admin, O system:masters)."""
        metadata = cluster["metadata"]
        secrets = kinds.resource("Secret")
        name = f"{metadata['name']}-kubeconfig"
        if self.registry.get_or_none(secrets, metadata["namespace"], name) is not None:
            return
        endpoint = self._endpoint(cluster)
        certificate, key = issue_client_certificate("kubernetes-admin", ["system:masters"], self.pki_dir)
        user = f"{metadata['name']}-admin"
        kubeconfig = {
            "apiVersion": "v1", "kind": "Config", "current-context": f"{user}@{metadata['name']}", "preferences": {},
            "clusters": [{"name": metadata["name"], "cluster": {
                "server": f"https://{endpoint['host']}:{endpoint['port']}",
                "certificate-authority-data": _base64(ensure_pki(self.pki_dir).ca_cert.read_bytes())}}],
            "contexts": [{"name": f"{user}@{metadata['name']}", "context": {"cluster": metadata["name"], "user": user}}],
            "users": [{"name": user, "user": {"client-certificate-data": _base64(certificate),
                                              "client-key-data": _base64(key)}}],
        }
        secret = {
            "apiVersion": "v1", "kind": "Secret", "type": "cluster.x-k8s.io/secret",
            "metadata": {"name": name, "namespace": metadata["namespace"], "labels": {CLUSTER_LABEL: metadata["name"]},
                         "ownerReferences": [owner_reference(cluster)]},
            "data": {"value": _base64(yaml.safe_dump(kubeconfig).encode())},
        }
        self.registry.create(secrets, metadata["namespace"], secret, CAPI_CONTROLLER)

    def _machine_deployments(self, cluster, plans, nodes):
        """One MachineDeployment per worker entry of a Cluster's topology, replicas and status kept current."""
        deployments = kinds.resource("MachineDeployment")
        metadata = cluster["metadata"]
        wanted = {}
        for plan in plans:
            if plan.group.control_plane:
                continue
            name = f"{metadata['name']}-{plan.group.name}"
            members = [vm for vm in nodes if group_of(vm) == plan.group.name and not is_deleting(vm)]
            ready = [vm for vm in members if is_ready(vm)]
            updated = [vm for vm in members if release_of(vm) == plan.release["metadata"]["name"]]
            selector = {CLUSTER_LABEL: metadata["name"], GROUP_LABEL: plan.group.name}
            phase = ("ScalingUp" if len(members) < plan.group.replicas else
                     "ScalingDown" if len(members) > plan.group.replicas else "Running")
            wanted[name] = ({
                "apiVersion": deployments.api_version, "kind": "MachineDeployment",
                "metadata": {"name": name, "namespace": metadata["namespace"],
                             "labels": {**selector, "topology.cluster.x-k8s.io/owned": ""},
                             "ownerReferences": [owner_reference(cluster)]},
                "spec": {"clusterName": metadata["name"], "replicas": plan.group.replicas,
                         "selector": {"matchLabels": selector},
                         "template": {"metadata": {"labels": selector}, "spec": {
                             "clusterName": metadata["name"], "version": plan.release["spec"]["kubernetes"]["version"],
                             "bootstrap": {"configRef": {"apiVersion": "bootstrap.cluster.x-k8s.io/v1beta1",
                                                         "kind": "KubeadmConfigTemplate", "name": name}},
                             "infrastructureRef": {"apiVersion": "vmware.infrastructure.cluster.x-k8s.io/v1beta1",
                                                   "kind": "VSphereMachineTemplate", "name": name}}}},
            }, {"replicas": len(members), "readyReplicas": len(ready), "availableReplicas": len(ready),
                "updatedReplicas": len(updated), "unavailableReplicas": max(0, plan.group.replicas - len(ready)),
                "phase": phase})
        existing = {d["metadata"]["name"]: d for d in self.registry.list(
            deployments, metadata["namespace"], None)["items"]
            if any(o.get("uid") == metadata["uid"] for o in d["metadata"].get("ownerReferences") or [])}
        for name, (desired, status) in wanted.items():
            current = existing.get(name)
            if current is None:
                current = self.registry.create(deployments, metadata["namespace"], desired, CAPI_CONTROLLER).body
            elif current["spec"] != {**current["spec"], **desired["spec"]}:
                current["spec"].update(desired["spec"])
                current = self.registry.update(deployments, metadata["namespace"], name, current, CAPI_CONTROLLER).body
            if (current.get("status") or {}) != {**(current.get("status") or {}), **status}:
                current["status"] = {**(current.get("status") or {}), **status,
                                     "observedGeneration": current["metadata"]["generation"]}
                self.registry.update(deployments, metadata["namespace"], name, current, CAPI_CONTROLLER,
                                     subresource="status")
        for name in set(existing) - set(wanted):
            self.registry.delete(deployments, metadata["namespace"], name, CAPI_CONTROLLER)

    def _report(self, flavor, cluster, nodes, plans, problem):
        status = cluster_status(flavor.kind, cluster, nodes, plans, problem, self._endpoint(cluster))
        if status != (cluster.get("status") or {}):
            cluster["status"] = status
            metadata = cluster["metadata"]
            self.registry.update(self.types[flavor.kind], metadata["namespace"], metadata["name"], cluster,
                                 flavor.caller, subresource="status")

    def _delete(self, flavor, cluster, nodes):
        metadata = cluster["metadata"]
        for vm in nodes:
            if not is_deleting(vm):
                self._delete_node(vm)
        self._report(flavor, cluster, nodes, [], None)
        if nodes:
            return None  # each node's deletion queues the cluster again
        cluster = self.registry.get(self.types[flavor.kind], metadata["namespace"], metadata["name"])
        cluster["metadata"]["finalizers"] = [f for f in cluster["metadata"].get("finalizers") or []
                                             if f != flavor.finalizer]
        self.registry.update(self.types[flavor.kind], metadata["namespace"], metadata["name"], cluster, flavor.caller)
        self.virtual_servers.release(self._virtual_server(cluster))
        return None


def clusters_concerned(event, types, owned):
    """The (kind, namespace, name) of the guest clusters a store event concerns: a cluster of `types` ({kind:
    ResourceType}) itself, or the owner of an object of the `owned` ResourceTypes."""
    metadata = event.object["metadata"]
    found = [(kind, metadata["namespace"], metadata["name"]) for kind, resource in types.items()
             if event.resource_key == resource.resource_key]
    if any(event.resource_key == resource.resource_key for resource in owned):
        found += [(owner["kind"], metadata["namespace"], owner["name"])
                  for owner in metadata.get("ownerReferences") or [] if owner.get("kind") in FLAVORS]
    return found


def _base64(data):
    return base64.b64encode(data).decode()


def _oldest(vms):
    return min(vms, key=lambda vm: (vm["metadata"]["creationTimestamp"], vm["metadata"]["name"]))
