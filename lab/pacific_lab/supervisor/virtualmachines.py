"""The VM Operator: VirtualMachine objects become powered-on VMs in vcsim.

For each VirtualMachine: its finalizer first; then the VM is created in
vcsim (class CPU and memory, and the reservations of its class's
`policies.resources.requests`, in the namespace's resource pool, on the host
with the fewest peers of the same cluster and role, so that control plane
nodes spread over hosts) and the status gets its identity (`uniqueID`,
`biosUUID`, `host`); then it is powered on. vCenter may refuse the power-on
(the pool's admission control: the reservations do not fit under the
namespace's limits): the VM stays PoweredOff, a Warning Event
`CreateOrUpdateFailure` says why, and the power-on is tried again later.
After the boot time a powered-on VM is Ready with an address. On a Supervisor on vSphere Zones the VM
goes to the cluster of the zone its `topology.kubernetes.io/zone` label names,
else of the zone with the fewest VMs of its node group (the lab's choice), which
then becomes its label; `status.zone` says it too. Deleting the object deletes the VM, then
drops the finalizer. A periodic resync puts back VMs that vcsim lost (vcsim
keeps nothing across a lab restart).
"""

import collections
import hashlib
import logging
import math
import time

from . import events, kinds, timing
from .apimachinery import meta
from .apimachinery.controllers import Controller
from .apimachinery.registry import Caller
from .machines import MachineSpec
from .topology import quantity_mib, quantity_value

VM_FINALIZER = "virtualmachine.vmoperator.vmware.com"
CLUSTER_LABEL = "cluster.x-k8s.io/cluster-name"
CONTROL_PLANE_LABEL = "cluster.x-k8s.io/control-plane"
GROUP_LABEL = "topology.cluster.x-k8s.io/deployment-name"  # the worker pool / MachineDeployment topology name
ZONE_LABEL = "topology.kubernetes.io/zone"
VM_OPERATOR = Caller("system:serviceaccount:vmware-system-vmop:vmware-system-vmop-controller-manager",
                     user_agent="vmware-system-vmop-controller-manager/v1.8.6")
log = logging.getLogger("pacific_lab.supervisor")
RESYNC = ("resync",)
RESYNC_PERIOD = 10.0  # real seconds between comparisons with vcsim


def address_of(uid, network="10.244"):
    """A stable address for an object (its uid decides), in the network's last two octets."""
    digest = hashlib.sha256(uid.encode()).digest()
    return f"{network}.{digest[0]}.{1 + digest[1] % 254}"


class VirtualMachineController:
    def __init__(self, registry, machines, supervisor, time_scale):
        self.registry = registry
        self.machines = machines
        self.supervisor = supervisor
        self.time_scale = time_scale
        self.vms = kinds.resource("VirtualMachine")
        self.vm_classes = kinds.resource("VirtualMachineClass")
        self.namespaces = kinds.resource("Namespace")
        self.controller = Controller("vm-operator", self._reconcile)
        self._ready_at = {}  # uid -> monotonic time the guest has booted
        registry.store.add_listener(self._on_event)

    def start(self):
        self.controller.start()
        self.controller.enqueue(RESYNC)

    def stop(self):
        self.controller.stop()

    def _on_event(self, event):
        if event.resource_key == self.vms.resource_key:
            metadata = event.object["metadata"]
            self.controller.enqueue((metadata["namespace"], metadata["name"]))

    def _reconcile(self, key):
        if key == RESYNC:
            self._resync()
            return RESYNC_PERIOD
        namespace, name = key
        vm = self.registry.get_or_none(self.vms, namespace, name)
        if vm is None:
            return None
        metadata, status = vm["metadata"], vm.get("status") or {}
        if metadata.get("deletionTimestamp"):
            self.machines.destroy(self.supervisor.cluster, namespace, name)
            self._ready_at.pop(metadata["uid"], None)
            if VM_FINALIZER in (metadata.get("finalizers") or []):
                metadata["finalizers"] = [f for f in metadata["finalizers"] if f != VM_FINALIZER]
                self.registry.update(self.vms, namespace, name, vm, VM_OPERATOR)
            return None
        if VM_FINALIZER not in (metadata.get("finalizers") or []):
            metadata["finalizers"] = [*(metadata.get("finalizers") or []), VM_FINALIZER]
            self.registry.update(self.vms, namespace, name, vm, VM_OPERATOR)
            return None  # the update queues the VM again
        if not status.get("uniqueID"):
            return self._create(vm)
        if status.get("powerState") != "PoweredOn":
            return self._power_on(vm)
        if not _is_ready(vm):
            return self._boot(vm)
        return None

    def _create(self, vm):
        metadata = vm["metadata"]
        status = vm.setdefault("status", {})
        conditions = status.setdefault("conditions", [])
        vm_class = self._vm_class(vm)
        if vm_class is None:
            self._write_status(vm)
            return self.time_scale.retry_after(timing.RETRY_UNRESOLVED)
        peers = self._peers(vm)
        zone, cluster = self._placement(vm, peers)
        if cluster is None:
            meta.set_condition(conditions, "VirtualMachineCreated", "False", "ZoneNotFound",
                               f'zone "{zone}" is not a zone of this Supervisor (zones: {", ".join(dict(self.supervisor.zones))})')
            self._write_status(vm)
            return self.time_scale.retry_after(timing.RETRY_UNRESOLVED)
        if zone and (metadata.get("labels") or {}).get(ZONE_LABEL) != zone:
            # As VM Operator does after a zone placement: the zone becomes the VM's label (immutable from then on),
            # so a create that fails later keeps its zone on the next attempt. The update queues the VM again.
            metadata.setdefault("labels", {})[ZONE_LABEL] = zone
            self.registry.update(self.vms, metadata["namespace"], metadata["name"], vm, VM_OPERATOR)
            return None
        facts = self.machines.create(self._machine(vm, vm_class, self._choose_host(vm, cluster, peers), cluster))
        status.update(uniqueID=facts.moid, biosUUID=facts.bios_uuid, instanceUUID=facts.instance_uuid, host=facts.host)
        if zone:
            status["zone"] = zone
        _mark_true(conditions, "VirtualMachineCreated")
        return self._powered(vm, facts.power_on_fault)

    def _power_on(self, vm):
        fault = self.machines.power_on(self.supervisor.cluster, vm["metadata"]["namespace"], vm["metadata"]["name"])
        if fault is None:  # vcsim lost it: the resync makes it again
            return self.time_scale.retry_after(timing.RETRY_UNRESOLVED)
        return self._powered(vm, fault)

    def _powered(self, vm, fault):
        """The status after a power-on: booting, or off with vCenter's refusal told in an Event and retried later."""
        status, conditions = vm["status"], vm["status"]["conditions"]
        if fault:
            status["powerState"] = "PoweredOff"
            meta.set_condition(conditions, "Ready", "False", "PoweredOff", "the VM is powered off")
            self._write_status(vm)
            events.record(self.registry, vm, events.WARNING, "CreateOrUpdateFailure",
                          f"failed to power on VirtualMachine: {fault}", VM_OPERATOR, "vmware-system-vmop")
            return self.time_scale.retry_after(timing.RETRY_UNRESOLVED)
        status["powerState"] = "PoweredOn"
        meta.set_condition(conditions, "Ready", "False", "GuestBooting", "the guest OS is booting")
        boot = self.time_scale.seconds(timing.VM_BOOT)
        self._ready_at[vm["metadata"]["uid"]] = time.monotonic() + boot
        self._write_status(vm)
        return boot

    def _vm_class(self, vm):
        """The spec of the VM's class (its VirtualMachineClassReady condition says whether it is bound)."""
        metadata, class_name = vm["metadata"], (vm.get("spec") or {}).get("className", "")
        conditions = vm.setdefault("status", {}).setdefault("conditions", [])
        vm_class = self.registry.get_or_none(self.vm_classes, metadata["namespace"], class_name)
        if vm_class is None:
            meta.set_condition(conditions, "VirtualMachineClassReady", "False", "NotFound",
                               f'Failed to get VirtualMachineClass "{class_name}": not bound to namespace '
                               f'"{metadata["namespace"]}"')
            return None
        _mark_true(conditions, "VirtualMachineClassReady")
        return vm_class["spec"]

    def _machine(self, vm, vm_class, host, cluster):
        """The VM to make: its class's hardware, and what the class requests reserved, converted as VM Operator does
        (CPUQuantityToMhz: cores × the slowest host's MHz, rounded up; MemoryQuantityToMb)."""
        hardware = vm_class["hardware"]
        requests = ((vm_class.get("policies") or {}).get("resources") or {}).get("requests") or {}
        cpu_mhz = math.ceil(quantity_value(requests["cpu"]) * min(self.machines.hosts(cluster).values())) if "cpu" in requests else 0
        return MachineSpec(namespace=vm["metadata"]["namespace"], name=vm["metadata"]["name"],
                           cluster=cluster, cpus=int(hardware["cpus"]),
                           memory_mib=quantity_mib(hardware["memory"]), host=host, cpu_reservation_mhz=cpu_mhz,
                           memory_reservation_mib=math.ceil(quantity_value(requests.get("memory", 0)) / (1 << 20)))

    def _placement(self, vm, peers):
        """(zone, cluster moid) of a new VM: its zone label's, else the zone with the fewest VMs of its node group;
        ("", the Supervisor's cluster) without zones; (zone, None) for a zone the Supervisor does not run on."""
        zones = dict(self.supervisor.zones)
        if not zones:
            return "", self.supervisor.cluster
        labels = vm["metadata"].get("labels") or {}
        zone = _zone_of(vm)
        if not zone:
            # Spread each node group (the control plane, a pool) over the zones.
            group = labels.get(GROUP_LABEL)
            placed = collections.Counter(_zone_of(p) for p in _same_role(vm, peers)
                                         if (p["metadata"].get("labels") or {}).get(GROUP_LABEL) == group)
            zone = min(zones, key=lambda name: (placed[name], name))
        return zone, zones.get(zone)

    def _boot(self, vm):
        metadata = vm["metadata"]
        ready_at = self._ready_at.get(metadata["uid"])
        if ready_at is None:  # created before a restart: count from when it was created
            created = meta.find_condition(vm, "VirtualMachineCreated")
            since = time.time() - meta.parse_time(created["lastTransitionTime"]).timestamp() if created else 0
            ready_at = time.monotonic() - since + self.time_scale.seconds(timing.VM_BOOT)
            self._ready_at[metadata["uid"]] = ready_at
        left = ready_at - time.monotonic()
        if left > 0:
            return left
        status = vm["status"]
        status["network"] = {"primaryIP4": address_of(metadata["uid"])}
        _mark_true(status["conditions"], "Ready")
        self._write_status(vm)
        return None

    def _choose_host(self, vm, cluster, peers):
        """The host of `cluster` with the fewest VMs of the same cluster and role, then the fewest VMs of the namespace."""
        hosts = sorted(self.machines.hosts(cluster))
        same_role = collections.Counter((p.get("status") or {}).get("host") for p in _same_role(vm, peers))
        everyone = collections.Counter((p.get("status") or {}).get("host") for p in peers)
        return min(hosts, key=lambda host: (same_role[host], everyone[host], host))

    def _peers(self, vm):
        """The namespace's other VirtualMachines (one list)."""
        return [p for p in self.registry.list(self.vms, vm["metadata"]["namespace"])["items"]
                if p["metadata"]["name"] != vm["metadata"]["name"]]

    def _resync(self):
        """vcsim made to match the stored VirtualMachine objects (one batched read per namespace).

        The VMs vcsim lost are made again; the VMs of a namespace's folder
        that no object claims (left by a run cut short, or by an object deleted
        while its VM was being made) are deleted, as the VM operator owns that
        folder: the stored objects are the truth, vcsim follows them.
        """
        claimed = collections.defaultdict(set)
        made = collections.defaultdict(list)
        for vm in self.registry.list(self.vms)["items"]:
            claimed[vm["metadata"]["namespace"]].add(vm["metadata"]["name"])
            if (vm.get("status") or {}).get("uniqueID") and not vm["metadata"].get("deletionTimestamp"):
                made[vm["metadata"]["namespace"]].append(vm)
        namespaces = {item["metadata"]["name"] for item in self.registry.list(self.namespaces)["items"]} | set(claimed)
        for namespace in sorted(namespaces):
            present = self.machines.existing(self.supervisor.cluster, namespace)
            for vm in made[namespace]:
                if vm["metadata"]["name"] not in present:
                    self._recreate(vm)
            for name in sorted(set(present) - claimed[namespace]):
                log.warning("vm-operator: VM %s/%s in vcsim has no VirtualMachine object: deleting it", namespace, name)
                self.machines.destroy(self.supervisor.cluster, namespace, name)

    def _recreate(self, vm):
        vm_class = self._vm_class(vm)
        _zone, cluster = self._placement(vm, self._peers(vm))
        if vm_class is not None and cluster is not None:
            facts = self.machines.create(self._machine(vm, vm_class, vm["status"].get("host", ""), cluster))
            vm["status"].update(uniqueID=facts.moid, biosUUID=facts.bios_uuid, instanceUUID=facts.instance_uuid,
                                host=facts.host)
            if facts.power_on_fault:
                self._powered(vm, facts.power_on_fault)
                return
        self._write_status(vm)

    def _write_status(self, vm):
        metadata = vm["metadata"]
        self.registry.update(self.vms, metadata["namespace"], metadata["name"], vm, VM_OPERATOR, subresource="status")


def _zone_of(vm):
    """The zone a VM was placed in: its label (set before its VM is made), else its status."""
    return (vm["metadata"].get("labels") or {}).get(ZONE_LABEL) or (vm.get("status") or {}).get("zone")


def _same_role(vm, peers):
    """The peers of the same guest cluster and role (control plane or worker) as `vm`."""
    labels = vm["metadata"].get("labels") or {}
    return [p for p in peers if (p["metadata"].get("labels") or {}).get(CLUSTER_LABEL) == labels.get(CLUSTER_LABEL)
            and (CONTROL_PLANE_LABEL in (p["metadata"].get("labels") or {})) == (CONTROL_PLANE_LABEL in labels)]


def _mark_true(conditions, type_):
    # metav1.Condition needs a reason and a message even when true; the VM Operator says "True" and "".
    meta.set_condition(conditions, type_, "True", "True", "")


def _is_ready(vm):
    ready = meta.find_condition(vm, "Ready")
    return ready is not None and ready.get("status") == "True"

