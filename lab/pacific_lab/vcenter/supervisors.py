"""Workload Management on a cluster (vSphere 7 `namespace-management/clusters`, and on vCenter 8 the
`namespace-management/supervisors` API's enable on a compute cluster, summaries and topology):
enable, update, disable, and the background work each sets off in vcsim.

Enabling, as vCenter does it: the spec is checked first; then the cluster is
CONFIGURING while a worker installs the Spherelet VIB on every host that lacks
it (one host at a time, in maintenance mode when the VIB requires it), deploys
three control-plane VMs on distinct hosts kept apart by a mandatory DRS
anti-affinity rule, and allocates the Supervisor's API endpoint; after the
simulated enable time it is RUNNING (or ERROR, with messages). Disabling
(REMOVING) removes the VMs, the rule and the namespaces; the Spherelet VIB
stays on the hosts.

The work is idempotent ("make vcsim match the record"), so the same code
rebuilds vcsim's side after a lab restart and resumes interrupted operations.
"""

import ipaddress
import logging
import threading
import time
import uuid

from pyVmomi import vim

from ..config import SUPERVISOR_ENDPOINTS
from . import cluster_facts, errors, software, specs
from .clock import Cancelled
from .inventory import network_type
from .schema import check
from .supervisor_spec import VM_SIZES, World, enable_problems, update_problems
from .supervisors_spec import ENABLE_ON_COMPUTE_CLUSTER, ENABLE_ON_ZONES, as_clusters_spec, structure_problems, v8_path

log = logging.getLogger("pacific_lab.wcp")

SUPERVISOR = "supervisor"  # store kind
CONTROL_PLANE_VM = "SupervisorControlPlaneVM ({})"
CONTROL_PLANE_SIZE = 3
# A Supervisor runs on one vSphere Zone or on three (vSphere 8 docs: "three-zone Supervisor").
ZONE_COUNTS = (1, 3)
ANTI_AFFINITY_RULE = "SupervisorControlPlaneVM anti-affinity"
NAMESPACES_FOLDER = "Namespaces"
# Each Supervisor's Kubernetes API gets its own loopback address of SUPERVISOR_ENDPOINTS (served on port 6443).
API_SERVER_PORT = 6443
SECRET_FIELDS = ("password",)


class Supervisors:
    def __init__(self, store, catalog, settings, clock, spherelet, namespaces_of, zones=None):
        self._store = store
        self._zones = zones  # zones.Zones on vCenter 8 (each Supervisor runs on a zone); None on 7.0
        self._catalog = catalog
        self._settings = settings
        self._clock = clock
        self._spherelet = spherelet  # spherelet.Release
        self._remove_namespaces = namespaces_of  # callable(cluster moid): drop that cluster's namespaces
        self._vsphere = None
        self._lock = threading.RLock()
        self._workers = []
        # Whether the lab serves a Supervisor's Kubernetes API (the lab wires its fleet in; alone: always).
        self.served = lambda cluster_id: True

    def bind(self, vsphere):
        self._vsphere = vsphere

    # --- REST operations ----------------------------------------------------

    def list(self):
        docs = self._store.all(SUPERVISOR)
        return [_summary(self._reported(doc), stats) for doc, stats in zip(docs, self._stats(docs))]

    def get(self, cluster_id):
        return _info(self._reported(self._existing(cluster_id)))

    def states(self):
        """(cluster moid, API server endpoint, config_status, ((zone, cluster moid), ...), Kubernetes gitVersion) of
        each Supervisor: what the lab's fleet follows."""
        return [(doc["cluster"], doc["endpoint"], doc["config_status"], tuple(zip(doc["zones"], doc["clusters"])),
                 software.release(doc.get("version")).git_version)
                for doc in self._store.all(SUPERVISOR)]

    def _reported(self, doc):
        """What vCenter reports: RUNNING / READY ("configured correctly", "able to accept pods") only once
        the Supervisor's API answers; between the end of the enable and the lab serving it, CONFIGURING."""
        if doc["config_status"] == "RUNNING" and not self.served(doc["cluster"]):
            return {**doc, "config_status": "CONFIGURING", "kubernetes_status": "WARNING"}
        return doc

    def is_running(self, cluster_id):
        doc = self._record_of(cluster_id)
        return doc is not None and doc["config_status"] == "RUNNING"

    def enable(self, cluster_id, spec):
        """Clusters.enable: vSphere 7's API, which vCenter 8 still serves (the Supervisor is named after its cluster)."""
        with self._lock:
            _cluster, props = self._new_supervisor_cluster(cluster_id)
            if isinstance(spec, dict) and spec.get("network_provider") == "NSXT_CONTAINER_PLUGIN":
                raise errors.unsupported("The lab simulates VSPHERE_NETWORK Supervisors only (no NSX-T).")
            problems = enable_problems(specs.CLUSTER_ENABLE, spec, self._world([props]))
            if problems:
                raise errors.invalid_fields(problems)
            self._create([cluster_id], props["name"], props["name"], spec, None)

    def enable_on_compute_cluster(self, cluster_id, spec):
        """Supervisors.enable_on_compute_cluster (vCenter 8): the Supervisor's identifier. The cluster's zone is the
        one holding it, else `spec.zone` (or one named after the cluster) made and bound to it."""
        with self._lock:
            _cluster, props = self._new_supervisor_cluster(cluster_id)
            problems, clusters_spec = check(ENABLE_ON_COMPUTE_CLUSTER, spec).items, None
            if not problems:
                problems, clusters_spec = self._v8_problems(spec, self._world([props]))
            held_by = self._zones.zone_of(cluster_id)
            if not problems and spec.get("zone") and held_by not in (None, spec["zone"]):
                problems = [("spec.zone", f"cluster {cluster_id} belongs to zone {held_by!r}")]
            if problems:
                raise errors.invalid_fields(problems)
            zone = self._zones.ensure_for(cluster_id, spec.get("zone") or f"zone-{cluster_id}")
            return self._create([cluster_id], props["name"], spec["name"], clusters_spec, [zone])

    def enable_on_zones(self, spec):
        """Supervisors.enable_on_zones (vCenter 8): a Supervisor on one zone or on three, each holding one cluster;
        on three, one control-plane VM runs in each zone's cluster. The Supervisor's identifier."""
        with self._lock:
            problems = check(ENABLE_ON_ZONES, spec).items
            clusters = []
            if not problems:
                problems, clusters = self._zone_clusters(spec["zones"])
            if not problems:
                found = {cluster._moId: props for cluster, props in
                         self._vsphere.retrieve(vim.ClusterComputeResource, ["name", "configurationEx", "host"])}
                problems, clusters_spec = self._v8_problems(spec, self._world([found[cluster] for cluster in clusters]))
            if problems:
                raise errors.invalid_fields(problems)
            return self._create(clusters, found[clusters[0]]["name"], spec["name"], clusters_spec, list(spec["zones"]))

    # --- software: Supervisor upgrades (`namespace-management/software/clusters`) ---------------------

    def software_list(self):
        return [software.summary(doc) for doc in self._store.all(SUPERVISOR)]

    def software_get(self, cluster_id):
        return software.info(self._existing(cluster_id), CONTROL_PLANE_SIZE)

    def upgrade(self, cluster_id, spec):
        """Software.Clusters.upgrade: the control-plane VMs are replaced one at a time, then the Supervisor runs the
        new version (its API server restarts on it)."""
        with self._lock:
            doc = self._existing(cluster_id)
            problem = software.upgrade_problem(doc, spec)
            if problem is not None:
                raise problem
            doc.update(desired_version=spec["desired_version"], upgrade_completed=0, upgrade_failed=False, operation="upgrade",
                       upgrade_messages=[_message("INFO", f"Upgrading the Supervisor to {spec['desired_version']}.")])
            self._store.put(SUPERVISOR, doc["cluster"], doc)
            self._start(doc["cluster"], "upgrade")

    def _v8_problems(self, spec, world):
        """(problems, the Clusters.EnableSpec it amounts to) of a vCenter 8 enable body whose shape is right: each
        problem named by the field sent; a Supervisor name is unique."""
        problems = structure_problems(spec)
        if problems:
            return problems, None
        clusters_spec = as_clusters_spec(spec)
        problems = [(v8_path(path), reason) for path, reason in enable_problems(specs.CLUSTER_ENABLE, clusters_spec, world)]
        if not problems and any(doc.get("name") == spec["name"] for doc in self._store.all(SUPERVISOR)):
            problems = [("spec.name", f"a Supervisor named {spec['name']!r} exists")]
        return problems, clusters_spec

    def _zone_clusters(self, zones):
        """(problems, the cluster of each zone): each zone exists and holds one cluster with no Supervisor."""
        problems, clusters = [], []
        if len(zones) not in ZONE_COUNTS:
            problems.append(("spec.zones", f"{len(zones)} zones given; a Supervisor runs on {' or '.join(map(str, ZONE_COUNTS))}"))
        if len(set(zones)) != len(zones):
            problems.append(("spec.zones", "a zone is named twice"))
        for index, zone in enumerate(zones):
            try:
                held = self._zones.associations(zone)
            except errors.ApiError:
                problems.append((f"spec.zones[{index}]", f"zone {zone!r} not found"))
                continue
            if len(held) != 1:
                problems.append((f"spec.zones[{index}]", f"zone {zone!r} holds no cluster"))
                continue
            if self._record_of(held[0]) is not None:
                problems.append((f"spec.zones[{index}]", f"cluster {held[0]} of zone {zone!r} already runs a Supervisor"))
            clusters.append(held[0])
        return problems, clusters

    def summaries(self):
        """Supervisors.Summary.list: {"items": [{supervisor, info}]}."""
        docs = self._store.all(SUPERVISOR)
        return {"items": [{"supervisor": doc["supervisor"], "info": _summary_info(self._reported(doc), stats)}
                          for doc, stats in zip(docs, self._stats(docs))]}

    def summary(self, supervisor):
        doc = self._by_supervisor(supervisor)
        (stats,) = self._stats([doc])
        return _summary_info(self._reported(doc), stats)

    def _stats(self, docs):
        """The Clusters.Stats of each Supervisor (of all its clusters), read once for all of them."""
        return cluster_facts.stats(self._vsphere, [set(doc.get("clusters") or [doc["cluster"]]) for doc in docs]) if docs else []

    def topology(self, supervisor):
        """Supervisors.Topology.get: the zones the Supervisor runs on, each with its clusters."""
        doc = self._by_supervisor(supervisor)
        return [{"zone": zone, "clusters": [cluster]} for zone, cluster in zip(doc["zones"], doc["clusters"])]

    def on_zone(self, zone):
        """The identifier of the Supervisor running on `zone`, or None."""
        return next((doc["supervisor"] for doc in self._store.all(SUPERVISOR) if zone in doc["zones"]), None)

    def clusters_of(self, cluster_id):
        """Every cluster of the Supervisor `cluster_id` belongs to (its zones' clusters; on 7.0, that cluster)."""
        doc = self._record_of(cluster_id)
        return doc["clusters"] if doc is not None else [cluster_id]

    def primary(self, cluster_id):
        """The cluster a Supervisor's records are kept under (its first zone's), for any of its clusters."""
        doc = self._record_of(cluster_id)
        return doc["cluster"] if doc is not None else cluster_id

    def _record_of(self, cluster_id):
        doc = self._store.get(SUPERVISOR, cluster_id)
        if doc is None:
            doc = next((doc for doc in self._store.all(SUPERVISOR) if cluster_id in doc["clusters"]), None)
        return doc

    def _new_supervisor_cluster(self, cluster_id):
        cluster, props = self._cluster(cluster_id)
        if self._record_of(cluster_id) is not None:
            raise errors.already_exists(f"Cluster {cluster_id} already has vSphere Namespaces enabled.", cluster_id)
        return cluster, props

    def _create(self, clusters, cluster_name, name, spec, zones):
        """Record a Supervisor on `clusters` (kept under the first) and start enabling it."""
        cluster_id = clusters[0]
        if zones is None:
            zones = [self._zones.ensure_for(cluster_id, f"zone-{cluster_id}")] if self._zones is not None else []
        doc = {
            "cluster": cluster_id, "cluster_name": cluster_name, "spec": _without_secrets(spec),
            "supervisor": str(uuid.uuid4()), "name": name, "zones": zones, "clusters": clusters,
            "config_status": "CONFIGURING", "kubernetes_status": "WARNING", "operation": "enable",
            "version": software.DEPLOYED_ON_ENABLE,
            "messages": [_message("INFO", "Configuring the Supervisor control plane.")],
            "endpoint": self._free_endpoint(), "enabled_at": time.time(),
        }
        self._store.put(SUPERVISOR, cluster_id, doc)
        self._start(cluster_id, "enable")
        return doc["supervisor"]

    def update(self, cluster_id, spec):
        with self._lock:
            doc = self._existing(cluster_id)
            cluster_id = doc["cluster"]  # any of a zonal Supervisor's clusters names it
            if doc["config_status"] not in ("RUNNING", "ERROR"):
                raise errors.not_allowed(
                    f"Cluster {cluster_id} is {doc['config_status']}; it can be updated when RUNNING.", cluster_id)
            _cluster, props = self._cluster(cluster_id)
            problems = update_problems(specs.CLUSTER_UPDATE, spec, self._world([props]))
            if problems:
                raise errors.invalid_fields(problems)
            resize = spec.get("size_hint") not in (None, doc["spec"]["size_hint"])
            doc["spec"].update({key: value for key, value in _without_secrets(spec).items() if value is not None})
            if resize:
                doc.update(config_status="CONFIGURING", kubernetes_status="WARNING", operation="resize",
                           messages=[_message("INFO", f"Resizing the control plane to {spec['size_hint']}.")])
            self._store.put(SUPERVISOR, cluster_id, doc)
            if resize:
                self._start(cluster_id, "resize")

    def disable(self, cluster_id):
        with self._lock:
            doc = self._existing(cluster_id)
            cluster_id = doc["cluster"]
            if doc["config_status"] == "REMOVING":
                return
            doc.update(config_status="REMOVING", operation="disable",
                       messages=[_message("INFO", "Removing the Supervisor control plane.")])
            self._store.put(SUPERVISOR, cluster_id, doc)
            self._start(cluster_id, "disable")

    # --- lab lifecycle ------------------------------------------------------

    def resume(self):
        """Make a fresh vcsim match the records (after a restart): rebuild what RUNNING
        Supervisors have, and carry on with operations that were under way."""
        for doc in self._store.all(SUPERVISOR):
            self._start(doc["cluster"], doc.get("operation") or "rebuild")

    def join(self, timeout):
        """Wait for the workers (the caller has set the stop flag)."""
        for worker in self._workers:
            worker.join(timeout)
        self._workers = [worker for worker in self._workers if worker.is_alive()]

    # --- background work ------------------------------------------------------

    def _start(self, cluster_id, operation):
        worker = threading.Thread(target=self._run, args=(cluster_id, operation), daemon=True,
                                  name=f"wcp-{operation}-{cluster_id}")
        self._workers = [w for w in self._workers if w.is_alive()] + [worker]
        worker.start()

    def _run(self, cluster_id, operation):
        started = self._clock.now()
        try:
            if operation == "disable":
                self._tear_down(cluster_id)
                self._wait_rest_of(self._settings.supervisor_disable_seconds, started)
                with self._lock:
                    self._store.delete(SUPERVISOR, cluster_id)
                log.info("Supervisor on %s disabled", cluster_id)
                return
            placement = self._converge(cluster_id)
            if operation == "rebuild":
                return
            if operation == "upgrade":
                self._upgrade(cluster_id, placement)
                return
            total = (self._settings.supervisor_resize_seconds if operation == "resize"
                     else self._settings.supervisor_enable_seconds)
            self._wait_rest_of(total, started)
            self._set_state(cluster_id, config_status="RUNNING", kubernetes_status="READY", operation=None,
                            messages=[])
            log.info("Supervisor on %s RUNNING", cluster_id)
        except Cancelled:
            log.info("%s of the Supervisor on %s interrupted (lab stopping or resetting)", operation, cluster_id)
        except Exception as error:  # every failure ends the operation in ERROR, as vCenter reports it
            log.exception("%s of the Supervisor on %s failed", operation, cluster_id)
            if operation == "upgrade":  # the Supervisor keeps running its version; the software API reports the failure
                self._set_state(cluster_id, operation=None, desired_version=None, upgrade_failed=True, upgrade_messages=[
                    _message("ERROR", f"Failed to upgrade the Supervisor: {_describe(error)}")])
                return
            self._set_state(cluster_id, config_status="ERROR", kubernetes_status="ERROR", operation=None,
                            messages=[_message("ERROR", f"Failed to {operation} the Supervisor: {_describe(error)}")])

    def _wait_rest_of(self, simulated_total, started):
        scale = self._settings.time_scale
        elapsed = (self._clock.now() - started) / scale if scale else simulated_total
        self._clock.sleep(max(0.0, simulated_total - elapsed))

    def _set_state(self, cluster_id, **fields):
        """Update the record; the record as it now is."""
        with self._lock:
            doc = self._store.get(SUPERVISOR, cluster_id)
            if doc is not None:  # a reset may have cleared the store meanwhile
                doc.update(fields)
                self._store.put(SUPERVISOR, cluster_id, doc)
            return doc

    def _converge(self, cluster_id):
        """Make vcsim hold what the record says (Spherelet, the control-plane VMs, the rule); the placement."""
        vsphere = self._vsphere
        doc = self._existing(cluster_id)
        clusters, hosts, folder = self._placement(doc)
        for host in (host for cluster in clusters for host in hosts[cluster._moId]):
            self._clock.check()
            if vsphere.installed_vibs(host).get("spherelet") != self._spherelet.version:
                vsphere.install_vib(host, self._spherelet.url, self._spherelet.needs_maintenance_mode)
        cpus, memory = VM_SIZES[doc["spec"]["size_hint"]]
        existing = vsphere.vms_named(control_plane_vm_names(), root=folder)
        for index, name in enumerate(control_plane_vm_names()):
            self._clock.check()
            vm = existing.get(name)
            if vm is None:
                existing[name] = self._deploy(doc, clusters, hosts, folder, index)
            elif (vm.config.hardware.numCPU, vm.config.hardware.memoryMB) != (cpus, memory):
                vsphere.resize_vm(vm, cpus, memory)
        self._ensure_rule(clusters, existing)
        return clusters, hosts, folder

    def _upgrade(self, cluster_id, placement):
        """Replace the control-plane VMs one at a time (a rolling update: two of three keep running), each step a
        third of the simulated upgrade time; an interrupted upgrade resumes at the VM it had reached."""
        vsphere = self._vsphere
        doc = self._existing(cluster_id)
        clusters, hosts, folder = placement
        step = self._settings.supervisor_upgrade_seconds / CONTROL_PLANE_SIZE
        for index, name in enumerate(control_plane_vm_names()):
            if index < doc.get("upgrade_completed", 0):
                continue
            self._clock.check()
            old = vsphere.vms_named([name], root=folder).get(name)
            if old is not None:
                vsphere.destroy_vm(old)
            self._deploy(doc, clusters, hosts, folder, index)
            self._ensure_rule(clusters, vsphere.vms_named(control_plane_vm_names(), root=folder))
            self._clock.sleep(step)
            doc = self._set_state(cluster_id, upgrade_completed=index + 1)
            if doc is None:
                return
        self._set_state(cluster_id, version=doc["desired_version"], desired_version=None, upgrade_completed=None,
                        operation=None, last_upgraded_date=software.now(), upgrade_messages=[])
        log.info("Supervisor on %s upgraded to %s", cluster_id, doc["desired_version"])

    def _placement(self, doc):
        """(clusters, {cluster moid: hosts}, control-plane VM folder) of the Supervisor `doc`."""
        clusters = []
        for moid in doc["clusters"]:
            cluster = self._vsphere.find(vim.ClusterComputeResource, moid)
            if cluster is None:
                raise RuntimeError(f"cluster {moid} of the Supervisor {doc['name']} is no longer in the inventory")
            clusters.append(cluster)
        hosts = {cluster._moId: list(self._vsphere.cluster_hosts(cluster).values()) for cluster in clusters}
        return clusters, hosts, self._folder(clusters[0], create=True)

    def _deploy(self, doc, clusters, hosts, folder, index):
        """Create and power on control-plane VM `index`: on one cluster, one VM per host; on three zones, one VM in
        each zone's cluster."""
        cpus, memory = VM_SIZES[doc["spec"]["size_hint"]]
        cluster = clusters[index % len(clusters)]
        host = hosts[cluster._moId][index // len(clusters)]
        vm = self._vsphere.create_vm(folder, cluster.resourcePool, host, control_plane_vm_names()[index], cpus, memory,
                                     cluster.datastore[0].name)
        self._vsphere.power_on(vm)
        return vm

    def _ensure_rule(self, clusters, vms):
        """The mandatory anti-affinity rule over `vms` ({name: VM}) on a one-cluster Supervisor."""
        if len(clusters) > 1:
            return  # a DRS rule binds VMs of one cluster; the zones keep these apart
        cluster = clusters[0]
        rule = self._vsphere.rule(cluster, ANTI_AFFINITY_RULE)
        wanted = {vm._moId for vm in vms.values()}
        if rule is not None and {vm._moId for vm in rule.vm} != wanted:
            self._vsphere.remove_rule(cluster, rule)
            rule = None
        if rule is None:
            self._vsphere.add_anti_affinity_rule(cluster, ANTI_AFFINITY_RULE, list(vms.values()))

    def _tear_down(self, cluster_id):
        vsphere = self._vsphere
        self._remove_namespaces(cluster_id)
        cluster = vsphere.find(vim.ClusterComputeResource, cluster_id)
        if cluster is None:
            return
        rule = vsphere.rule(cluster, ANTI_AFFINITY_RULE)
        if rule is not None:
            vsphere.remove_rule(cluster, rule)
        folder = self._folder(cluster, create=False)
        if folder is not None:
            for vm in vsphere.vms_named(control_plane_vm_names(), root=folder).values():
                self._clock.check()
                vsphere.destroy_vm(vm)
            vsphere.destroy(folder)

    def _folder(self, cluster, create):
        """The VM folder of this Supervisor's control plane: Namespaces/<cluster name> in the datacenter."""
        datacenter = cluster.parent
        while not isinstance(datacenter, vim.Datacenter):
            datacenter = datacenter.parent
        namespaces = self._vsphere.folder(datacenter.vmFolder, NAMESPACES_FOLDER)
        if create:
            return self._vsphere.folder(namespaces, cluster.name)
        return next((child for child in namespaces.childEntity
                     if isinstance(child, vim.Folder) and child.name == cluster.name), None)

    # --- helpers --------------------------------------------------------------

    def _by_supervisor(self, supervisor):
        doc = next((doc for doc in self._store.all(SUPERVISOR) if doc.get("supervisor") == supervisor), None)
        if doc is None:
            raise errors.not_found(f"Supervisor {supervisor} not found.", supervisor)
        return doc

    def _existing(self, cluster_id):
        doc = self._record_of(cluster_id)
        if doc is None:
            raise errors.not_found(f"Cluster {cluster_id} does not have vSphere Namespaces enabled.", cluster_id)
        return doc

    def _cluster(self, cluster_id):
        for cluster, props in self._vsphere.retrieve(vim.ClusterComputeResource, ["name", "configurationEx", "host"]):
            if cluster._moId == cluster_id:
                return cluster, props
        raise errors.not_found(f"Cluster {cluster_id} not found.", cluster_id)

    def _world(self, clusters):
        """The inventory a spec refers to, for a Supervisor on `clusters` (their properties): DRS on each, their hosts
        together (on three zones, one control-plane VM per cluster)."""
        networks = self._vsphere.retrieve(vim.Network, ["name"])
        switches = cluster_facts.switches(self._vsphere)
        switch_problems = [cluster_facts.switch_problem(props["name"], {host._moId for host in props["host"]}, switches)
                           for props in clusters]
        return World(
            cluster_name="', '".join(props["name"] for props in clusters),
            drs_enabled=all(props["configurationEx"].drsConfig.enabled for props in clusters),
            host_count=sum(len(props["host"]) for props in clusters),
            network_types={network._moId: network_type(network) for network, _ in networks},
            policy_ids=self._catalog.policy_ids(), library_ids=self._catalog.library_ids(),
            switch_problem="; ".join(problem for problem in switch_problems if problem),
        )

    def _free_endpoint(self):
        taken = {doc["endpoint"] for doc in self._store.all(SUPERVISOR)}
        for address in SUPERVISOR_ENDPOINTS.hosts():
            if str(address) not in taken:
                return str(address)
        raise errors.ApiError("UNABLE_TO_ALLOCATE_RESOURCE", [errors.message(
            "vcenter.lab.endpoints.exhausted", f"No free Supervisor endpoint in {SUPERVISOR_ENDPOINTS}.")])


def control_plane_vm_names():
    return [CONTROL_PLANE_VM.format(index) for index in range(1, CONTROL_PLANE_SIZE + 1)]


def _summary(doc, stats):
    """Clusters.Summary: `stats` is required (Clusters.Stats)."""
    return {"cluster": doc["cluster"], "cluster_name": doc["cluster_name"], "stats": stats,
            "config_status": doc["config_status"], "kubernetes_status": doc["kubernetes_status"]}


def _summary_info(doc, stats):
    """Supervisors.Summary.Info as vCenter 8.0 Update 3 reports it."""
    return {"name": doc["name"], "config_status": doc["config_status"], "kubernetes_status": doc["kubernetes_status"],
            "stats": stats}


def _info(doc):
    """Clusters.Info: the spec as configured (secrets left out) and the Supervisor's state."""
    spec = doc["spec"]
    management = spec["master_management_network"]
    first_address = management.get("address_range", {}).get("starting_address")
    api_servers = []
    if first_address:
        api_servers = [str(ipaddress.IPv4Address(first_address) + offset)
                       for offset in range(1, CONTROL_PLANE_SIZE + 1)]
    info = {key: value for key, value in spec.items()
            if key not in ("workload_networks_spec", "load_balancer_config_spec")}
    info.update({
        "config_status": doc["config_status"],
        "kubernetes_status": doc["kubernetes_status"],
        "messages": doc["messages"],
        "kubernetes_status_messages": [],
        "api_server_cluster_endpoint": doc["endpoint"],
        "api_server_management_endpoint": first_address or management.get("floating_IP", ""),
        "api_servers": api_servers,
        "stat_summary": {"cpu_used": 0, "cpu_capacity": 0, "memory_used": 0, "memory_capacity": 0,
                         "storage_used": 0, "storage_capacity": 0},
    })
    networks = spec.get("workload_networks_spec")
    if networks:
        info["workload_networks"] = {
            "supervisor_primary_workload_network": networks["supervisor_primary_workload_network"],
            "network_list": networks.get("network_list", []),
        }
    load_balancer = spec.get("load_balancer_config_spec")
    if load_balancer:
        info["load_balancers"] = [load_balancer]
    return info


def _without_secrets(value):
    """The spec as stored and shown: vCenter never returns passwords."""
    if isinstance(value, dict):
        return {key: _without_secrets(item) for key, item in value.items() if key not in SECRET_FIELDS}
    if isinstance(value, list):
        return [_without_secrets(item) for item in value]
    return value


def _message(severity, text):
    return {"severity": severity, "details": errors.message(f"vcenter.wcp.lab.{severity.lower()}", text)}


def _describe(error):
    """A failure's text: a vim25 fault's message (what a task error says) or the exception."""
    return getattr(error, "msg", None) or str(error) or type(error).__name__
