"""Supervisors as the lab runs them: one API server per RUNNING Supervisor.

`SupervisorService` is one Supervisor: its object store
(`<state dir>/supervisor-<id>.sqlite`), its Kubernetes API over HTTPS at the
endpoint vCenter reports (certificate from the lab CA), login, access
control, and its controllers (garbage collector, namespace lifecycle, VM
Operator, guest clusters, its nodes), and the API server of each of its guest
clusters (guest_apis.py) at the load balancer's virtual server for it.

`SupervisorFleet` follows the Directory, polling `Directory.revision()`: it
serves each RUNNING Supervisor; one that is being reconfigured (CONFIGURING,
ERROR) is not served but keeps its state; one that is REMOVING or gone from
vCenter loses its state and its guest VMs, as disabling Workload Management
deletes everything in it. Namespaces are kept in step on every change.
"""

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from ..config import GUEST_CLUSTER_ENDPOINTS
from ..pki import ensure_endpoint_certificate
from .access import NamespaceAccess
from .admission import supervisor_admission
from .apimachinery.garbage import GarbageCollector
from .apimachinery.httpapi import ApiEndpoint, KubernetesApiServer, version_info
from .apimachinery.namespaces import NamespaceController
from .apimachinery.registry import BOOKMARK_SECONDS, Registry
from .apimachinery.store import DEFAULT_HISTORY_SECONDS, ObjectStore
from .directory import REMOVING, RUNNING
from .guest_apis import GuestClusterApis
from .guestclusters import GuestClusterController
from .kinds import resource, supervisor_scheme
from .mirror import NamespaceMirror
from .resource_quota import QuotaStatusController
from .sessions import SESSION_LIFETIME, SessionKeys, Sessions
from .supervisor_nodes import NODE_STATUS_SECONDS, SupervisorNodes
from .virtual_servers import VirtualServers
from .virtualmachines import VirtualMachineController

log = logging.getLogger("pacific_lab.supervisor")

POLL_INTERVAL = 0.25
RETRY_START = 5.0  # seconds before serving a Supervisor that could not be served is tried again
# vSphere serves a Supervisor's login service (/wcp/login, `kubectl vsphere login`) on 443, its Kubernetes API on 6443.
LOGIN_PORT = 443
# Seconds between syncs without a change in vCenter: what a sync could not do then
# (a namespace re-created while its old self was still terminating) gets done.
RESYNC_PERIOD = 5.0


@dataclass(frozen=True)
class WatchSettings:
    """The API server's watch knobs, each a callable answering its current value (the lab's settings)."""

    history_seconds: Callable[[], float] = lambda: DEFAULT_HISTORY_SECONDS
    bookmark_seconds: Callable[[], float] = lambda: BOOKMARK_SECONDS


class SupervisorService:
    def __init__(self, info, *, directory, state_dir, pki_dir, machines, time_scale, session_keys,
                 virtual_servers, record=None, fault=None, session_lifetime=SESSION_LIFETIME, watch=WatchSettings(),
                 node_status_seconds=NODE_STATUS_SECONDS, login_port=None):
        self.info = info
        self.virtual_servers = virtual_servers
        self._all_machines = machines
        self.machines = machines.for_service()  # closed by stop(): see machines.py
        self.state_file = state_dir / f"supervisor-{info.id}.sqlite"
        state_dir.mkdir(parents=True, exist_ok=True)
        self.store = ObjectStore(self.state_file, history_seconds=watch.history_seconds)
        version = version_info(info.kubernetes_version)
        self.registry = Registry(supervisor_scheme(int(version["minor"])), self.store, supervisor_admission())
        self.mirror = NamespaceMirror(self.registry, directory, info)
        self.sessions = Sessions(session_keys, directory, audience=info.id, lifetime=session_lifetime)
        self.controllers = [
            GarbageCollector(self.registry),
            NamespaceController(self.registry),
            QuotaStatusController(self.registry),
            VirtualMachineController(self.registry, self.machines, info, time_scale),
            GuestClusterController(self.registry, directory, info, time_scale, virtual_servers, pki_dir),
            SupervisorNodes(self.registry, self.machines, info, node_status_seconds),
            GuestClusterApis(self.registry, pki_dir, record),
        ]
        endpoint = ApiEndpoint(
            self.registry, version, authenticate=self.sessions.authenticate,
            authorize=NamespaceAccess(directory, info.id).authorize, record=record,
            extra_routes={"/wcp/login": ("login", self.sessions.login)}, fault=fault, bookmark_seconds=watch.bookmark_seconds)
        certificate, key = ensure_endpoint_certificate(info.host, pki_dir)
        self.login_server = None
        try:
            if login_port is not None:
                self.login_server = _login_server((info.host, login_port), certificate, key, dataclasses.replace(endpoint, kubernetes=False))
            if self.login_server is not None:
                endpoint.extra_routes = {}  # as on vSphere: the API port serves no login
            self.server = KubernetesApiServer((info.host, info.port), certificate, key, endpoint)
        except OSError:
            if self.login_server is not None:
                self.login_server.server_close()
            self.store.close()
            raise

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"https://{host}:{port}"

    @property
    def login_url(self):
        """Where /wcp/login is served: the login service on 443, else (no right to bind it) the API port."""
        if self.login_server is None:
            return self.url
        host, port = self.login_server.server_address[:2]
        return f"https://{host}:{port}" if port != 443 else f"https://{host}"

    def start(self):
        self.mirror.seed()
        self.mirror.sync()
        for controller in self.controllers:
            controller.start()
        for server, name in ((self.server, "supervisor"), (self.login_server, "supervisor-login")):
            if server is not None:
                threading.Thread(target=server.serve_forever, name=f"{name}-{self.info.id}", daemon=True).start()
        log.info("Supervisor %s serving %s", self.info.id, self.url)

    def sync(self):
        """vCenter changed: bring namespaces, quotas, classes and storage classes in step."""
        self.mirror.sync()

    def stop(self):
        for server in (self.login_server, self.server):
            if server is not None:
                server.shutdown()
                server.server_close()
        self.machines.close()  # before the controllers: one that outlives its stop changes nothing in vcsim
        for controller in self.controllers:
            controller.stop()
        self.store.close()

    def forget(self):
        """Stop and delete the state (a lab reset: vcsim is new, so no VM of this Supervisor is left)."""
        self.stop()
        self.state_file.unlink(missing_ok=True)

    def destroy(self):
        """The Supervisor is being removed from vCenter: its guest VMs and its state go."""
        vms = self.registry.list(resource("VirtualMachine"))["items"]
        self.forget()  # first: no controller of this Supervisor makes a VM while they go
        self.virtual_servers.release(f"{self.info.id}/")
        for vm in vms:
            self._all_machines.destroy(self.info.cluster, vm["metadata"]["namespace"], vm["metadata"]["name"])


def _login_server(address, certificate, key, endpoint):
    """The login service at `address`; None when the lab may not bind it (a port below 1024 needs root or
    CAP_NET_BIND_SERVICE), and the API port serves /wcp/login instead."""
    try:
        return KubernetesApiServer(address, certificate, key, endpoint)
    except PermissionError:
        log.warning("cannot bind %s:%d (needs root or CAP_NET_BIND_SERVICE): /wcp/login is served on the API port", *address)
        return None


class SupervisorFleet:
    def __init__(self, directory, *, state_dir, pki_dir, machines, time_scale, record=None, fault=None,
                 on_change=None, session_lifetime=SESSION_LIFETIME, watch=WatchSettings(),
                 node_status_seconds=NODE_STATUS_SECONDS, login_port=None, guest_cluster_endpoints=GUEST_CLUSTER_ENDPOINTS):
        self.directory = directory
        self.state_dir = state_dir
        state_dir.mkdir(parents=True, exist_ok=True)
        self.session_keys = SessionKeys(state_dir / "session.key")
        self.virtual_servers = VirtualServers(state_dir / "virtual-servers.json", guest_cluster_endpoints)
        self._service_options = dict(directory=directory, state_dir=state_dir, pki_dir=pki_dir, machines=machines,
                                     time_scale=time_scale, session_keys=self.session_keys,
                                     virtual_servers=self.virtual_servers, record=record,
                                     fault=fault, session_lifetime=session_lifetime, watch=watch,
                                     node_status_seconds=node_status_seconds, login_port=login_port)
        self._on_change = on_change  # callable(endpoints()) when the set of Supervisors changes
        self._services = {}
        self._failed = {}  # supervisor id -> monotonic time of the last failed start
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._seen = None
        self._poller = None

    def start(self):
        self.refresh()
        self._stop.clear()
        self._poller = threading.Thread(target=self._poll, name="supervisor-fleet", daemon=True)
        self._poller.start()

    def stop(self):
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=10)
        with self._lock:
            for service in self._services.values():
                service.stop()
            self._services.clear()

    def reset(self, reset_vcenter):
        """Back to the initial state: no Supervisor state, every session ended; then follow the directory again.

        `reset_vcenter()` gives vCenter its fresh vcsim once every service has
        stopped, and before any is started again: a Supervisor of the old
        vcsim would otherwise make its VMs again in the new one.
        """
        with self._lock:
            before = self.endpoints()
            for service in self._services.values():
                service.forget()
            self._services.clear()
            for leftover in self.state_dir.glob("supervisor-*.sqlite"):
                leftover.unlink()
            self.virtual_servers.clear()
            self.session_keys.rotate()
            reset_vcenter()
            self.refresh(before)

    def serves(self, supervisor_id):
        """Whether the Supervisor's API server is up. No lock: vCenter's REST answers ask, and a refresh may hold it long."""
        return supervisor_id in self._services

    def vms_of_class(self, class_id):
        """The moids of the VMs of VM class `class_id` on every Supervisor (vCenter's `vms` of the class). No lock, as `serves`."""
        return sorted(vm["status"]["uniqueID"] for service in list(self._services.values())
                      for vm in service.registry.list(resource("VirtualMachine"))["items"]
                      if vm["spec"].get("className") == class_id and (vm.get("status") or {}).get("uniqueID"))

    def service(self, supervisor_id):
        with self._lock:
            return self._services.get(supervisor_id)

    def endpoints(self):
        """What endpoints.json says about the Supervisors: id, cluster and API server URL of each."""
        with self._lock:
            return [{"id": s.info.id, "cluster": s.info.cluster, "server": s.url, "login": s.login_url}
                    for s in self._services.values()]

    def refresh(self, before=None):
        """Start, stop and sync services to match the directory now; `before`: the endpoints last published."""
        with self._lock:
            self._seen = self.directory.revision()
            known = {info.id: info for info in self.directory.supervisors()}
            before = self.endpoints() if before is None else before
            for supervisor_id, service in list(self._services.items()):
                info = known.get(supervisor_id)
                if info is not None and info.state == RUNNING and info.endpoint == service.info.endpoint \
                        and info.kubernetes_version == service.info.kubernetes_version:
                    continue
                del self._services[supervisor_id]
                if info is None or info.state == REMOVING:
                    service.destroy()
                else:
                    service.stop()  # reconfiguring, upgraded, or its endpoint moved: served again from the same state
            for supervisor_id, info in known.items():
                if info.state == RUNNING and supervisor_id not in self._services:
                    self._start(info)
            for service in self._services.values():
                service.sync()
            after = self.endpoints()
            if after != before and self._on_change is not None:
                self._on_change(after)  # under the lock: publications come out in order

    def _start(self, info):
        if time.monotonic() - self._failed.get(info.id, -RETRY_START) < RETRY_START:
            return
        try:
            service = SupervisorService(info, **self._service_options)
        except OSError:
            # Left out of _services: a later poll tries again.
            self._failed[info.id] = time.monotonic()
            log.exception("cannot serve the Supervisor %s at %s:%d", info.id, info.host, info.port)
            return
        self._failed.pop(info.id, None)
        service.start()
        self._services[info.id] = service

    def _poll(self):
        last_sync = time.monotonic()
        while not self._stop.wait(POLL_INTERVAL):
            try:
                with self._lock:
                    running = {info.id for info in self.directory.supervisors() if info.state == RUNNING}
                    missing = running - set(self._services)
                    changed = self.directory.revision() != self._seen
                if changed or missing or time.monotonic() - last_sync > RESYNC_PERIOD:
                    self.refresh()
                    last_sync = time.monotonic()
            except Exception:  # the poller must outlive a failed sync; the next change retries it
                log.exception("following vCenter's Supervisors failed")
