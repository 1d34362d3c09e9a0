"""vCenter's view of a Supervisor, reflected into Kubernetes objects, as WCP keeps it.

For each vSphere Namespace of the Supervisor: a Namespace, a ResourceQuota
mirroring its limits, a VirtualMachineClass per bound VM class and the
`tanzukubernetescluster` ClusterClass; cluster-wide, a StorageClass per
storage policy assigned to any namespace and the Tanzu Kubernetes releases.
A vSphere Namespace deleted in vCenter is deleted here (it stays Terminating
until the guest clusters in it are gone).

ResourceQuota `<namespace>-quota` (`spec.hard`; its status is the quota controller's):
`limits.cpu` in millicores, counting 1000 MHz as one CPU (the lab's
convention: vCenter limits MHz, Kubernetes CPUs), `limits.memory` and
`requests.storage` in Mi, and one
`<storage class>.storageclass.storage.k8s.io/requests.storage` per assigned
policy (its own limit, else the namespace's, else unlimited), which is what
makes a storage class usable in the namespace on a Supervisor.
"""

from . import kinds, releases
from .apimachinery import meta
from .apimachinery.registry import Caller
from .topology import REQUIRED_VARIABLES, TKC_CLASS, WORKER_CLASS

WCP = Caller("system:serviceaccount:vmware-system-nsop:vmware-system-nsop-controller-manager",
             user_agent="wcp-namespace-operator/v8.0.2")
CLUSTER_ID_LABEL = "vSphereClusterID"
MANAGED_LABEL = "lab.pacific.vsphere/managed-by"
UNLIMITED = "9223372036854775807"
KUBERNETES_FINALIZER = "kubernetes"
CSI_PROVISIONER = "csi.vsphere.vmware.com"


class NamespaceMirror:
    def __init__(self, registry, directory, supervisor):
        self.registry = registry
        self.directory = directory
        self.supervisor = supervisor

    def seed(self):
        """What every Supervisor has from the start: its Tanzu Kubernetes releases."""
        for release in releases.RELEASES:
            ensure(self.registry, kinds.resource("TanzuKubernetesRelease"), releases.release_object(release))

    def sync(self):
        infos = self.directory.namespaces(self.supervisor.id)
        vm_classes = self.directory.vm_classes()
        namespaces = kinds.resource("Namespace")
        for info in infos:
            existing = self.registry.get_or_none(namespaces, "", info.name)
            if existing is not None and existing["metadata"].get("deletionTimestamp"):
                continue  # deleted and created again in vCenter: it comes back once the old one is gone
            ensure(self.registry, namespaces, self._namespace(info))
            ensure(self.registry, kinds.resource("ResourceQuota"), _quota(info))
            ensure(self.registry, kinds.resource("ClusterClass"), _cluster_class(info.name))
            self._bind_vm_classes(info, vm_classes)
        self._storage_classes(infos)
        wanted = {info.name for info in infos}
        for namespace in self.registry.list(namespaces)["items"]:
            metadata = namespace["metadata"]
            if (metadata.get("labels") or {}).get(CLUSTER_ID_LABEL) == self.supervisor.cluster \
                    and metadata["name"] not in wanted and not metadata.get("deletionTimestamp"):
                self.registry.delete(namespaces, "", metadata["name"], WCP)

    def _namespace(self, info):
        return {
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": info.name, "labels": {CLUSTER_ID_LABEL: self.supervisor.cluster,
                                                       "kubernetes.io/metadata.name": info.name}},
            "spec": {"finalizers": [KUBERNETES_FINALIZER]},
            "status": {"phase": "Active"},
        }

    def _bind_vm_classes(self, info, vm_classes):
        resource = kinds.resource("VirtualMachineClass")
        for name in info.vm_classes:
            vm_class = vm_classes.get(name)
            if vm_class is not None:
                ensure(self.registry, resource, {
                    "apiVersion": resource.api_version, "kind": "VirtualMachineClass",
                    "metadata": {"name": name, "namespace": info.name, "labels": {MANAGED_LABEL: "wcp"}},
                    "spec": _vm_class_spec(vm_class),
                })
        for bound in self.registry.list(resource, info.name)["items"]:
            if bound["metadata"]["name"] not in info.vm_classes:
                self.registry.delete(resource, info.name, bound["metadata"]["name"], WCP)

    def _storage_classes(self, infos):
        resource = kinds.resource("StorageClass")
        policies = {policy.storage_class: policy for info in infos for policy in info.storage_policies}
        for name, policy in policies.items():
            ensure(self.registry, resource, {
                "apiVersion": resource.api_version, "kind": "StorageClass",
                "metadata": {"name": name, "labels": {MANAGED_LABEL: "wcp"}},
                "provisioner": CSI_PROVISIONER, "parameters": {"storagePolicyID": policy.id or policy.name},
                "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate", "allowVolumeExpansion": True,
            })
        for storage_class in self.registry.list(resource)["items"]:
            metadata = storage_class["metadata"]
            if (metadata.get("labels") or {}).get(MANAGED_LABEL) == "wcp" and metadata["name"] not in policies:
                self.registry.delete(resource, "", metadata["name"], WCP)


def _vm_class_spec(vm_class):
    """A VirtualMachineClass's spec from vCenter's class: its hardware, and what it reserves as the requests of
    `policies.resources` (CPU in cores, as VM Operator reads them: CPUQuantityToMhz(requests.cpu, host MHz))."""
    spec = {"hardware": {"cpus": vm_class.cpus, "memory": f"{vm_class.memory_mib}Mi"}}
    requests = {}
    if vm_class.cpu_reservation:
        requests["cpu"] = f"{vm_class.cpus * vm_class.cpu_reservation * 10}m"
    if vm_class.memory_reservation:
        requests["memory"] = f"{vm_class.memory_mib * vm_class.memory_reservation // 100}Mi"
    if requests:
        spec["policies"] = {"resources": {"requests": requests}}
    return spec


def _quota(info):
    limits = info.limits
    hard = {}
    if limits.cpu_mhz is not None:
        hard["limits.cpu"] = f"{limits.cpu_mhz}m"
    if limits.memory_mib is not None:
        hard["limits.memory"] = f"{limits.memory_mib}Mi"
    if limits.storage_mib is not None:
        hard["requests.storage"] = f"{limits.storage_mib}Mi"
    for policy in info.storage_policies:
        limit = policy.limit_mib if policy.limit_mib is not None else limits.storage_mib
        hard[f"{policy.storage_class}.storageclass.storage.k8s.io/requests.storage"] = \
            f"{limit}Mi" if limit is not None else UNLIMITED
    return {
        "apiVersion": "v1", "kind": "ResourceQuota",
        "metadata": {"name": f"{info.name}-quota", "namespace": info.name, "labels": {MANAGED_LABEL: "wcp"}},
        "spec": {"hard": hard},  # its status is the quota controller's (resource_quota.py)
    }


def _cluster_class(namespace):
    """The `tanzukubernetescluster` ClusterClass of TKG on vSphere 8, reduced to what the lab uses."""
    def ref(api_group, kind, name):
        return {"apiVersion": f"{api_group}/v1beta1", "kind": kind, "name": name}
    infrastructure = "vmware.infrastructure.cluster.x-k8s.io"
    string = {"openAPIV3Schema": {"type": "string"}}
    volumes = {"openAPIV3Schema": {"type": "array", "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}
    optional = {"controlPlaneVolumes": volumes, "nodePoolVolumes": volumes, "defaultStorageClass": string,
                "storageClasses": {"openAPIV3Schema": {"type": "array", "items": {"type": "string"}}}}
    return {
        "apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "ClusterClass",
        "metadata": {"name": TKC_CLASS, "namespace": namespace, "labels": {MANAGED_LABEL: "wcp"},
                     "annotations": {"run.tanzu.vmware.com/resolve-tkr": ""}},
        "spec": {
            "controlPlane": {
                "ref": ref("controlplane.cluster.x-k8s.io", "KubeadmControlPlaneTemplate", "tkc-control-plane"),
                "machineInfrastructure": {"ref": ref(infrastructure, "VSphereMachineTemplate", "tkc-control-plane")},
            },
            "infrastructure": {"ref": ref(infrastructure, "VSphereClusterTemplate", "tkc-infrastructure")},
            "workers": {"machineDeployments": [{"class": WORKER_CLASS, "template": {
                "bootstrap": {"ref": ref("bootstrap.cluster.x-k8s.io", "KubeadmConfigTemplate", "tkc-node-pool")},
                "infrastructure": {"ref": ref(infrastructure, "VSphereMachineTemplate", "tkc-node-pool")},
            }}]},
            "variables": [{"name": name, "required": True, "schema": string} for name in REQUIRED_VARIABLES]
            + [{"name": name, "required": False, "schema": schema} for name, schema in optional.items()],
        },
    }


def ensure(registry, resource, desired, caller=WCP):
    """Make the object look like `desired` (fields it names; labels and annotations merged); the object."""
    metadata = desired["metadata"]
    namespace, name = metadata.get("namespace", ""), metadata["name"]
    current = registry.get_or_none(resource, namespace, name)
    body = {key: value for key, value in desired.items() if key != "status"}
    if current is None:
        current = registry.create(resource, namespace, body, caller).body
    else:
        wanted = meta.deep_copy(current)
        wanted.update({key: value for key, value in body.items() if key not in ("apiVersion", "kind", "metadata")})
        for field in ("labels", "annotations"):
            if metadata.get(field):
                wanted["metadata"][field] = {**(current["metadata"].get(field) or {}), **metadata[field]}
        if wanted != current:
            current = registry.update(resource, namespace, name, wanted, caller).body
    if "status" in desired and _comparable(current.get("status")) != _comparable(desired["status"]):
        current["status"] = desired["status"]
        current = registry.update(resource, namespace, name, current, caller, subresource="status").body
    return current


def _comparable(status):
    """A status without condition timestamps (which would make every comparison differ)."""
    status = meta.deep_copy(status or {})
    for entry in status.get("conditions") or []:
        entry.pop("lastTransitionTime", None)
    return status
