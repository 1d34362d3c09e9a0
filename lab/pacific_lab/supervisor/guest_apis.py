"""Each guest cluster's own Kubernetes API, served where its kubeconfig says, once its control plane is up.

A guest cluster of the lab is VMs in vcsim; what its users reach is a small API server of its own at the
endpoint of its `<name>-kubeconfig` Secret (the load balancer's virtual server: virtual_servers.py), with a
certificate from the lab CA for that address. It answers `/version` with the cluster's Kubernetes version, the
discovery documents and the built-in kinds (kinds.guest_cluster_scheme); it knows one user, the cluster's admin,
by the client certificate of the kubeconfig (O=system:masters: allowed everything). Its nodes follow the
cluster's VirtualMachines, and so vcsim: a node per VM, named as the VM, control-plane role on the control plane
VMs, Ready while the VM is, kubelet version the release's. Its objects live in memory: a restarted lab serves the
cluster again with nodes read anew (what a user created there is gone; no source has that, lab/CONTRACT.md).
"""

import base64
import logging
import ssl
import threading

import yaml

from ..pki import ensure_endpoint_certificate, ensure_pki
from . import kinds
from .admission import core_admission
from .apimachinery.controllers import Controller
from .apimachinery.httpapi import ApiEndpoint, KubernetesApiServer, version_info
from .apimachinery.registry import Caller, Registry
from .apimachinery.store import ObjectStore
from .guestclusters import FLAVORS, clusters_concerned
from .mirror import ensure
from .nodes import RELEASE_LABEL, is_deleting, is_ready, labels
from .supervisor_nodes import ROLE, node_object
from .topology import quantity_mib
from .virtualmachines import CONTROL_PLANE_LABEL, ZONE_LABEL

log = logging.getLogger("pacific_lab.supervisor.guest_apis")

ADMIN_GROUP = "system:masters"
KUBELET = Caller("system:node-controller", user_agent="kubelet/v1.26.13 (linux/amd64)")
NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
RETRY_BIND = 5.0  # seconds before an endpoint that could not be bound is tried again


class GuestClusterApis:
    """Follows a Supervisor's guest clusters (its registry) and serves the API of each that has a kubeconfig."""

    def __init__(self, registry, pki_dir, record=None):
        self.registry = registry
        self.pki_dir = pki_dir
        self.record = record
        self.types = {kind: kinds.resource(kind) for kind in FLAVORS}
        self.vms = kinds.resource("VirtualMachine")
        self.secrets = kinds.resource("Secret")
        self.servers = {}  # (kind, namespace, name) -> GuestApiServer
        self.controller = Controller("guest-apis", self._reconcile)
        registry.store.add_listener(self._on_event)

    def start(self):
        self.controller.start()
        for kind, resource in self.types.items():
            for item in self.registry.list(resource)["items"]:
                self.controller.enqueue((kind, item["metadata"]["namespace"], item["metadata"]["name"]))

    def stop(self):
        self.controller.stop()
        for server in list(self.servers.values()):
            server.stop()
        self.servers.clear()

    def _on_event(self, event):
        for key in clusters_concerned(event, self.types, (self.vms, self.secrets)):
            self.controller.enqueue(key)

    def _reconcile(self, key):
        kind, namespace, name = key
        cluster = self.registry.get_or_none(self.types[kind], namespace, name)
        secret = self.registry.get_or_none(self.secrets, namespace, f"{name}-kubeconfig") if cluster else None
        server = self.servers.get(key)
        if cluster is None or is_deleting(cluster) or secret is None:
            if server is not None:
                self.servers.pop(key).stop()
            return None
        access = Kubeconfig.of(secret)
        vms = [vm for vm in self.registry.list(self.vms, namespace)["items"]
               if any(o.get("uid") == cluster["metadata"]["uid"] for o in vm["metadata"].get("ownerReferences") or [])]
        versions = self._kubernetes_versions()
        release = _control_plane_version(vms, versions)
        if release is None:
            return None  # no control plane node is up yet
        if server is not None and (server.access != access or server.git_version != release):
            self.servers.pop(key).stop()  # a new endpoint or admin, or an upgraded control plane
            server = None
        if server is None:
            try:
                server = GuestApiServer(access, release, self.pki_dir, self.record)
            except OSError as error:
                log.warning("cannot serve guest cluster %s/%s at %s:%d: %s", namespace, name, access.host, access.port, error)
                return RETRY_BIND
            server.start()
            self.servers[key] = server
        server.sync_nodes(vms, versions, self._vm_classes(namespace))
        return None

    def _kubernetes_versions(self):
        """{TanzuKubernetesRelease name: its Kubernetes version (v1.26.13+vmware.1-fips.1)}."""
        return {tkr["metadata"]["name"]: tkr["spec"]["kubernetes"]["version"]
                for tkr in self.registry.list(kinds.resource("TanzuKubernetesRelease"))["items"]}

    def _vm_classes(self, namespace):
        return {c["metadata"]["name"]: c["spec"]["hardware"]
                for c in self.registry.list(kinds.resource("VirtualMachineClass"), namespace)["items"]}


def _control_plane_version(vms, versions):
    """The Kubernetes version the cluster's API answers: its newest Ready control plane node's; None before one."""
    control_plane = sorted((vm for vm in vms if CONTROL_PLANE_LABEL in labels(vm) and is_ready(vm) and not is_deleting(vm)),
                           key=lambda vm: vm["metadata"]["creationTimestamp"])
    return versions.get(labels(control_plane[-1]).get(RELEASE_LABEL)) if control_plane else None


class Kubeconfig:
    """What the API server needs of a cluster's kubeconfig: the endpoint it names and the admin's certificate."""

    def __init__(self, host, port, admin_certificate):
        self.host, self.port, self.admin_certificate = host, port, admin_certificate  # certificate: DER bytes

    @classmethod
    def of(cls, secret):
        config = yaml.safe_load(base64.b64decode(secret["data"]["value"]))
        server = config["clusters"][0]["cluster"]["server"]
        host, _, port = server.removeprefix("https://").rpartition(":")
        pem = base64.b64decode(config["users"][0]["user"]["client-certificate-data"]).decode()
        return cls(host, int(port), ssl.PEM_cert_to_DER_cert(pem))

    def __eq__(self, other):
        return isinstance(other, Kubeconfig) and (self.host, self.port, self.admin_certificate) == (
            other.host, other.port, other.admin_certificate)


class GuestApiServer:
    def __init__(self, access, git_version, pki_dir, record=None):
        self.access = access
        self.git_version = git_version
        version = version_info(git_version)
        self.store = ObjectStore(":memory:")
        self.registry = Registry(kinds.guest_cluster_scheme(int(version["minor"])), self.store, core_admission())
        namespaces = kinds.resource("Namespace")
        for name in NAMESPACES:
            ensure(self.registry, namespaces, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name},
                                               "status": {"phase": "Active"}}, KUBELET)
        endpoint = ApiEndpoint(self.registry, version, authenticate=self._authenticate, authorize=lambda caller, target: None,
                               record=record, api="guest")
        certificate, key = ensure_endpoint_certificate(access.host, pki_dir)
        try:
            self.server = KubernetesApiServer((access.host, access.port), certificate, key, endpoint,
                                              client_ca=str(ensure_pki(pki_dir).ca_cert))
        except OSError:
            self.store.close()
            raise
        self.nodes = kinds.resource("Node")

    def start(self):
        threading.Thread(target=self.server.serve_forever, name=f"guest-{self.access.host}", daemon=True).start()
        log.info("guest cluster API serving https://%s:%d (%s)", self.access.host, self.access.port, self.git_version)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.store.close()

    def _authenticate(self, handler):
        """The admin, known by the kubeconfig's client certificate (chained to the lab CA by the TLS handshake)."""
        if handler.connection.getpeercert(binary_form=True) != self.access.admin_certificate:
            return None
        return Caller("kubernetes-admin", (ADMIN_GROUP,), user_agent=handler.headers.get("User-Agent", ""))

    def sync_nodes(self, vms, versions, vm_classes):
        """Nodes as `vms` (the cluster's VirtualMachines) are; `versions`: {release name: Kubernetes version}."""
        wanted = {}
        for vm in vms:
            if is_deleting(vm) or not (vm.get("status") or {}).get("biosUUID"):
                continue  # not booted yet, or its Machine is being deleted: no kubelet registered
            node = self._node(vm, versions.get(labels(vm).get(RELEASE_LABEL), ""),
                              vm_classes.get(vm["spec"].get("className")) or {})
            wanted[node["metadata"]["name"]] = node
        for node in wanted.values():
            ensure(self.registry, self.nodes, node, KUBELET)
        for existing in self.registry.list(self.nodes)["items"]:
            if existing["metadata"]["name"] not in wanted:
                self.registry.delete(self.nodes, "", existing["metadata"]["name"], KUBELET)

    @staticmethod
    def _node(vm, kubelet, hardware):
        name, status = vm["metadata"]["name"], vm["status"]
        control_plane = CONTROL_PLANE_LABEL in labels(vm)
        node_labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
        if control_plane:
            node_labels[f"{ROLE}control-plane"] = ""
        if labels(vm).get(ZONE_LABEL):
            node_labels[ZONE_LABEL] = labels(vm)[ZONE_LABEL]
        address = (status.get("network") or {}).get("primaryIP4")
        return node_object(
            name, node_labels, ready=is_ready(vm), unschedulable=False,
            taints=[{"key": f"{ROLE}control-plane", "effect": "NoSchedule"}] if control_plane else [],
            kubelet=kubelet, cpus=int(hardware.get("cpus", 0)), memory_mib=quantity_mib(hardware.get("memory", "0")),
            os_image="VMware Photon OS/Linux", provider=f"vsphere://{status['biosUUID']}", system_uuid=status["biosUUID"],
            addresses=[("InternalIP", address), ("Hostname", name)] if address else [("Hostname", name)])

