"""Guest cluster VMs in vcsim: the part of the VM Operator that talks to vCenter.

Each VirtualMachine object becomes a vcsim VM of the same name in the VM
folder `Namespaces/<namespace>` of the Supervisor cluster's datacenter, in the
namespace's resource pool (which the lab's vCenter creates with the
namespace) or, when there is none, the cluster's root pool, on the host the
controller chose. Calls go through the vCenter service's own vim25 session
(`pacific_lab.vcenter.vsphere.Vsphere`), so they show in the request log with
origin "wcp", as the Supervisor's calls to vCenter are WCP's.
"""

import threading
from dataclasses import dataclass

from pyVmomi import vim

NAMESPACES_FOLDER = "Namespaces"


@dataclass(frozen=True)
class MachineSpec:
    namespace: str
    name: str
    cluster: str  # moid of the Supervisor's vSphere cluster
    cpus: int
    memory_mib: int
    host: str  # host name


@dataclass(frozen=True)
class MachineFacts:
    moid: str
    bios_uuid: str
    instance_uuid: str
    host: str


class VsphereMachines:
    def __init__(self, vsphere_source):
        self._vsphere_source = vsphere_source  # callable: the current Vsphere session (a lab reset replaces it)
        self._lock = threading.Lock()

    def hosts(self, cluster_moid):
        """{host name: per-core CPU MHz} of the cluster's hosts."""
        with self._lock:
            vsphere = self._vsphere_source()
            cluster = vsphere.ref(vim.ClusterComputeResource, cluster_moid)
            found = vsphere.retrieve(vim.HostSystem, ["name", "summary.hardware.cpuMhz"], root=cluster)
            return {props["name"]: props["summary.hardware.cpuMhz"] for _, props in found}

    def existing(self, cluster_moid, namespace):
        """{VM name: moid} of the namespace's VMs in vcsim (one batched read)."""
        with self._lock:
            vsphere = self._vsphere_source()
            folder = self._folder(vsphere, cluster_moid, namespace, create=False)
            if folder is None:
                return {}
            return {props["name"]: vm._moId for vm, props in vsphere.retrieve(vim.VirtualMachine, ["name"], folder)}

    def create(self, spec):
        """Create and power on the VM (or find it, when it exists already); its facts."""
        with self._lock:
            vsphere = self._vsphere_source()
            cluster = vsphere.ref(vim.ClusterComputeResource, spec.cluster)
            folder = self._folder(vsphere, spec.cluster, spec.namespace, create=True)
            vm = vsphere.vms_named({spec.name}, root=folder).get(spec.name)
            if vm is None:
                hosts = vsphere.cluster_hosts(cluster)
                host = hosts.get(spec.host) or next(iter(hosts.values()))
                pool = vsphere.resource_pool(cluster.resourcePool, spec.namespace) or cluster.resourcePool
                vm = vsphere.create_vm(folder, pool, host, spec.name, spec.cpus, spec.memory_mib,
                                       cluster.datastore[0].name)
                vsphere.power_on(vm)
            config, runtime_host = vm.config, vm.runtime.host
            return MachineFacts(vm._moId, config.uuid, config.instanceUuid, runtime_host.name)

    def destroy(self, cluster_moid, namespace, name):
        """Power off and delete the VM; nothing to do when it is gone."""
        with self._lock:
            vsphere = self._vsphere_source()
            folder = self._folder(vsphere, cluster_moid, namespace, create=False)
            vm = vsphere.vms_named({name}, root=folder).get(name) if folder is not None else None
            if vm is not None:
                vsphere.destroy_vm(vm)

    @staticmethod
    def _folder(vsphere, cluster_moid, namespace, create):
        datacenter = vsphere.ref(vim.ClusterComputeResource, cluster_moid).parent
        while not isinstance(datacenter, vim.Datacenter):
            datacenter = datacenter.parent
        if create:
            return _folder(vsphere, _folder(vsphere, datacenter.vmFolder, NAMESPACES_FOLDER), namespace)
        for child in datacenter.vmFolder.childEntity:
            if isinstance(child, vim.Folder) and child.name == NAMESPACES_FOLDER:
                return next((f for f in child.childEntity if isinstance(f, vim.Folder) and f.name == namespace), None)
        return None


def _folder(vsphere, parent, name):
    """The child folder `name`, created when missing, also when vCenter's own services create it meanwhile."""
    try:
        return vsphere.folder(parent, name)
    except vim.fault.DuplicateName:
        return vsphere.folder(parent, name)  # someone else created it between the look and the create
