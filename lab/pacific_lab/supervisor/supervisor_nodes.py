"""The Supervisor's own nodes, as `kubectl get nodes` shows them on a Supervisor: its control-plane VMs and the ESXi
hosts of its clusters, whose Spherelet is the kubelet.

- A control-plane VM `SupervisorControlPlaneVM (N)` is node `<BIOS UUID without dashes>` (as vSphere names them:
  `4230512d69b675b89193359b22eabd78`), roles `control-plane,master`, tainted NoSchedule, Ready while powered on,
  its kubelet the Supervisor's Kubernetes (`v1.26.13+vmware.wcp.1`).
- A host is node `<host name>` in lower case, `_` as `-` (a node name is a DNS subdomain), role `agent`, Ready and
  schedulable only with the Spherelet VIB installed and out of maintenance mode; its kubelet version names the
  Spherelet VIB's (`v1.26.13-sph-7.0.3-2`).

The nodes follow vcsim, read every `NODE_STATUS_SECONDS` (10, kubelet's default nodeStatusUpdateFrequency) through
the Supervisor's vim25 handle; a node whose VM or host is gone is deleted. Sources and what has none: lab/CONTRACT.md.
"""

import logging
import threading

from . import kinds
from .apimachinery.registry import Caller
from .machines import MachinesClosed
from .mirror import ensure

log = logging.getLogger("pacific_lab.supervisor.nodes")

NODE_STATUS_SECONDS = 10.0
NODE_CONTROLLER = Caller("system:serviceaccount:kube-system:node-controller",
                         user_agent="kube-controller-manager/v1.26.13 (linux/amd64) kubernetes/node-controller")
ROLE = "node-role.kubernetes.io/"
MANAGED_LABEL = "lab.pacific.vsphere/supervisor-node"


class SupervisorNodes:
    def __init__(self, registry, machines, info, period=NODE_STATUS_SECONDS):
        self.registry = registry
        self.machines = machines  # the service's VsphereMachines handle
        self.info = info
        self.period = period
        self.nodes = kinds.resource("Node")
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"nodes-{self.info.id}", daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self):
        while True:
            try:
                self.sync()
            except MachinesClosed:
                return
            except Exception:  # the next period tries again
                log.exception("reading the nodes of the Supervisor %s from vCenter failed", self.info.id)
            if self._stop.wait(self.period):
                return

    def sync(self):
        clusters = [cluster for _zone, cluster in self.info.zones] or [self.info.cluster]
        facts = self.machines.supervisor_nodes(clusters)
        wanted = {}
        for vm in facts.control_plane:
            node = self._control_plane_node(vm)
            wanted[node["metadata"]["name"]] = node
        for host in facts.hosts:
            node = self._host_node(host)
            wanted[node["metadata"]["name"]] = node
        for node in wanted.values():
            ensure(self.registry, self.nodes, node, NODE_CONTROLLER)
        for existing in self.registry.list(self.nodes)["items"]:
            name = existing["metadata"]["name"]
            if name not in wanted and (existing["metadata"].get("labels") or {}).get(MANAGED_LABEL):
                self.registry.delete(self.nodes, "", name, NODE_CONTROLLER)

    def _control_plane_node(self, vm):
        name = vm.uuid.replace("-", "").lower()
        zone = dict((cluster, zone) for zone, cluster in self.info.zones).get(vm.cluster)
        labels = {f"{ROLE}control-plane": "", f"{ROLE}master": "", "kubernetes.io/hostname": name,
                  "kubernetes.io/os": "linux", MANAGED_LABEL: "control-plane"}
        if zone and len(self.info.zones) > 1:
            labels["topology.kubernetes.io/zone"] = zone
        return node_object(name, labels, ready=vm.powered_on, unschedulable=False,
                     taints=[{"key": f"{ROLE}master", "effect": "NoSchedule"}],
                     kubelet=self.info.kubernetes_version, cpus=vm.cpus, memory_mib=vm.memory_mib,
                     os_image="VMware Photon OS/Linux", provider=f"vsphere://{vm.uuid}", system_uuid=vm.uuid)

    def _host_node(self, host):
        name = host.name.lower().replace("_", "-")
        labels = {f"{ROLE}agent": "", "kubernetes.io/hostname": name, "kubernetes.io/os": "ESXi", MANAGED_LABEL: "host"}
        usable = host.spherelet is not None and not host.in_maintenance
        kubernetes = self.info.kubernetes_version.split("+", 1)[0]
        return node_object(name, labels, ready=usable, unschedulable=not usable, taints=[],
                     kubelet=f"{kubernetes}-sph-{host.spherelet}" if host.spherelet else "",
                     cpus=host.cpus, memory_mib=host.memory_mib, os_image="VMware ESXi",
                     provider=f"vsphere://{host.uuid}", system_uuid=host.uuid)


def node_object(name, labels, *, ready, unschedulable, taints, kubelet, cpus, memory_mib, os_image, provider, system_uuid,
                addresses=()):
    """A Node as its kubelet registers and reports it; `addresses`: (type, address) pairs (InternalIP, Hostname)."""
    capacity = {"cpu": str(cpus), "memory": f"{memory_mib}Mi", "pods": "110"}
    spec = {"providerID": provider, "taints": taints}
    if unschedulable:
        spec["unschedulable"] = True
        spec["taints"] = taints + [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
    return {
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}, "spec": spec,
        "status": {
            "conditions": [{"type": "Ready", "status": "True" if ready else "False",
                            "reason": "KubeletReady" if ready else "KubeletNotReady",
                            "message": "kubelet is posting ready status" if ready else "kubelet is not ready"}],
            "capacity": capacity, "allocatable": capacity,
            "addresses": [{"type": kind, "address": address} for kind, address in addresses],
            "nodeInfo": {"kubeletVersion": kubelet, "osImage": os_image, "operatingSystem": "linux",
                         "architecture": "amd64", "systemUUID": system_uuid},
        },
    }
