"""What the Supervisor needs to know from vCenter: the narrow interface between
the lab's vCenter (Workload Management, vSphere Namespaces, SSO) and its
Supervisors, plus an in-memory implementation for tests.

A real Supervisor learns these things from vCenter's WCP service: which
clusters run a Supervisor and at which address, the vSphere Namespaces with
their permissions, limits, storage policies, VM classes and content
libraries, and whether a user's credentials are good. The lab's Supervisor
side reads them only through `Directory`, so it runs against the lab's
vCenter store (`vcenter_directory`) or against `InMemoryDirectory`.

Changes are noticed by polling `revision()`: any value that differs from the
last one seen means "read again". It must be cheap.
"""

import threading
from dataclasses import dataclass, field
from typing import Optional, Protocol

from ..vcenter.software import release

DEPLOYED_ON_ENABLE = release(None)  # what a Supervisor runs until it is upgraded

VIEW, EDIT, OWNER = "VIEW", "EDIT", "OWNER"
ROLE_RANK = {VIEW: 1, EDIT: 2, OWNER: 3}


RUNNING, REMOVING = "RUNNING", "REMOVING"


@dataclass(frozen=True)
class SupervisorInfo:
    """A Supervisor vCenter knows: its vSphere cluster, state and API endpoint (api_server_cluster_endpoint)."""

    id: str  # the cluster's managed object id, as vCenter names Supervisors in the 7.0 API ("domain-c8")
    cluster: str  # managed object id of the vSphere cluster
    host: str  # the API endpoint address (a loopback address of its own in the lab)
    port: int = 6443
    state: str = RUNNING  # config_status: CONFIGURING, RUNNING, ERROR or REMOVING
    zones: tuple = ()  # vCenter 8: ((zone name, cluster moid), ...) of the zones it runs on; () on vCenter 7
    kubernetes_version: str = DEPLOYED_ON_ENABLE.git_version  # the API server's gitVersion (the release it runs)

    @property
    def endpoint(self):
        return (self.host, self.port)

    def zone_cluster(self, zone):
        """The moid of `zone`'s cluster, or None when the Supervisor does not run on that zone."""
        return dict(self.zones).get(zone)


@dataclass(frozen=True)
class AccessEntry:
    """One entry of a namespace's access list (`access_list[]` of the vCenter API)."""

    subject_type: str  # USER or GROUP
    subject: str  # "devops", "Administrators"
    domain: str  # "vsphere.local"
    role: str  # VIEW, EDIT or OWNER

    @property
    def principal(self):
        return f"{self.subject}@{self.domain}".lower()


@dataclass(frozen=True)
class ResourceLimits:
    """Namespace limits as vCenter sets them; None is unlimited."""

    cpu_mhz: Optional[int] = None
    memory_mib: Optional[int] = None
    storage_mib: Optional[int] = None


@dataclass(frozen=True)
class StoragePolicy:
    """A storage policy assigned to a namespace, with its own limit (`storage_specs[]`)."""

    name: str  # the policy's name in vCenter, e.g. "vSAN Default Storage Policy"
    id: str = ""  # the policy's id, passed to the CSI driver
    limit_mib: Optional[int] = None

    @property
    def storage_class(self):
        """The StorageClass the Supervisor creates for the policy: lower case, spaces become dashes."""
        return "-".join(self.name.lower().split())


@dataclass(frozen=True)
class VmClass:
    """A VM class defined in vCenter (`/api/vcenter/namespace-management/virtual-machine-classes`)."""

    name: str
    cpus: int
    memory_mib: int
    cpu_reservation: int = 0  # percent of the vCPUs' MHz reserved (`cpu_reservation`); guaranteed classes: 100
    memory_reservation: int = 0  # percent of the memory reserved (`memory_reservation`)


@dataclass(frozen=True)
class NamespaceInfo:
    name: str
    supervisor_id: str
    access: tuple = ()  # AccessEntry
    limits: ResourceLimits = ResourceLimits()
    storage_policies: tuple = ()  # StoragePolicy
    vm_classes: tuple = ()  # names of VmClass bound to the namespace
    content_libraries: tuple = ()  # content library ids
    description: str = ""


@dataclass(frozen=True)
class Principal:
    """An authenticated vCenter SSO user and the groups it belongs to (all `name@domain`)."""

    username: str
    groups: tuple = ()


class Directory(Protocol):
    def revision(self):
        """A value that changes whenever anything else this interface returns changes."""

    def supervisors(self):
        """[SupervisorInfo] of every Supervisor vCenter knows (an API server runs for those RUNNING)."""

    def namespaces(self, supervisor_id):
        """[NamespaceInfo] of the vSphere Namespaces of one Supervisor."""

    def vm_classes(self):
        """{name: VmClass} of every VM class defined in vCenter."""

    def authenticate(self, username, password):
        """The Principal for good vCenter SSO credentials, else None."""


DEFAULT_VM_CLASSES = (
    VmClass("best-effort-xsmall", 2, 2048),
    VmClass("best-effort-small", 2, 4096),
    VmClass("best-effort-medium", 2, 8192),
    VmClass("best-effort-large", 4, 16384),
    VmClass("guaranteed-small", 2, 4096, 100, 100),
    VmClass("guaranteed-medium", 2, 8192, 100, 100),
)


@dataclass
class _User:
    password: str
    groups: tuple


@dataclass
class InMemoryDirectory:
    """A Directory whose contents tests set directly."""

    _supervisors: dict = field(default_factory=dict)
    _namespaces: dict = field(default_factory=dict)
    _vm_classes: dict = field(default_factory=lambda: {c.name: c for c in DEFAULT_VM_CLASSES})
    _users: dict = field(default_factory=dict)
    _revision: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def revision(self):
        return self._revision

    def supervisors(self):
        with self._lock:
            return list(self._supervisors.values())

    def namespaces(self, supervisor_id):
        with self._lock:
            return [ns for ns in self._namespaces.values() if ns.supervisor_id == supervisor_id]

    def vm_classes(self):
        with self._lock:
            return dict(self._vm_classes)

    def authenticate(self, username, password):
        with self._lock:
            user = self._users.get(username.lower())
        if user is None or user.password != password:
            return None
        return Principal(username.lower(), user.groups)

    # ---- what tests change --------------------------------------------------------------

    def add_user(self, username, password, groups=()):
        with self._lock:
            self._users[username.lower()] = _User(password, tuple(g.lower() for g in groups))
            self._revision += 1

    def put_supervisor(self, supervisor):
        with self._lock:
            self._supervisors[supervisor.id] = supervisor
            self._revision += 1

    def remove_supervisor(self, supervisor_id):
        with self._lock:
            self._supervisors.pop(supervisor_id, None)
            self._revision += 1

    def put_namespace(self, namespace):
        with self._lock:
            self._namespaces[namespace.name] = namespace
            self._revision += 1

    def remove_namespace(self, name):
        with self._lock:
            self._namespaces.pop(name, None)
            self._revision += 1
