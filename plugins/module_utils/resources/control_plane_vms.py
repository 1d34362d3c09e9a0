# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""An odd-sized set of control-plane VMs on one cluster, kept on distinct hosts by a DRS anti-affinity rule.

The set is either the module's own (VMs named ``<prefix>-1`` … ``<prefix>-N``,
cloned from a template or created empty), or, on a cluster where Workload
Management runs the Supervisor, WCP's ``SupervisorControlPlaneVM (N)`` VMs.
Those are WCP's: they are adopted, never created, powered, moved or deleted;
only the anti-affinity rule over them is managed.

``read()`` is one PropertyCollector retrieval, whatever the size of the
cluster. ``plan()`` makes one plan item per VM and one for the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Optional

from ansible_collections.pacific.vsphere.plugins.module_utils.bounds import MAX_CLUSTER_HOSTS, MAX_VM_CPUS, MAX_VM_MEMORY_MB, first_problem, range_problem
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vim import plain, select
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, NotFoundError, PacificError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import CREATE, DELETE, changed_fields, plan_item

WCP_VM_NAME = re.compile(r"^SupervisorControlPlaneVM \((\d+)\)$")
OWNER_WCP = "workload_management"
OWNER_PACIFIC = "pacific.vsphere"
POWER_STATES = ("poweredOn", "poweredOff")
STATES = ("present", "absent")
# How many known names a "not found" message lists: a vCenter may hold thousands of VMs.
KNOWN_NAMES_SHOWN = 20
# The guest OS of the Supervisor's own control-plane VMs.
GUEST_ID = "vmwarePhoton64Guest"

CLUSTER_PROPERTIES = ("configurationEx.rule", "host", "parent", "resourcePool")
HOST_PROPERTIES = ("runtime.connectionState", "runtime.inMaintenanceMode")
VM_PROPERTIES = ("config.template", "runtime.host", "runtime.powerState")
# What reading control-plane sets retrieves: the clusters with their hosts and VMs, and what placing new VMs needs.
INVENTORY = {
    "ClusterComputeResource": CLUSTER_PROPERTIES,
    "HostSystem": HOST_PROPERTIES,
    "VirtualMachine": VM_PROPERTIES,
    "Datacenter": ("vmFolder",),
    "Folder": ("parent", "childType"),
    "ResourcePool": ("owner",),
    "Datastore": (),
}


@dataclass(frozen=True)
class ControlPlaneSpec:
    """The desired state, in the words of the module options (so that messages can name them)."""

    cluster: str
    name_prefix: str
    count: int = 3
    template: Optional[str] = None
    folder: Optional[str] = None
    resource_pool: Optional[str] = None
    datastore: Optional[str] = None
    num_cpus: int = 2
    memory_mb: int = 8192
    rule_name: Optional[str] = None
    mandatory: bool = True
    power_state: str = "poweredOn"
    state: str = "present"

    @property
    def effective_rule_name(self):
        return self.rule_name or f"{self.name_prefix}-anti-affinity"

    def vm_name(self, index):
        return f"{self.name_prefix}-{index}"

    def validate(self):
        """Raise InvalidArgumentError, naming the option and its value, on input no cluster could satisfy."""
        if not self.name_prefix or not self.name_prefix.strip():
            raise InvalidArgumentError("name_prefix must not be empty: the VMs are named <name_prefix>-1, <name_prefix>-2, ...")
        out_of_range = first_problem(
            range_problem("count", self.count, 1, MAX_CLUSTER_HOSTS, "an odd number of VMs, one per host"),
            range_problem("num_cpus", self.num_cpus, 1, MAX_VM_CPUS, "vCPUs per VM"),
            range_problem("memory_mb", self.memory_mb, 1, MAX_VM_MEMORY_MB, "MiB per VM"),
        )
        if out_of_range:
            raise InvalidArgumentError(out_of_range)
        if self.count % 2 == 0:
            raise InvalidArgumentError(f"count {self.count} is invalid: a control plane needs an odd number of VMs (1, 3, 5, ...) to keep a quorum")
        if self.power_state not in POWER_STATES:
            raise InvalidArgumentError(f"power_state '{self.power_state}' is not one of {', '.join(POWER_STATES)}")
        if self.state not in STATES:
            raise InvalidArgumentError(f"state '{self.state}' is not one of {', '.join(STATES)}")


@dataclass(frozen=True)
class ControlPlaneState:
    """The cluster as read: its hosts, the VMs of the set, the rule, and what creating VMs needs."""

    cluster: dict
    hosts: tuple
    owner: str
    vms: tuple
    rule: Optional[dict]
    placement: dict = field(default_factory=dict)

    @property
    def placement_ok(self):
        return _placement_ok(self.vms)

    def vm_dicts(self):
        return [{"name": vm["name"], "moid": vm["moid"], "host": vm["host"], "power_state": vm["power_state"]} for vm in self.vms]

    def rule_dict(self):
        if self.rule is None:
            return None
        return {key: self.rule[key] for key in ("name", "enabled", "mandatory", "members")}


@dataclass(frozen=True)
class ControlPlanePlan:
    """The plan items with what applying them takes: the VMs to create (name -> host) and to move."""

    spec: ControlPlaneSpec
    state: ControlPlaneState
    items: tuple
    vm_items: tuple
    rule_item: object

    @property
    def changed(self):
        return any(item.changed for item in self.items)

    def predicted(self):
        """``(vms, rule, placement_ok)`` as a real run would leave them (moids of new VMs unknown)."""
        moids = {vm["name"]: vm["moid"] for vm in self.state.vms}
        vms = [{"name": _vm_name(item), "moid": moids.get(_vm_name(item)), **item.after} for item in self.vm_items if item.after is not None]
        rule = self.rule_item.after
        return vms, rule, _placement_ok(vms)


def _placement_ok(vms):
    hosts = [vm["host"] for vm in vms]
    return len(hosts) == len(set(hosts))


class ControlPlaneVms:
    """The control-plane VM set of a cluster, through a vim client (``clients.vim.VimClient`` or a fake of it)."""

    def __init__(self, client):
        self._client = client

    # -- read ---------------------------------------------------------------

    def read(self, spec):
        """The cluster of ``spec`` with its hosts, the set's VMs, the rule, and the objects creating VMs would use.

        Unknown cluster, template, folder, resource pool or datastore names
        raise NotFoundError listing the known ones.
        """
        return self.read_all([spec])[0]

    def read_all(self, specs, found=None):
        """What ``read()`` gives for each of ``specs``, in one retrieval whatever their number.

        ``found`` is a retrieval of INVENTORY (or more) made already, to share with other readers.
        """
        names = sorted({spec.cluster for spec in specs})
        if found is None:
            kinds = {kind: properties for kind, properties in INVENTORY.items() if kind not in ("ResourcePool", "Datastore")}
            if any(spec.resource_pool for spec in specs):
                kinds["ResourcePool"] = INVENTORY["ResourcePool"]
            if any(spec.datastore for spec in specs):
                kinds["Datastore"] = INVENTORY["Datastore"]
            found = self._client.retrieve_many(kinds, names={"ClusterComputeResource": names})
        clusters = select(found["ClusterComputeResource"], "ClusterComputeResource", names=names)
        return [self._state(spec, found, next(record for record in clusters if record["name"] == spec.cluster)) for spec in specs]

    def _state(self, spec, found, cluster_record):
        host_moids = set(cluster_record["host"] or ())
        hosts = sorted(
            (
                {
                    "name": record["name"],
                    "moid": record["moid"],
                    "connected": record["runtime.connectionState"] == "connected",
                    "in_maintenance_mode": bool(record["runtime.inMaintenanceMode"]),
                }
                for record in found["HostSystem"]
                if record["moid"] in host_moids
            ),
            key=lambda host: host["name"],
        )
        host_names = {host["moid"]: host["name"] for host in hosts}
        in_cluster = [vm for vm in found["VirtualMachine"] if vm["runtime.host"] in host_moids and not vm["config.template"]]
        wcp_vms = [vm for vm in in_cluster if WCP_VM_NAME.match(vm["name"])]
        owner = OWNER_WCP if wcp_vms else OWNER_PACIFIC
        own_name = re.compile(rf"^{re.escape(spec.name_prefix)}-(\d+)$")
        members = wcp_vms or [vm for vm in in_cluster if own_name.match(vm["name"])]
        vms = tuple(
            sorted(
                (
                    {
                        "name": vm["name"],
                        "moid": vm["moid"],
                        "host": host_names.get(vm["runtime.host"]),
                        "host_moid": vm["runtime.host"],
                        "power_state": vm["runtime.powerState"],
                        "index": int((WCP_VM_NAME.match(vm["name"]) or own_name.match(vm["name"])).group(1)),
                    }
                    for vm in members
                ),
                key=lambda vm: vm["index"],
            )
        )
        vm_names = {vm["moid"]: vm["name"] for vm in found["VirtualMachine"]}
        cluster = {"name": cluster_record["name"], "moid": cluster_record["moid"], "resource_pool": cluster_record["resourcePool"]}
        rule = _rule(cluster_record["configurationEx.rule"], spec.effective_rule_name, vm_names, spec.cluster, {vm["moid"] for vm in vms})
        return ControlPlaneState(
            cluster=cluster,
            hosts=tuple(hosts),
            owner=owner,
            vms=vms,
            rule=rule,
            placement=self._placement_objects(spec, found, cluster_record),
        )

    def _placement_objects(self, spec, found, cluster_record):
        """Moids of the folder, resource pool, datastore and template that creating VMs would use (None when not set)."""
        where = f" (cluster '{spec.cluster}')"
        placement = {"folder": _datacenter_vm_folder(cluster_record["parent"], found["Datacenter"], found["Folder"])}
        if spec.folder:
            vm_folders = [folder for folder in found["Folder"] if "VirtualMachine" in (folder["childType"] or ())]
            placement["folder"] = _unique("folder", spec.folder, vm_folders, "Folder")["moid"]
        placement["resource_pool"] = cluster_record["resourcePool"]
        if spec.resource_pool:
            pools = [pool for pool in found["ResourcePool"] if pool["owner"] == cluster_record["moid"]]
            placement["resource_pool"] = _unique("resource_pool", spec.resource_pool, pools, "ResourcePool", where)["moid"]
        placement["datastore"] = None
        placement["datastore_name"] = spec.datastore
        if spec.datastore:
            placement["datastore"] = _unique("datastore", spec.datastore, found["Datastore"], "Datastore")["moid"]
        placement["template"] = None
        if spec.template:
            placement["template"] = _unique("template", spec.template, found["VirtualMachine"], "VirtualMachine")["moid"]
        return placement

    # -- plan ---------------------------------------------------------------

    def plan(self, spec, state):
        """The items that bring ``state`` to ``spec``; raises before any change on what cannot be done."""
        spec.validate()
        if state.owner == OWNER_WCP:
            vm_items = self._adopted_vm_items(spec, state)
            members = [vm["name"] for vm in state.vms]
        else:
            vm_items = self._own_vm_items(spec, state)
            members = [_vm_name(item) for item in vm_items if item.after is not None]
        # vSphere refuses an anti-affinity rule of fewer than two VMs.
        wanted_rule = None
        if spec.state == "present" and len(members) >= 2:
            # The rule found over the set keeps its name unless rule_name asks for another.
            name = spec.rule_name or (state.rule["name"] if state.rule else spec.effective_rule_name)
            wanted_rule = {"name": name, "enabled": True, "mandatory": spec.mandatory, "members": sorted(members)}
        before_rule = state.rule_dict()
        reasons = changed_fields(before_rule, wanted_rule, ("name", "enabled", "mandatory", "members")) if before_rule and wanted_rule else []
        rule_name = (wanted_rule or before_rule or {}).get("name", spec.effective_rule_name)
        rule_item = plan_item(f"drs_rule/{spec.cluster}/{rule_name}", before_rule, wanted_rule, reasons)
        return ControlPlanePlan(spec=spec, state=state, items=(*vm_items, rule_item), vm_items=tuple(vm_items), rule_item=rule_item)

    @staticmethod
    def _adopted_vm_items(spec, state):
        if spec.state == "present" and spec.count != len(state.vms):
            raise PacificError(
                f"Workload Management runs {len(state.vms)} control-plane VMs on cluster '{spec.cluster}' and this module never adds or"
                f" removes them: set count to {len(state.vms)} (count is {spec.count})"
            )
        # WCP's VMs are reported, never changed, whatever the state asked.
        return [plan_item(f"vm/{vm['name']}", _vm_view(vm), _vm_view(vm)) for vm in state.vms]

    def _own_vm_items(self, spec, state):
        existing = {vm["name"]: vm for vm in state.vms}
        wanted = [spec.vm_name(index) for index in range(1, spec.count + 1)] if spec.state == "present" else []
        if spec.state == "present":
            self._check_capacity(spec, state, [name for name in wanted if name not in existing])
        targets = _host_assignment(wanted, existing, state.hosts)
        items = []
        for name in wanted:
            after = {"host": targets[name], "power_state": spec.power_state}
            before = _vm_view(existing[name]) if name in existing else None
            reasons = []
            if before is not None:
                reasons = changed_fields(before, after, ("power_state",))
                if before["host"] != after["host"]:
                    reasons.append(f"shares host {before['host']} with another VM of the set: move to {after['host']}")
            items.append(plan_item(f"vm/{name}", before, after, reasons))
        items.extend(plan_item(f"vm/{vm['name']}", _vm_view(vm), None) for vm in state.vms if vm["name"] not in wanted)
        return items

    @staticmethod
    def _check_capacity(spec, state, missing):
        usable = [host for host in state.hosts if host["connected"]]
        if spec.count > len(usable):
            raise PacificError(
                f"count {spec.count} is larger than the {len(usable)} connected hosts of cluster '{spec.cluster}':"
                " a mandatory anti-affinity rule could not keep the VMs on different hosts; lower count or add hosts"
            )
        if missing and not spec.template and not spec.datastore:
            raise InvalidArgumentError(f"datastore is required to create VMs {', '.join(missing)} without a template: set datastore, or template to clone from")

    # -- apply --------------------------------------------------------------

    def apply(self, plan):
        """Carry out the plan: create and move VMs, set power states, then the rule, then delete VMs; return the state read after."""
        spec = plan.spec
        state = plan.state
        moids = {vm["name"]: vm["moid"] for vm in state.vms}
        host_moids = {host["name"]: host["moid"] for host in state.hosts}
        creates = [item for item in plan.vm_items if item.action == CREATE]
        for item in creates:
            name = _vm_name(item)
            moids[name] = self._create_vm(spec, state, name, host_moids[item.after["host"]])
        if creates:
            # A clone lands where vCenter puts it; check it is on the host planned.
            state = replace(state, vms=self.read(spec).vms)
        current = {vm["name"]: vm for vm in state.vms}
        for item in plan.vm_items:
            if item.after is None or not item.changed:
                continue
            vm = current[_vm_name(item)]
            if vm["host"] != item.after["host"]:
                self._relocate(vm, host_moids[item.after["host"]], state.placement["resource_pool"], item.after["host"])
            if vm["power_state"] != item.after["power_state"]:
                self._set_power(vm, item.after["power_state"])
        if plan.rule_item.changed:
            self._apply_rule(plan, moids)
        for item in plan.vm_items:
            if item.action == DELETE:
                self._delete_vm(current[_vm_name(item)])
        return self.read(spec)

    def _create_vm(self, spec, state, name, host_moid):
        client = self._client
        placement = state.placement
        pool = client.managed_object("ResourcePool", placement["resource_pool"])
        host = client.managed_object("HostSystem", host_moid)
        if placement["template"]:
            location = client.data_object("VirtualMachineRelocateSpec", host=host, pool=pool)
            if placement["datastore"]:
                location.datastore = client.managed_object("Datastore", placement["datastore"])
            clone_spec = client.data_object(
                "VirtualMachineCloneSpec",
                location=location,
                powerOn=False,
                template=False,
                config=client.data_object("VirtualMachineConfigSpec", numCPUs=spec.num_cpus, memoryMB=spec.memory_mb),
            )
            task = client.call(
                "VirtualMachine",
                placement["template"],
                "CloneVM_Task",
                folder=client.managed_object("Folder", placement["folder"]),
                name=name,
                spec=clone_spec,
                what=f"clone '{spec.template}' into VM '{name}'",
                idempotent=False,
            )
            what = f"clone '{spec.template}' into VM '{name}'"
        else:
            config = client.data_object(
                "VirtualMachineConfigSpec",
                name=name,
                guestId=GUEST_ID,
                numCPUs=spec.num_cpus,
                memoryMB=spec.memory_mb,
                files=client.data_object("VirtualMachineFileInfo", vmPathName=f"[{placement['datastore_name']}]"),
            )
            what = f"create VM '{name}'"
            task = client.call("Folder", placement["folder"], "CreateVM_Task", config=config, pool=pool, host=host, what=what, idempotent=False)
        return client.wait_for_task(task, what=what)

    def _relocate(self, vm, host_moid, pool_moid, host_name):
        client = self._client
        spec = client.data_object(
            "VirtualMachineRelocateSpec", host=client.managed_object("HostSystem", host_moid), pool=client.managed_object("ResourcePool", pool_moid)
        )
        what = f"move VM '{vm['name']}' to host '{host_name}'"
        client.wait_for_task(client.call("VirtualMachine", vm["moid"], "RelocateVM_Task", spec=spec, what=what, idempotent=False), what=what)

    def _set_power(self, vm, power_state):
        method, verb = ("PowerOnVM_Task", "power on") if power_state == "poweredOn" else ("PowerOffVM_Task", "power off")
        what = f"{verb} VM '{vm['name']}'"
        self._client.wait_for_task(self._client.call("VirtualMachine", vm["moid"], method, what=what, idempotent=False), what=what)

    def _delete_vm(self, vm):
        if vm["power_state"] != "poweredOff":
            self._set_power(vm, "poweredOff")
        what = f"delete VM '{vm['name']}'"
        self._client.wait_for_task(self._client.call("VirtualMachine", vm["moid"], "Destroy_Task", what=what, idempotent=False), what=what)

    def _apply_rule(self, plan, moids):
        client = self._client
        item = plan.rule_item
        rule = plan.state.rule
        if item.action == DELETE:
            rule_spec = client.data_object("ClusterRuleSpec", operation="remove", removeKey=rule["key"])
            verb = "delete"
        else:
            info = client.data_object(
                "ClusterAntiAffinityRuleSpec",
                name=item.after["name"],
                enabled=item.after["enabled"],
                mandatory=item.after["mandatory"],
                vm=[client.managed_object("VirtualMachine", moids[name]) for name in item.after["members"]],
            )
            if item.action == CREATE:
                verb = "create"
                rule_spec = client.data_object("ClusterRuleSpec", operation="add", info=info)
            else:
                # vCenter edits the rule with the key it gave it.
                info.key = rule["key"]
                verb = "update"
                rule_spec = client.data_object("ClusterRuleSpec", operation="edit", info=info)
        what = f"{verb} anti-affinity rule '{(item.after or item.before)['name']}' of cluster '{plan.spec.cluster}'"
        task = client.call(
            "ClusterComputeResource",
            plan.state.cluster["moid"],
            "ReconfigureComputeResource_Task",
            spec=client.data_object("ClusterConfigSpecEx", rulesSpec=[rule_spec]),
            modify=True,
            what=what,
            idempotent=False,
        )
        client.wait_for_task(task, what=what)


def _vm_name(item):
    return item.address.split("/", 1)[1]


def _vm_view(vm):
    return {"host": vm["host"], "power_state": vm["power_state"]}


def _host_assignment(wanted, existing, hosts):
    """Host of each wanted VM: an existing VM keeps its host unless another VM of the set got there first; the others get free hosts."""
    usable = [host["name"] for host in hosts if host["connected"] and not host["in_maintenance_mode"]]
    usable += [host["name"] for host in hosts if host["connected"] and host["in_maintenance_mode"]]
    taken = set()
    targets = {}
    for name in wanted:
        host = existing[name]["host"] if name in existing else None
        if host is not None and host not in taken:
            targets[name] = host
            taken.add(host)
    free = [host for host in usable if host not in taken]
    for name in wanted:
        if name not in targets:
            targets[name] = free.pop(0)
    return targets


def _rule(rules, name, vm_names, cluster, set_moids):
    """The rule over the set: the one called ``name``, else a mandatory anti-affinity rule over exactly the set's VMs, whatever its name.

    WCP names its rule ``SupervisorControlPlaneVM anti-affinity``; another
    tool or an admin may have named theirs otherwise. A second rule over the
    same VMs would only duplicate it.
    """

    def described(rule):
        return {
            "key": rule.key,
            "name": rule.name,
            "enabled": bool(rule.enabled),
            "mandatory": bool(rule.mandatory),
            "members": sorted(vm_names.get(moid, moid) for moid in plain(list(rule.vm or ()))),
        }

    anti_affinity = []
    for rule in rules or ():
        kind = getattr(rule, "_wsdlName", type(rule).__name__)
        if rule.name == name:
            if kind != "ClusterAntiAffinityRuleSpec":
                raise PacificError(f"Rule '{name}' of cluster '{cluster}' is a {kind}, not a VM-VM anti-affinity rule: set rule_name to another name")
            return described(rule)
        if kind == "ClusterAntiAffinityRuleSpec":
            anti_affinity.append(rule)
    over_the_set = [rule for rule in anti_affinity if rule.mandatory and len(set_moids) >= 2 and set(plain(list(rule.vm or ()))) == set_moids]
    return described(over_the_set[0]) if over_the_set else None


def _unique(option, name, records, kind, where=""):
    matches = [record for record in records if record["name"] == name]
    if not matches:
        known = sorted({record["name"] for record in records})
        shown = ", ".join(known[:KNOWN_NAMES_SHOWN]) or "none"
        if len(known) > KNOWN_NAMES_SHOWN:
            shown += f", ... ({len(known) - KNOWN_NAMES_SHOWN} more)"
        raise NotFoundError(f"{option} '{name}' not found{where} (known: {shown})", kind=kind, name=name, known=known)
    if len(matches) > 1:
        raise InvalidArgumentError(f"{option} '{name}' names {len(matches)} objects ({', '.join(m['moid'] for m in matches)}): rename one of them")
    return matches[0]


def _datacenter_vm_folder(moid, datacenters, folders):
    """The VM folder of the datacenter above ``moid`` (a cluster's parent folder)."""
    vm_folders = {datacenter["moid"]: datacenter["vmFolder"] for datacenter in datacenters}
    parents = {folder["moid"]: folder["parent"] for folder in folders}
    while moid is not None and moid not in vm_folders:
        moid = parents.get(moid)
    return vm_folders.get(moid)
