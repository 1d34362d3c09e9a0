# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""vSphere Namespaces, through the vCenter REST API (``/api/vcenter/namespaces/instances``).

A namespace is seen as the user writes it: its cluster, storage policies and
content libraries by name, limits in MHz and MiB, access entries as
``principal`` / ``domain`` / ``type`` / ``role``. Each field the user set is
compared on its own; fields left unset are neither compared nor changed.
Changes go out as one PATCH (Instances.UpdateSpec) carrying only the fields
that differ, and one call per access entry on the access sub-resource
(``.../{namespace}/access/{domain}/{subject}?type=``), so entries granted
meanwhile by others are not replaced wholesale.

Reads: one GET of the namespace; names are resolved with one list call per
kind (clusters, storage policies, VM classes), only for the kinds in play.
Content libraries are the exception: their API lists ids only, so naming
them costs one GET per library of the vCenter.

Deleting a namespace deletes everything in it. Whether it still holds guest
clusters is read where vCenter shows them: every guest-cluster node is a VM
in the namespace's resource pool (as are VM Service VMs and vSphere Pods),
so a namespace whose pool holds VMs is not deleted without ``force``. That
takes one vim25 PropertyCollector retrieval and works without the
Supervisor's Kubernetes API.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Optional
from urllib.parse import quote

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import (
    InvalidArgumentError,
    NotFoundError,
    PacificError,
    ResourceBusyError,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import CREATE, DELETE, UPDATE, changed_fields, plan_item
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.catalog import CLUSTER, CONTENT_LIBRARY, STORAGE_POLICY, Catalog
from ansible_collections.pacific.vsphere.plugins.module_utils.units import mebibytes, megahertz

INSTANCES = "/api/vcenter/namespaces/instances"
SUPERVISORS = "/api/vcenter/namespace-management/clusters"
STATES = ("present", "absent")
SUBJECT_TYPES = ("USER", "GROUP")
ROLES = ("VIEW", "EDIT", "OWNER")
# Option -> ResourceQuotaOptionsV1 field, and the parser of its unit.
LIMITS = {
    "cpu_limit": ("cpu_limit", megahertz),
    "memory_limit": ("memory_limit", mebibytes),
    "storage_limit": ("storage_request_limit", mebibytes),
}
# Fields the desired value replaces whole; storage policies keep limits left unset, access may only add.
WHOLE_FIELDS = ("description", *LIMITS, "vm_classes", "content_libraries")
# The fields compared as a whole; access is compared entry by entry.
COMPARED_FIELDS = (*WHOLE_FIELDS, "storage_policies")
# VMs named in a refusal to delete; the count says how many more there are.
VMS_SHOWN = 5
MAX_PARALLEL_READS = 8
# What plan() takes for a namespace it has to read itself.
UNREAD = object()
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def dns_label_problem(name):
    """Why ``name`` cannot name a namespace (a Kubernetes namespace: an RFC 1123 DNS label), or None."""
    if not isinstance(name, str) or not DNS_LABEL.match(name) or len(name) > 63:
        return f"'{name}' is not a DNS label: use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit (team-a)"
    return None


@dataclass(frozen=True)
class NamespaceSpec:
    """The desired state, in the words of the module options (so that messages can name them).

    ``None`` means "not set": the field is left as it is. Limits take
    quantities (``64Gi``, ``4000``, ``unlimited``); ``storage_policies`` are
    ``{"name", "limit"}`` and ``access`` entries ``{"principal", "domain",
    "type", "role"}``.
    """

    name: str
    cluster: Optional[str] = None
    description: Optional[str] = None
    cpu_limit: object = None
    memory_limit: object = None
    storage_limit: object = None
    storage_policies: Optional[list] = None
    access: Optional[list] = None
    vm_classes: Optional[list] = None
    content_libraries: Optional[list] = None
    purge_access: bool = True
    force: bool = False
    state: str = "present"

    def desired(self):
        """The fields set, normalised (MHz, MiB, None for unlimited, sorted lists).

        Raises InvalidArgumentError naming the option, its value and what is
        allowed, before any call to vCenter.
        """
        problem = dns_label_problem(self.name)
        if problem:
            raise InvalidArgumentError(f"name {problem}")
        if self.state not in STATES:
            raise InvalidArgumentError(f"state '{self.state}' is not one of {', '.join(STATES)}")
        desired = {}
        if self.description is not None:
            desired["description"] = self.description
        for option, (_field, parse) in LIMITS.items():
            value = getattr(self, option)
            if value is not None:
                desired[option] = parse(value, option)
        if self.storage_policies is not None:
            desired["storage_policies"] = _storage_policies(self.storage_policies)
        if self.access is not None:
            desired["access"] = _access_entries(self.access)
        if self.vm_classes is not None:
            desired["vm_classes"] = sorted(set(self.vm_classes))
        if self.content_libraries is not None:
            desired["content_libraries"] = sorted(set(self.content_libraries))
        return desired


def _storage_policies(policies):
    seen = set()
    result = []
    for index, policy in enumerate(policies):
        name = policy.get("name")
        if not name:
            raise InvalidArgumentError(f"storage_policies[{index}] has no name: give the name of a storage policy")
        if name in seen:
            raise InvalidArgumentError(f"storage_policies names '{name}' twice: give each policy once")
        seen.add(name)
        entry = {"name": name}
        # A limit left out is not compared: the policy keeps the limit it has.
        if policy.get("limit") is not None:
            entry["limit"] = mebibytes(policy["limit"], f"storage_policies[{index}].limit")
        result.append(entry)
    return sorted(result, key=lambda entry: entry["name"])


def _access_entries(entries):
    result = {}
    for index, entry in enumerate(entries):
        principal, domain = entry.get("principal"), entry.get("domain")
        subject_type, role = entry.get("type") or "USER", entry.get("role")
        if not principal or not domain:
            raise InvalidArgumentError(f"access[{index}] needs a principal and its domain (principal: alice, domain: vsphere.local)")
        if subject_type not in SUBJECT_TYPES:
            raise InvalidArgumentError(f"access[{index}].type '{subject_type}' is not one of {', '.join(SUBJECT_TYPES)}")
        if role not in ROLES:
            raise InvalidArgumentError(f"access[{index}].role '{role}' is not one of {', '.join(ROLES)}")
        normalised = {"principal": principal, "domain": domain, "type": subject_type, "role": role}
        key = access_key(normalised)
        if key in result:
            raise InvalidArgumentError(f"access names {_principal(normalised)} twice: give each principal once, with one role")
        result[key] = normalised
    return sorted(result.values(), key=access_key)


def access_key(entry):
    """What identifies an access entry; SSO and Active Directory names are case-insensitive."""
    return entry["type"], entry["domain"].casefold(), entry["principal"].casefold()


def _principal(entry):
    return f"{entry['type']} {entry['domain']}\\{entry['principal']}"


@dataclass(frozen=True)
class NamespacePlan:
    """The plan item of one namespace, the moid of its cluster (to create it), and the namespace as read (None when new)."""

    item: object
    cluster_moid: Optional[str]
    live: Optional[dict]

    @property
    def changed(self):
        return self.item.changed

    def predicted(self):
        """The namespace as a real run would leave it; status and stats of a new one are not known yet."""
        if self.item.after is None:
            return None
        live = self.live or {"config_status": None, "messages": [], "stats": None}
        return {**self.item.after, "name": _name_of(self.item), **{key: live[key] for key in ("config_status", "messages", "stats")}}


def _name_of(item):
    return item.address.split("/", 1)[1]


class Namespaces:
    """vSphere Namespaces through a REST client (``clients.rest.RestClient`` or a fake of it).

    ``namespace_vms(cluster_moid, name)`` returns the names of the VMs in a
    namespace (see ``namespace_vms()``); it is needed to delete without force.
    """

    def __init__(self, rest, *, namespace_vms: Optional[Callable] = None, max_parallel_reads=MAX_PARALLEL_READS, catalog=None):
        self._rest = rest
        # Messages name the vCenter; the lists are those of ``catalog`` when one is shared.
        self._catalog = Catalog(rest, where=f" on vCenter {rest.connection.endpoint}", sharing=catalog)
        self._namespace_vms = namespace_vms
        self._max_parallel_reads = max_parallel_reads

    # -- read ---------------------------------------------------------------

    def read(self, name):
        """The namespace ``name`` as the modules return it, or None when there is none."""
        info = self._info(name)
        return None if info is None else self._describe(name, info)

    def read_all(self, cluster=None, name=None):
        """The namespaces, sorted by name: all, those of ``cluster`` (a name), or the one called ``name``.

        One GET for ``name``; otherwise one list, then one GET per namespace,
        in parallel, since only the GET carries limits and access.
        """
        moid = None if cluster is None else self._catalog.id_of(CLUSTER, cluster, "cluster")
        if name is not None:
            names = [name]
        else:
            summaries = self._rest.get(INSTANCES, what="list the namespaces")
            names = sorted(summary["namespace"] for summary in summaries if moid is None or summary["cluster"] == moid)
        if not names:
            return []
        with ThreadPoolExecutor(max_workers=min(self._max_parallel_reads, len(names))) as pool:
            infos = list(pool.map(self._info, names))
        # None: no such namespace, or deleted between the list and its GET.
        return [self._describe(name, info) for name, info in zip(names, infos) if info is not None and (moid is None or info["cluster"] == moid)]

    def read_infos(self, names):
        """``{name: Instances.Info or None}`` for the namespaces named: one list, then one GET per namespace that exists, in parallel."""
        listed = {summary["namespace"] for summary in self._rest.get(INSTANCES, what="list the namespaces") or []}
        existing = [name for name in names if name in listed]
        infos = {}
        if existing:
            with ThreadPoolExecutor(max_workers=min(self._max_parallel_reads, len(existing))) as pool:
                infos = dict(zip(existing, pool.map(self._info, existing)))
        return {name: infos.get(name) for name in names}

    def _has_access(self, path, params):
        try:
            return self._rest.get(path, params=params, what="read an access entry") is not None
        except NotFoundError:
            return False

    def _info(self, name):
        try:
            return self._rest.get(_instance_path(name), what=f"read namespace '{name}'")
        except NotFoundError:
            return None

    def _describe(self, name, info):
        return {
            "name": name,
            **self._view(info),
            "config_status": info.get("config_status"),
            "messages": [_message(message) for message in info.get("messages") or ()],
            "stats": info.get("stats"),
        }

    def _view(self, info):
        """What the user can set, as the user writes it: the before / after of a plan."""
        quota = info.get("resource_spec") or {}
        vm_service = info.get("vm_service_spec") or {}
        storage_specs = info.get("storage_specs") or ()
        libraries = vm_service.get("content_libraries") or ()
        return {
            "cluster": self._catalog.name_of(CLUSTER, info["cluster"]),
            "description": info.get("description") or "",
            **{option: quota.get(field) for option, (field, _parse) in LIMITS.items()},
            "storage_policies": sorted(
                ({"name": self._catalog.name_of(STORAGE_POLICY, spec["policy"]), "limit": spec.get("limit")} for spec in storage_specs),
                key=lambda policy: policy["name"],
            ),
            "access": sorted((_access_view(entry) for entry in info.get("access_list") or ()), key=access_key),
            "vm_classes": sorted(vm_service.get("vm_classes") or ()),
            "content_libraries": sorted(self._catalog.name_of(CONTENT_LIBRARY, library) for library in libraries),
        }

    # -- plan ---------------------------------------------------------------

    def plan(self, spec, info=UNREAD):
        """The plan item that brings namespace ``spec.name`` to ``spec``; raises before any change on what cannot be done.

        ``info`` is the namespace as ``read_infos()`` found it, when it was read already.
        """
        desired = spec.desired()
        if info is UNREAD:
            info = self._info(spec.name)
        if info is not None and info.get("config_status") == "REMOVING":
            if spec.state == "present":
                raise ResourceBusyError(f"Namespace '{spec.name}' is being removed (config_status REMOVING): run again once it is gone to create it anew")
            # vCenter removes a namespace in the background: it is as good as gone.
            info = None
        address = f"namespace/{spec.name}"
        before = None if info is None else self._view(info)
        if spec.state == "absent":
            if before is not None and not spec.force:
                self._refuse_if_it_holds_vms(spec.name, info["cluster"], before["cluster"])
            return NamespacePlan(plan_item(address, before, None), cluster_moid=None, live=None)

        cluster_moid = self._cluster_moid(spec, info)
        after = self._after(spec, desired, before)
        reasons = []
        if before is not None:
            reasons = changed_fields(before, after, COMPARED_FIELDS) + access_reasons(before["access"], after["access"])
        item = plan_item(address, before, after, reasons)
        if item.action == CREATE:
            self._require_running_supervisor(spec.name, cluster_moid, spec.cluster)
        live = None if info is None else self._describe(spec.name, info)
        return NamespacePlan(item, cluster_moid, live)

    def _cluster_moid(self, spec, info):
        if info is None:
            if spec.cluster is None:
                raise InvalidArgumentError(f"cluster is required to create namespace '{spec.name}': give the name of a cluster with a running Supervisor")
            return self._catalog.id_of(CLUSTER, spec.cluster, "cluster")
        if spec.cluster is not None and self._catalog.id_of(CLUSTER, spec.cluster, "cluster") != info["cluster"]:
            raise InvalidArgumentError(
                f"cluster '{spec.cluster}': namespace '{spec.name}' exists on cluster '{self._catalog.name_of(CLUSTER, info['cluster'])}',"
                " and a namespace cannot move: delete it first, or give its cluster"
            )
        return info["cluster"]

    def _after(self, spec, desired, before):
        """``before`` (a new namespace's defaults) with the fields set in ``desired``; unknown names raise, all at once."""
        self._catalog.check_names(
            f"namespace '{spec.name}'",
            storage_policies=[policy["name"] for policy in desired.get("storage_policies", ())],
            vm_classes=desired.get("vm_classes", ()),
            content_libraries=desired.get("content_libraries", ()),
        )
        current = before or _new_view(spec.cluster)
        after = {**current, **{field: desired[field] for field in WHOLE_FIELDS if field in desired}}
        if "storage_policies" in desired:
            after["storage_policies"] = _policies_after(current["storage_policies"], desired["storage_policies"])
        if "access" in desired:
            after["access"] = _access_after(current["access"], desired["access"], spec.purge_access)
        return after

    def _require_running_supervisor(self, name, cluster_moid, cluster):
        what = f"create namespace '{name}' on cluster '{cluster}'"
        try:
            supervisor = self._rest.get(f"{SUPERVISORS}/{quote(cluster_moid, safe='')}", what=f"read Workload Management of cluster '{cluster}'")
        except NotFoundError as error:
            raise InvalidArgumentError(f"Cannot {what}: Workload Management is not enabled there; enable the Supervisor first") from error
        if supervisor.get("config_status") != "RUNNING":
            raise ResourceBusyError(
                f"Cannot {what}: its Supervisor is {supervisor.get('config_status')}, and namespaces need a RUNNING one; run again once it is"
            )

    def _refuse_if_it_holds_vms(self, name, cluster_moid, cluster):
        if self._namespace_vms is None:
            raise PacificError(f"Cannot tell whether namespace '{name}' holds guest clusters: no VM reader was given; delete with force to skip the check")
        vms = self._namespace_vms(cluster_moid, name)
        if vms:
            shown = ", ".join(vms[:VMS_SHOWN]) + (f" and {len(vms) - VMS_SHOWN} more" if len(vms) > VMS_SHOWN else "")
            raise PacificError(
                f"Namespace '{name}' on cluster '{cluster}' still holds {len(vms)} VM(s) ({shown}): deleting it deletes them,"
                " guest-cluster nodes among them. Delete its guest clusters first, or set force: true to delete it with everything in it"
            )

    # -- apply --------------------------------------------------------------

    def apply(self, plan):
        """Carry out the plan; return the namespace as read afterwards (None once deleted)."""
        item = plan.item
        name = _name_of(item)
        if item.action == CREATE:
            self._rest.post(
                INSTANCES,
                json=self._create_spec(name, plan.cluster_moid, item.after),
                what=f"create namespace '{name}' on cluster '{item.after['cluster']}'",
                read_back=lambda: self._info(name) is not None,
            )
        elif item.action == UPDATE:
            update = self._update_spec(item.before, item.after)
            if update:
                self._rest.patch(_instance_path(name), json=update, what=f"update namespace '{name}'")
            for verb, entry in access_changes(item.before["access"], item.after["access"]):
                self._change_access(name, verb, entry)
        elif item.action == DELETE:
            self._rest.delete(_instance_path(name), what=f"delete namespace '{name}'")
            return None
        return self.read(name)

    def _create_spec(self, name, cluster_moid, after):
        spec = {"cluster": cluster_moid, "namespace": name}
        if after["description"]:
            spec["description"] = after["description"]
        quota = {field: after[option] for option, (field, _parse) in LIMITS.items() if after[option] is not None}
        if quota:
            spec["resource_spec"] = quota
        if after["access"]:
            spec["access_list"] = [_access_api(entry) for entry in after["access"]]
        if after["storage_policies"]:
            spec["storage_specs"] = self._storage_specs(after["storage_policies"])
        if after["vm_classes"] or after["content_libraries"]:
            spec["vm_service_spec"] = self._vm_service_spec(after)
        return spec

    def _update_spec(self, before, after):
        """Instances.UpdateSpec with the fields that differ; resource_spec is ResourceQuotaOptionsV1Update."""
        update = {}
        if before["description"] != after["description"]:
            update["description"] = after["description"]
        quota = {}
        for option, (field, _parse) in LIMITS.items():
            if before[option] != after[option]:
                if after[option] is None:
                    quota[f"{field}_unset"] = True
                else:
                    quota[field] = after[option]
        if quota:
            update["resource_spec"] = quota
        if before["storage_policies"] != after["storage_policies"]:
            # The list replaces the namespace's: it is sent whole.
            update["storage_specs"] = self._storage_specs(after["storage_policies"])
        if (before["vm_classes"], before["content_libraries"]) != (after["vm_classes"], after["content_libraries"]):
            # VMServiceSpec is replaced whole: both lists go, the unchanged one as it is.
            update["vm_service_spec"] = self._vm_service_spec(after)
        return update

    def _storage_specs(self, policies):
        specs = []
        for policy in policies:
            spec = {"policy": self._catalog.known_id(STORAGE_POLICY, policy["name"])}
            if policy["limit"] is not None:
                spec["limit"] = policy["limit"]
            specs.append(spec)
        return specs

    def _vm_service_spec(self, after):
        return {"vm_classes": after["vm_classes"], "content_libraries": [self._catalog.known_id(CONTENT_LIBRARY, name) for name in after["content_libraries"]]}

    def _change_access(self, name, verb, entry):
        path = f"{_instance_path(name)}/access/{quote(entry['domain'], safe='')}/{quote(entry['principal'], safe='')}"
        params = {"type": entry["type"]}
        who = _principal(entry)
        if verb == "grant":
            self._rest.post(
                path,
                params=params,
                json={"role": entry["role"]},
                what=f"grant {who} the {entry['role']} role on namespace '{name}'",
                read_back=lambda: self._has_access(path, params),
            )
        elif verb == "change":
            self._rest.put(path, params=params, json={"role": entry["role"]}, what=f"give {who} the {entry['role']} role on namespace '{name}'")
        else:
            self._rest.delete(path, params=params, what=f"revoke the access of {who} to namespace '{name}'")


def _new_view(cluster):
    """A namespace as vCenter creates it when only its cluster is given."""
    return {
        "cluster": cluster,
        "description": "",
        **dict.fromkeys(LIMITS),
        "storage_policies": [],
        "access": [],
        "vm_classes": [],
        "content_libraries": [],
    }


def _policies_after(current, desired):
    """``desired``, each policy without a limit keeping the one it has now."""
    current_limits = {policy["name"]: policy["limit"] for policy in current}
    return [{"name": policy["name"], "limit": policy["limit"] if "limit" in policy else current_limits.get(policy["name"])} for policy in desired]


def _access_after(current, desired, purge):
    """``desired`` alone when purging, else added to ``current``; entries that stay keep their live spelling."""
    live = {access_key(entry): entry for entry in current}
    result = {} if purge else dict(live)
    for entry in desired:
        key = access_key(entry)
        result[key] = {**live[key], "role": entry["role"]} if key in live else entry
    return sorted(result.values(), key=access_key)


def access_changes(before, after):
    """``[(verb, entry)]``, verb ``grant`` / ``change`` / ``revoke``, that turn access list ``before`` into ``after``."""
    old = {access_key(entry): entry for entry in before}
    new = {access_key(entry): entry for entry in after}
    changes = [("grant", entry) for key, entry in new.items() if key not in old]
    changes += [("change", entry) for key, entry in new.items() if key in old and old[key]["role"] != entry["role"]]
    changes += [("revoke", entry) for key, entry in old.items() if key not in new]
    return changes


def access_reasons(before, after):
    old_roles = {access_key(entry): entry["role"] for entry in before}
    reasons = {
        "grant": lambda entry: f"access: grant {_principal(entry)} {entry['role']}",
        "change": lambda entry: f"access: {_principal(entry)} {old_roles[access_key(entry)]} -> {entry['role']}",
        "revoke": lambda entry: f"access: revoke {_principal(entry)}",
    }
    return [reasons[verb](entry) for verb, entry in access_changes(before, after)]


def _access_view(entry):
    return {"principal": entry["subject"], "domain": entry["domain"], "type": entry["subject_type"], "role": entry["role"]}


def _access_api(entry):
    return {"subject": entry["principal"], "domain": entry["domain"], "subject_type": entry["type"], "role": entry["role"]}


def _message(message):
    details = message.get("details") or {}
    return {"severity": message.get("severity"), "message": details.get("default_message") or details.get("id")}


def _instance_path(name):
    return f"{INSTANCES}/{quote(name, safe='')}"


def namespace_vms(vim, cluster_moid, namespace):
    """Names of the VMs in the resource pool of ``namespace`` and the pools below it, through a vim client.

    vCenter makes that pool, named after the namespace, a child of the
    cluster's root pool; guest-cluster nodes, VM Service VMs and vSphere Pods
    run in it. One PropertyCollector retrieval.
    """
    found = vim.retrieve_many({"ResourcePool": ("owner", "parent", "resourcePool", "vm"), "VirtualMachine": ()})
    pools = {pool["moid"]: pool for pool in found["ResourcePool"] if pool["owner"] == cluster_moid}
    root = next((moid for moid, pool in pools.items() if pool["parent"] == cluster_moid), None)
    pending = [moid for moid, pool in pools.items() if root is not None and pool["parent"] == root and pool["name"] == namespace]
    vm_moids = []
    while pending:
        pool = pools[pending.pop()]
        vm_moids.extend(pool["vm"] or ())
        pending.extend(child for child in pool["resourcePool"] or () if child in pools)
    names = {vm["moid"]: vm["name"] for vm in found["VirtualMachine"]}
    return sorted(names.get(moid, moid) for moid in vm_moids)
