# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The one mapping from a topology document to what each resource should be: desired specs, addresses and dependencies.

The roles, the ``platform`` module and the ``pacific`` command all plan from
this; nothing else turns topology keys into resource options. A spec has the
shape the per-object modules give their resources (every sub-option present,
None when unset), so a resource cannot tell which front end it serves.

Addresses name one object of a kind: ``zone.<name>`` (a vSphere Zone), ``vm_class.<name>``,
``supervisor_service.<id>`` (a Supervisor Service registered in vCenter), ``spherelet.<cluster>`` (the VIB on the hosts of a cluster), ``supervisor.<cluster>``
(a Supervisor on zones: its first zone's cluster), ``control_plane.<cluster>``,
``service.<cluster>/<id>`` (a Supervisor Service installed on a Supervisor),
``namespace.<cluster>/<name>`` and ``guest_cluster.<namespace>/<name>``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Optional

from ansible_collections.pacific.vsphere.plugins.module_utils.resources.control_plane_vms import ControlPlaneSpec
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.guest_cluster_spec import POOL_KEYS, GuestClusterSpec
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.host_vib import VibSpec
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.namespace import NamespaceSpec
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_service import ServiceSpec
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_spec import SupervisorSpec
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.vm_class import FIELDS as VM_CLASS_FIELDS
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.vm_class import VmClassSpec
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.zone import ZoneSpec

ZONE, VM_CLASS, SUPERVISOR_SERVICE, SPHERELET, SUPERVISOR = "zone", "vm_class", "supervisor_service", "spherelet", "supervisor"
CONTROL_PLANE, SERVICE, NAMESPACE, GUEST_CLUSTER = "control_plane", "service", "namespace", "guest_cluster"
# In the order the platform is built; destroyed in reverse.
KINDS = (ZONE, VM_CLASS, SUPERVISOR_SERVICE, SPHERELET, SUPERVISOR, CONTROL_PLANE, SERVICE, NAMESPACE, GUEST_CLUSTER)
PRESENT, ABSENT = "present", "absent"
# The Supervisor names its own control-plane VMs; the prefix names only the default rule of clusters without one.
SUPERVISOR_VM_PREFIX = "SupervisorControlPlaneVM"
# The sub-options of the module options that take dicts, so that specs carry every one of them as the modules do.
_SUB_OPTIONS = {
    "management_network": ("network", "mode", "starting_address", "address_count", "subnet_mask", "gateway", "floating_ip"),
    "workload_network": ("name", "portgroup", "address_ranges", "gateway", "subnet_mask", "dns_servers", "ntp_servers"),
    "load_balancer": ("type", "name", "address_ranges", "endpoint", "username", "password", "ca_certificate"),
    "storage_policies": ("control_plane", "ephemeral", "image"),
}
_CONTROL_PLANE_OPTIONS = ("replicas", "vm_class", "storage_class")
_ACCESS_OPTIONS = ("principal", "domain", "type", "role")


@dataclass(frozen=True)
class Desired:
    """One object the topology describes: its kind, address, the spec of its resource, and the addresses it needs first.

    ``scope`` holds what the resource needs beyond its spec (the cluster of
    a guest cluster's Supervisor), whether the entry is protected or adopts
    an existing object, and ``orphan`` for an object the topology's marks
    name but its file no longer does. ``path`` is the entry's key path in the
    document, for messages.
    """

    kind: str
    address: str
    spec: object
    depends_on: tuple = ()
    scope: dict = field(default_factory=dict)
    path: str = ""


def address(kind, *parts):
    """``kind.part`` or ``kind.part/part``: the address of one object."""
    return f"{kind}.{'/'.join(parts)}"


def desired_specs(topology, *, state=PRESENT, kinds=KINDS, secrets=None, force_delete=False):
    """Every object of ``kinds`` the validated ``topology`` describes, in build order.

    ``secrets`` maps a secret reference's key path
    (``supervisors[0].workload_management.load_balancer.password``) to its
    value; a missing one leaves the option unset. With ``state`` ABSENT the
    specs remove the objects: Spherelet only where ``remove_on_teardown``
    says so, namespaces that hold VMs only with ``force_delete``.
    """
    secrets = secrets or {}
    found = []
    zone_clusters = {zone["name"]: zone["cluster"] for zone in topology.get("zones", ())}
    for index, zone in enumerate(topology.get("zones", ())):
        spec = ZoneSpec(name=zone["name"], cluster=zone["cluster"], description=zone["description"], state="absent" if state == ABSENT else "present")
        found.append(Desired(ZONE, address(ZONE, zone["name"]), spec, scope={"protect": zone["protect"], "adopt": zone["adopt"]}, path=f"zones[{index}]"))
    defined_classes = set()
    for index, vm_class in enumerate(topology.get("vm_classes", ())):
        defined_classes.add(vm_class["name"])
        scope = {"protect": vm_class["protect"], "adopt": vm_class["adopt"]}
        found.append(Desired(VM_CLASS, address(VM_CLASS, vm_class["name"]), vm_class_spec(vm_class, state), scope=scope, path=f"vm_classes[{index}]"))
    registered = {}
    for index, service in enumerate(topology.get("supervisor_services", ())):
        registered[service["name"]] = tuple(service["definitions"])
        scope = {"protect": service["protect"], "adopt": service["adopt"]}
        spec = ServiceSpec(name=service["name"], definitions=registered[service["name"]], state="absent" if state == ABSENT else "present")
        found.append(Desired(SUPERVISOR_SERVICE, address(SUPERVISOR_SERVICE, service["name"]), spec, scope=scope, path=f"supervisor_services[{index}]"))
    for index, supervisor in enumerate(topology["supervisors"]):
        path = f"supervisors[{index}]"
        cluster = supervisor["cluster"]
        zones = supervisor.get("zones") or []
        # On three zones, Spherelet goes on the hosts of each zone's cluster; vCenter keeps the control plane apart itself.
        clusters = [zone_clusters[name] for name in zones] or [cluster]
        spherelet = supervisor.get("spherelet")
        has_spherelet = spherelet is not None and (state == PRESENT or spherelet["remove_on_teardown"])
        for each in clusters if has_spherelet else ():
            vib = spherelet_spec(spherelet, state)
            scope = {"cluster": each, "supervisor": address(SUPERVISOR, cluster)}  # whose ownership it follows
            found.append(Desired(SPHERELET, address(SPHERELET, each), vib, scope=scope, path=f"{path}.spherelet"))
        parents = tuple(address(SPHERELET, each) for each in clusters) if spherelet is not None else ()
        parents += tuple(address(ZONE, name) for name in zones)
        found.append(
            Desired(
                SUPERVISOR,
                address(SUPERVISOR, cluster),
                supervisor_spec(supervisor, state, secrets.get(f"{path}.workload_management.load_balancer.password")),
                parents,
                scope={"protect": supervisor["protect"], "adopt": supervisor["adopt"]},
                path=path,
            )
        )
        if len(clusters) == 1:
            control_plane = control_plane_spec(supervisor, state)
            found.append(Desired(CONTROL_PLANE, address(CONTROL_PLANE, cluster), control_plane, (address(SUPERVISOR, cluster),), path=f"{path}.control_plane"))
        for sv_index, service in enumerate(supervisor.get("services", ())):
            sv_path = f"{path}.services[{sv_index}]"
            # Installed once the Supervisor runs and after its registration (when the plan has one: a parent it lacks makes no edge).
            parents = (address(SUPERVISOR, cluster), address(SUPERVISOR_SERVICE, service["name"]))
            found.append(
                Desired(
                    SERVICE,
                    address(SERVICE, cluster, service["name"]),
                    service_spec(cluster, service, state, registered.get(service["name"], ()), secrets, sv_path),
                    parents,
                    scope={"supervisor": address(SUPERVISOR, cluster)},  # whose ownership it follows
                    path=sv_path,
                )
            )
        for ns_index, namespace in enumerate(supervisor["namespaces"]):
            ns_path = f"{path}.namespaces[{ns_index}]"
            ns_address = address(NAMESPACE, cluster, namespace["name"])
            # The classes of the document it binds are made before it, and deleted after it.
            classes = tuple(address(VM_CLASS, name) for name in namespace.get("vm_classes") or () if name in defined_classes)
            found.append(
                Desired(
                    NAMESPACE,
                    ns_address,
                    namespace_spec(cluster, namespace, state, force_delete),
                    (address(SUPERVISOR, cluster), *classes),
                    scope={"guest_clusters": len(namespace["guest_clusters"]), "protect": namespace["protect"], "adopt": namespace["adopt"]},
                    path=ns_path,
                )
            )
            for gc_index, guest_cluster in enumerate(namespace["guest_clusters"]):
                found.append(
                    Desired(
                        GUEST_CLUSTER,
                        address(GUEST_CLUSTER, namespace["name"], guest_cluster["name"]),
                        guest_cluster_spec(namespace["name"], guest_cluster, state),
                        (ns_address,),
                        scope={"supervisor_cluster": cluster, "protect": guest_cluster["protect"], "adopt": guest_cluster["adopt"]},
                        path=f"{ns_path}.guest_clusters[{gc_index}]",
                    )
                )
    wanted = set(kinds)
    return [desired for desired in found if desired.kind in wanted]


def vm_class_spec(vm_class, state=PRESENT):
    """A topology VM class in the words of the vm_class module; removing it is refused while something outside the plan uses it."""
    if state == ABSENT:
        return VmClassSpec(name=vm_class["name"], state="absent")
    fields = {key: vm_class.get(key) for key in VM_CLASS_FIELDS if key != "vgpu_profiles"}
    return VmClassSpec(name=vm_class["name"], vgpu_profiles=tuple(vm_class.get("vgpu_profiles") or ()), **fields)


def service_spec(cluster, service, state=PRESENT, definitions=(), secrets=None, path=""):
    """A Supervisor's service in the words of the supervisor_service module: its values with the secrets of ``secret_values`` resolved.

    ``definitions`` are the document's of the service (its versions before
    vCenter has them); ``secrets`` maps ``<path>.secret_values.<key>`` to its
    value, and a secret not resolved leaves its key out.
    """
    if state == ABSENT:
        return ServiceSpec(name=service["name"], cluster=cluster, state="absent", wait_timeout=service["wait_timeout"])
    values = copy.deepcopy(service.get("values"))
    found = {key: (secrets or {}).get(f"{path}.secret_values.{key}") for key in service.get("secret_values") or ()}
    if found:
        values = {**(values or {}), **{key: value for key, value in found.items() if value is not None}}
    return ServiceSpec(name=service["name"], definitions=tuple(definitions), cluster=cluster, version=service["version"], values=values,
                       wait_timeout=service["wait_timeout"])


def spherelet_spec(spherelet, state=PRESENT):
    urls = spherelet["url"] if isinstance(spherelet["url"], list) else [spherelet["url"]]
    return VibSpec(
        name="spherelet",
        state=state,
        version=spherelet.get("version"),
        urls=tuple(urls) if state == PRESENT else (),
        maintenance_mode=spherelet["maintenance_mode"],
        max_parallel=spherelet["max_parallel"],
    )


def supervisor_spec(supervisor, state=PRESENT, load_balancer_password=None):
    """The Workload Management settings of a topology Supervisor in the words of the workload_management module."""
    settings = supervisor["workload_management"]
    if state == ABSENT:
        return SupervisorSpec(cluster=supervisor["cluster"], state="disabled", wait=True, wait_timeout=settings["wait_timeout"])
    options = {}
    for option in ("service_cidr", "dns_servers", "dns_search_domains", "ntp_servers", "content_library"):
        options[option] = copy.deepcopy(settings.get(option))
    for option, keys in _SUB_OPTIONS.items():
        options[option] = _with_every(settings.get(option), keys)
    if options["load_balancer"] is not None:
        options["load_balancer"]["password"] = load_balancer_password
    # The engine plans a change vCenter makes only by disabling and enabling again as a replacement;
    # front ends decide whether to carry it out (pacific asks; the platform module needs allow_replace).
    return SupervisorSpec(
        cluster=supervisor["cluster"],
        allow_reenable=True,
        size=supervisor["control_plane"].get("size"),
        wait=True,
        wait_timeout=settings.get("wait_timeout", 1800),
        zones=copy.deepcopy(supervisor.get("zones")),
        kubernetes_version=settings.get("kubernetes_version"),
        **options,
    )


def control_plane_spec(supervisor, state=PRESENT):
    control_plane = supervisor["control_plane"]
    return ControlPlaneSpec(
        cluster=supervisor["cluster"],
        name_prefix=SUPERVISOR_VM_PREFIX,
        count=control_plane["count"],
        rule_name=control_plane["rule_name"],
        mandatory=control_plane["mandatory"],
        state=state,
    )


def namespace_spec(cluster, namespace, state=PRESENT, force_delete=False):
    if state == ABSENT:
        return NamespaceSpec(name=namespace["name"], state="absent", force=force_delete)
    policies = namespace.get("storage_policies")
    access = namespace.get("access")
    return NamespaceSpec(
        name=namespace["name"],
        cluster=cluster,
        description=namespace.get("description"),
        cpu_limit=namespace.get("cpu_limit"),
        memory_limit=namespace.get("memory_limit"),
        storage_limit=namespace.get("storage_limit"),
        storage_policies=None if policies is None else [_with_every(policy, ("name", "limit")) for policy in policies],
        access=None if access is None else [_with_every(entry, _ACCESS_OPTIONS) for entry in access],
        vm_classes=copy.deepcopy(namespace.get("vm_classes")),
        content_libraries=copy.deepcopy(namespace.get("content_libraries")),
    )


def guest_cluster_spec(namespace, guest_cluster, state=PRESENT):
    if state == ABSENT:
        return GuestClusterSpec(
            name=guest_cluster["name"], namespace=namespace, api=guest_cluster["api"], state="absent", wait_timeout=guest_cluster["wait_timeout"]
        )
    return GuestClusterSpec(
        name=guest_cluster["name"],
        namespace=namespace,
        api=guest_cluster["api"],
        kubernetes_version=guest_cluster["kubernetes_version"],
        control_plane=_with_every(guest_cluster["control_plane"], _CONTROL_PLANE_OPTIONS),
        node_pools=[_with_every(pool, POOL_KEYS) for pool in guest_cluster["node_pools"]],
        pods_cidr=guest_cluster.get("pods_cidr"),
        services_cidr=guest_cluster.get("services_cidr"),
        service_domain=guest_cluster.get("service_domain"),
        storage_classes=copy.deepcopy(guest_cluster.get("storage_classes")),
        wait=True,
        wait_timeout=guest_cluster["wait_timeout"],
    )


def _with_every(value: Optional[dict], keys):
    """A copy of ``value`` with every one of ``keys``, None where unset (as Ansible fills sub-options); None stays None."""
    if value is None:
        return None
    return {key: copy.deepcopy(value.get(key)) for key in keys}
