"""Guest cluster VMs in vcsim: the part of the VM Operator that talks to vCenter.

Each VirtualMachine object becomes a vcsim VM of the same name in the VM
folder `Namespaces/<namespace>` of the Supervisor cluster's datacenter, in the
namespace's resource pool (which the lab's vCenter creates with the
namespace) or, when there is none, the cluster's root pool, on the host the
controller chose. Calls go through the vCenter service's own vim25 session
(`pacific_lab.vcenter.vsphere.Vsphere`), so they show in the request log with
origin "wcp", as the Supervisor's calls to vCenter are WCP's.

Each Supervisor service acts through a handle of its own (`for_service`),
closed when the service stops: a controller still busy after its service
stopped (a lab reset, a Supervisor being reconfigured) cannot then make VMs in
a vcsim that is no longer its own, which left VMs that no object claims.
"""

import threading
from dataclasses import dataclass
from typing import Optional

from pyVmomi import vim

from ..vcenter.supervisors import control_plane_vm_names

NAMESPACES_FOLDER = "Namespaces"
MIB = 1024 * 1024


@dataclass(frozen=True)
class MachineSpec:
    namespace: str
    name: str
    cluster: str  # moid of the Supervisor's vSphere cluster
    cpus: int
    memory_mib: int
    host: str  # host name
    cpu_reservation_mhz: int = 0  # what the VM's class reserves (0: best effort)
    memory_reservation_mib: int = 0


@dataclass(frozen=True)
class MachineFacts:
    moid: str
    bios_uuid: str
    instance_uuid: str
    host: str
    powered_on: bool = True
    power_on_fault: str = ""  # why vCenter refused to power it on (its resource pool's admission control)


@dataclass(frozen=True)
class HostFacts:
    name: str
    in_maintenance: bool
    spherelet: Optional[str]  # the installed Spherelet VIB's version, None without one
    uuid: str
    cpus: int
    memory_mib: int


@dataclass(frozen=True)
class ControlPlaneFacts:
    uuid: str  # BIOS UUID
    cluster: str  # moid of the cluster it runs in
    powered_on: bool
    cpus: int
    memory_mib: int


@dataclass(frozen=True)
class NodeFacts:
    hosts: tuple
    control_plane: tuple


class MachinesClosed(Exception):
    """The Supervisor service that asked has stopped: vcsim is no longer its to change."""


class VsphereMachines:
    def __init__(self, vsphere_source, lock=None):
        self._vsphere_source = vsphere_source  # callable: the current Vsphere session (a lab reset replaces it)
        self._lock = lock or threading.Lock()  # one vim25 session: every handle's calls go one at a time
        self._closed = False

    def for_service(self):
        """A handle for one Supervisor service, sharing the session; `close` ends only this handle."""
        return VsphereMachines(self._vsphere_source, self._lock)

    def close(self):
        """No call through this handle after this one returns (a call under way finishes first)."""
        with self._lock:
            self._closed = True

    def _session(self):
        if self._closed:
            raise MachinesClosed("this Supervisor service has stopped")
        return self._vsphere_source()

    def hosts(self, cluster_moid):
        """{host name: per-core CPU MHz} of the cluster's hosts."""
        with self._lock:
            vsphere = self._session()
            cluster = vsphere.ref(vim.ClusterComputeResource, cluster_moid)
            found = vsphere.retrieve(vim.HostSystem, ["name", "summary.hardware.cpuMhz"], root=cluster)
            return {props["name"]: props["summary.hardware.cpuMhz"] for _, props in found}

    def supervisor_nodes(self, clusters):
        """NodeFacts of a Supervisor on `clusters` (moids, the first holding its control-plane folder
        `Namespaces/<cluster name>`): its hosts, with their Spherelet VIB, and its control-plane VMs."""
        with self._lock:
            vsphere = self._session()
            hosts, cluster_of = [], {}
            for moid in clusters:
                cluster = vsphere.ref(vim.ClusterComputeResource, moid)
                found = vsphere.retrieve(vim.HostSystem, ["name", "runtime.inMaintenanceMode", "hardware.systemInfo.uuid",
                                                          "summary.hardware.numCpuCores", "summary.hardware.memorySize"], root=cluster)
                for host, props in found:
                    cluster_of[host._moId] = moid
                    hosts.append(HostFacts(props["name"], bool(props["runtime.inMaintenanceMode"]), vsphere.installed_vibs(host).get("spherelet"),
                                           props["hardware.systemInfo.uuid"], props["summary.hardware.numCpuCores"],
                                           props["summary.hardware.memorySize"] // MIB))
            folder = self._folder(vsphere, clusters[0], vsphere.ref(vim.ClusterComputeResource, clusters[0]).name, create=False)
            control_plane, names = [], set(control_plane_vm_names())
            if folder is not None:
                properties = ["name", "config.uuid", "runtime.powerState", "runtime.host", "config.hardware.numCPU", "config.hardware.memoryMB"]
                for _, props in vsphere.retrieve(vim.VirtualMachine, properties, folder):
                    if props["name"] in names and props["runtime.host"] is not None:
                        control_plane.append(ControlPlaneFacts(props["config.uuid"], cluster_of.get(props["runtime.host"]._moId),
                                                               props["runtime.powerState"] == "poweredOn", props["config.hardware.numCPU"],
                                                               props["config.hardware.memoryMB"]))
            return NodeFacts(tuple(hosts), tuple(control_plane))

    def existing(self, cluster_moid, namespace):
        """{VM name: moid} of the namespace's VMs in vcsim (one batched read)."""
        with self._lock:
            vsphere = self._session()
            folder = self._folder(vsphere, cluster_moid, namespace, create=False)
            if folder is None:
                return {}
            return {props["name"]: vm._moId for vm, props in vsphere.retrieve(vim.VirtualMachine, ["name"], folder)}

    def create(self, spec):
        """Create the VM (or find it, when it exists already) and power it on; its facts."""
        with self._lock:
            vsphere = self._session()
            cluster = vsphere.ref(vim.ClusterComputeResource, spec.cluster)
            folder = self._folder(vsphere, spec.cluster, spec.namespace, create=True)
            vm = vsphere.vms_named({spec.name}, root=folder).get(spec.name)
            if vm is None:
                hosts = vsphere.cluster_hosts(cluster)
                host = hosts.get(spec.host) or next(iter(hosts.values()))
                pool = vsphere.resource_pool(cluster.resourcePool, spec.namespace) or cluster.resourcePool
                vm = vsphere.create_vm(folder, pool, host, spec.name, spec.cpus, spec.memory_mib,
                                       cluster.datastore[0].name, spec.cpu_reservation_mhz, spec.memory_reservation_mib)
            fault = _power_on(vsphere, vm)
            config, runtime_host = vm.config, vm.runtime.host
            return MachineFacts(vm._moId, config.uuid, config.instanceUuid, runtime_host.name, not fault, fault)

    def power_on(self, cluster_moid, namespace, name):
        """Power the VM on (when it is off): "" once on, else why vCenter refused; None when there is no such VM."""
        with self._lock:
            vsphere = self._session()
            folder = self._folder(vsphere, cluster_moid, namespace, create=False)
            vm = vsphere.vms_named({name}, root=folder).get(name) if folder is not None else None
            return _power_on(vsphere, vm) if vm is not None else None

    def destroy(self, cluster_moid, namespace, name):
        """Power off and delete the VM; nothing to do when it is gone."""
        with self._lock:
            vsphere = self._session()
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


def _power_on(vsphere, vm):
    """"" when the VM is (now) on; the message of vCenter's refusal when its pool cannot admit it."""
    if vm.runtime.powerState == vim.VirtualMachinePowerState.poweredOn:
        return ""
    try:
        vsphere.power_on(vm)
    except vim.fault.InsufficientResourcesFault as refused:
        return refused.msg or type(refused).__name__
    return ""


def _folder(vsphere, parent, name):
    """The child folder `name`, created when missing, also when vCenter's own services create it meanwhile."""
    try:
        return vsphere.folder(parent, name)
    except vim.fault.DuplicateName:
        return vsphere.folder(parent, name)  # someone else created it between the look and the create
