# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Workload Management (the Supervisor) on one cluster: enable, change in place, disable and enable again.

``read()`` costs a cluster list and one ``GET .../namespace-management/clusters/{id}``;
``plan()`` adds one list per kind of object the options name (storage policies,
networks, content libraries); ``apply()`` makes the one mutating call the plan
needs (two for disable + re-enable) and polls the status until vCenter is done.
The control-plane VMs are read through vim25 in one PropertyCollector
retrieval, whatever the number of hosts or Supervisors.

What vCenter cannot change in place (networks, load balancer, service CIDR) is
changed only by disabling and enabling the Supervisor again, which deletes its
namespaces and workloads: the plan says so and ``apply()`` does it only when
``allow_reenable`` is set. A Supervisor in ERROR is likewise re-enabled only
when asked; vCenter keeps reconciling it and may bring it back by itself.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from typing import Optional

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, NotFoundError, PacificError, WaitTimeout
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import PlanItem, plan_item
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.catalog import CLUSTER, CONTENT_LIBRARY, NETWORK, STORAGE_POLICY, Catalog
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.control_plane_vms import WCP_VM_NAME
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.enable_api import (
    CLUSTERS_PATH,
    SUPERVISORS_PATH,
    EnableApi,
    enable_api,
    zones_unsupported,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_software import ERROR as SOFTWARE_ERROR
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_software import PENDING, Software, SupervisorSoftware, upgrade_target
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_spec import (
    MASKED,
    SECRET_OPTIONS,
    SETTINGS,
    desired_value,
    enable_body,
    live_value,
    nest,
    normal_endpoint,
    update_body,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.zone import Zones
from ansible_collections.pacific.vsphere.plugins.module_utils.waiter import wait_until

ENABLE, UPDATE, REENABLE, DISABLE, NOTHING = "enable", "update", "reenable", "disable", "none"
RUNNING, CONFIGURING, REMOVING, ERROR = "RUNNING", "CONFIGURING", "REMOVING", "ERROR"
FORCES_REENABLE = "forces disable + re-enable"
MAX_PARALLEL_READS = 8
COMPATIBILITY_PATH = "/api/vcenter/namespace-management/cluster-compatibility"


class SupervisorFailed(PacificError):
    """Workload Management did not reach the desired state; ``state`` is where it stands, ``changed`` whether this run changed it."""

    def __init__(self, message, *, state, changed=False, item=None):
        super().__init__(message)
        self.state = state
        self.changed = changed
        self.item = item

    def details(self):
        return dict(changed=self.changed, supervisor=self.state.summary(), **({} if self.item is None else {"plan": [self.item.as_dict()]}))


@dataclass(frozen=True)
class SupervisorState:
    """A cluster and its Clusters.Info (None when Workload Management is not enabled on it)."""

    cluster: str
    cluster_id: str
    info: Optional[dict] = None
    software: Optional[Software] = None  # its version, when read (kubernetes_version set, or the info module)

    @property
    def status(self):
        return None if self.info is None else self.info.get("config_status")

    def summary(self, control_plane_vms=None):
        """What the modules return for this Supervisor; None when it is not enabled."""
        if self.info is None:
            return None
        info = self.info
        return {
            "cluster": self.cluster,
            "cluster_moid": self.cluster_id,
            "config_status": info.get("config_status"),
            "kubernetes_status": info.get("kubernetes_status"),
            "messages": _messages(info.get("messages")),
            "kubernetes_status_messages": _messages(info.get("kubernetes_status_messages")),
            "api_server_cluster_endpoint": info.get("api_server_cluster_endpoint"),
            "api_server_management_endpoint": info.get("api_server_management_endpoint"),
            "size": (info.get("size_hint") or "").lower() or None,
            "control_plane_vms": control_plane_vms,
            **({} if self.software is None else {"kubernetes_version": self.software.current}),
        }


@dataclass(frozen=True)
class Difference:
    """One option whose live value differs from the desired one; ``api_value`` is what an UpdateSpec carries."""

    option: str
    before: object
    after: object
    api_value: object
    in_place: bool

    @property
    def reason(self):
        return f"{self.option}: {self.before} -> {self.after}" + ("" if self.in_place else f" ({FORCES_REENABLE})")


@dataclass(frozen=True)
class SupervisorPlan:
    """What ``apply()`` does: ``operation`` with its request body, after waiting out ``settle`` (a status) when set.

    An enable's ``body`` is a Clusters.EnableSpec; ``api`` is how this vCenter is sent it.
    """

    spec: object
    state: SupervisorState
    item: PlanItem
    operation: str
    body: Optional[dict] = None
    settle: Optional[str] = None
    api: Optional[EnableApi] = None
    # The Supervisor version to upgrade to, after the operation.
    upgrade: Optional[str] = None

    @property
    def changed(self):
        return self.item.changed

    @property
    def forces_reenable(self):
        return self.operation == REENABLE


class WorkloadManagement:
    """The Supervisors of one vCenter, through a REST client and, for the control-plane VMs, a vim25 session.

    ``vim_session`` is a callable returning a context manager that yields a
    ``clients.vim.VimClient`` (or a fake of it); it is opened only to read VMs.
    """

    def __init__(self, rest, vim_session, *, clock=time.monotonic, sleep=time.sleep, catalog=None):
        self._rest = rest
        self._vim_session = vim_session
        self._clock = clock
        self._sleep = sleep
        self._catalog = catalog or Catalog(rest)
        self._zone_clusters = {}  # cluster moid -> the moids of its zonal Supervisor's clusters (from on_zones)
        self._zones_by_cluster = None  # cluster moid -> its Supervisor's zones (live_zones), read on first use
        self._compatibility = None  # cluster moid -> its ClusterCompatibility.Summary, read before the first enable
        self._software = SupervisorSoftware(rest)

    # -- read -----------------------------------------------------------------

    def on_zones(self, spec):
        """``spec`` with ``cluster`` set to the cluster of its first zone; raises, before any change, unless this vCenter
        serves vSphere Zones and each zone exists and holds a cluster."""
        if spec.zones is None:
            return spec
        refusal = zones_unsupported(self._rest.vcenter_version())
        if refusal:
            raise InvalidArgumentError(f"zones: {refusal}: name the cluster instead")
        found = Zones(self._rest, catalog=self._catalog).read_all()
        problems = []
        for index, name in enumerate(spec.zones):
            if name not in found:
                problems.append(f"zones[{index}]: zone '{name}' not found (known: {', '.join(sorted(found)) or 'none'})")
            elif found[name].cluster_id is None:
                problems.append(f"zones[{index}]: zone '{name}' holds no cluster: bind one with pacific.vsphere.zone")
        if problems:
            raise InvalidArgumentError(f"Invalid Workload Management settings for {spec.subject}: " + "; ".join(problems))
        cluster_ids = [found[name].cluster_id for name in spec.zones]
        self._zone_clusters[cluster_ids[0]] = cluster_ids
        return replace(spec, cluster=self._catalog.name_of(CLUSTER, cluster_ids[0]))

    def _check_compatible(self, spec, state):
        """Refuse, before any change, to enable on a cluster vCenter reports incompatible (DRS off, too few hosts...),
        naming its reasons: one read of every cluster's compatibility per client, whatever is enabled."""
        if self._compatibility is None:
            # For vSphere networking, the one network provider the collection enables with.
            listed = self._rest.get(COMPATIBILITY_PATH, params={"network_provider": "VSPHERE_NETWORK"},
                                    what="read the clusters' compatibility with Workload Management") or []
            self._compatibility = {item["cluster"]: item for item in listed}
        problems = []
        for cluster_id in self._zone_clusters.get(state.cluster_id, [state.cluster_id]):
            found = self._compatibility.get(cluster_id)
            if found is not None and not found["compatible"]:
                reasons = "; ".join(reason.get("default_message", reason.get("id", "")) for reason in found["incompatibility_reasons"])
                problems.append(f"cluster '{self._catalog.name_of(CLUSTER, cluster_id)}' is not compatible with Workload Management: "
                                f"{reasons or 'vCenter gives no reason'}")
        if problems:
            raise InvalidArgumentError(f"Cannot enable Workload Management for {spec.subject}: " + "; ".join(problems))

    def live_zones(self, cluster_id):
        """The zones of the Supervisor that runs on ``cluster_id``, in vCenter's order."""
        if self._zones_by_cluster is None:
            self._zones_by_cluster = self._read_zones_by_cluster()
        return self._zones_by_cluster.get(cluster_id, [])

    def _read_zones_by_cluster(self):
        """``{cluster moid: [zone]}`` of every Supervisor: one list of summaries, then each one's topology in parallel
        (a summary names no cluster). Read once per client, however many Supervisors run on zones."""
        items = (self._rest.get(f"{SUPERVISORS_PATH}/summaries", what="list the Supervisors") or {}).get("items", [])

        def topology(item):
            return self._rest.get(f"{SUPERVISORS_PATH}/{item['supervisor']}/topology", what=f"read the zones of Supervisor '{item['info']['name']}'") or []

        if not items:
            return {}
        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_READS, len(items))) as pool:
            topologies = list(pool.map(topology, items))
        return {cluster: [place["zone"] for place in places] for places in topologies for place in places for cluster in place["clusters"]}

    def read(self, cluster):
        """The cluster named ``cluster`` and its Supervisor; NotFoundError lists the known clusters."""
        cluster_id = self._catalog.id_of(CLUSTER, cluster, "cluster")
        return SupervisorState(cluster, cluster_id, self._info(cluster, cluster_id))

    def read_all(self, clusters):
        """``{cluster: SupervisorState}`` for the clusters named: one list of clusters, one of Supervisors, one GET per Supervisor (in parallel)."""
        ids = {cluster: self._catalog.id_of(CLUSTER, cluster, "cluster") for cluster in clusters}
        summaries = self._rest.get(CLUSTERS_PATH, what="list the clusters with Workload Management") or []
        enabled = [cluster for cluster in clusters if ids[cluster] in {summary["cluster"] for summary in summaries}]
        infos = {}
        if enabled:
            with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_READS, len(enabled))) as pool:
                infos = dict(zip(enabled, pool.map(lambda cluster: self._info(cluster, ids[cluster]), enabled)))
        return {cluster: SupervisorState(cluster, ids[cluster], infos.get(cluster)) for cluster in clusters}

    def list(self, cluster=None):
        """Every Supervisor (or the one of ``cluster``: none when it has none) as SupervisorStates."""
        summaries = self._rest.get(CLUSTERS_PATH, what="list the clusters with Workload Management") or []
        if cluster is not None:
            summaries = [summary for summary in summaries if summary["cluster_name"] == cluster]
            if not summaries:
                self._catalog.id_of(CLUSTER, cluster, "cluster")  # an unknown cluster is an error, not an empty answer
        states = [SupervisorState(summary["cluster_name"], summary["cluster"]) for summary in summaries]
        # A Supervisor removed since the list was read is left out.
        states = [replace(state, info=self._info(state.cluster, state.cluster_id)) for state in states]
        return [state for state in states if state.info is not None]

    def describe(self, states):
        """The summaries of ``states`` with their control-plane VMs (on a zonal Supervisor, those of every zone's cluster),
        read in one vim25 retrieval."""
        enabled = [state for state in states if state.info is not None]
        clusters = {state.cluster_id: self._zone_clusters.get(state.cluster_id, [state.cluster_id]) for state in enabled}
        vms = self._control_plane_vms({moid for moids in clusters.values() for moid in moids}) if enabled else {}
        summaries = []
        for state in enabled:
            members = [vm for moid in clusters[state.cluster_id] for vm in vms.get(moid, [])]
            state = state if state.software is not None else replace(state, software=self._software.of(state.cluster_id))
            summaries.append(state.summary(sorted(members, key=lambda vm: int(WCP_VM_NAME.match(vm["name"]).group(1)))))
        return summaries

    def _info(self, cluster, cluster_id):
        try:
            return self._rest.get(f"{CLUSTERS_PATH}/{cluster_id}", what=f"read Workload Management of cluster '{cluster}'")
        except NotFoundError:
            return None  # vCenter answers 404 for a cluster without Workload Management

    def _control_plane_vms(self, cluster_ids):
        """``{cluster id: [{name, host}]}``: WCP's ``SupervisorControlPlaneVM (N)`` VMs on the hosts of each cluster."""
        kinds = {"ClusterComputeResource": ("host",), "HostSystem": (), "VirtualMachine": ("runtime.host",)}
        with self._vim_session() as vim:
            found = vim.retrieve_many(kinds)
        host_names = {host["moid"]: host["name"] for host in found["HostSystem"]}
        vms = {}
        for cluster in found["ClusterComputeResource"]:
            if cluster["moid"] not in cluster_ids:
                continue
            hosts = set(cluster["host"] or ())
            members = [vm for vm in found["VirtualMachine"] if vm["runtime.host"] in hosts and WCP_VM_NAME.match(vm["name"])]
            members.sort(key=lambda vm: int(WCP_VM_NAME.match(vm["name"]).group(1)))
            vms[cluster["moid"]] = [{"name": vm["name"], "host": host_names.get(vm["runtime.host"])} for vm in members]
        return vms

    # -- plan -------------------------------------------------------------------

    def plan(self, spec, state):
        """What bringing ``state`` to ``spec`` takes; raises, before any change, on input vCenter would refuse."""
        spec.validate()
        address = f"supervisor/{spec.cluster}"
        status = state.status
        if spec.state == "disabled":
            if status in (None, REMOVING):
                return SupervisorPlan(spec, state, plan_item(address, None, None), NOTHING)
            return SupervisorPlan(spec, state, plan_item(address, nest(self._live_view(state.info)), None), DISABLE)
        if status in (None, REMOVING):
            if status == REMOVING and not spec.wait:
                raise SupervisorFailed(
                    f"Workload Management on cluster '{spec.cluster}' is being disabled (REMOVING):"
                    " set wait: true to enable it once it is removed, or rerun later",
                    state=state,
                )
            spec.validate_complete("enabling Workload Management")
            self._check_compatible(spec, state)
            body = enable_body(spec, self._resolve(spec))
            return SupervisorPlan(spec, state, plan_item(address, None, _enable_view(spec)), ENABLE, body, settle=status, api=enable_api(self._rest))

        state, upgrade = self._version_plan(spec, state)
        differences = self._differences(spec, state.info)
        forced = [difference for difference in differences if not difference.in_place]
        reasons = [difference.reason for difference in differences]
        if status == ERROR:
            reasons.append(f"config_status is ERROR ({_message_text(state.info)})")
        before = nest({d.option: d.before for d in differences})
        after = nest({d.option: d.after for d in differences})
        if forced or (status == ERROR and not differences):
            return self._reenable_plan(spec, state, plan_item(address, before, after, reasons), forced)
        if upgrade is not None:
            before["kubernetes_version"], after["kubernetes_version"] = state.software.current, upgrade
            reasons.append(f"kubernetes_version: {state.software.current} -> {upgrade}" + (" (upgrade under way)" if upgrade == state.software.desired else ""))
        if not differences and upgrade is None:
            current = self._set_view(spec, state)
            return SupervisorPlan(spec, state, plan_item(address, current, current), NOTHING)
        if status == CONFIGURING and not spec.wait:
            raise SupervisorFailed(
                f"Workload Management on cluster '{spec.cluster}' is CONFIGURING and vCenter changes it only once RUNNING:"
                " set wait: true to wait for that, or rerun later",
                state=state,
            )
        body = update_body({d.option: d.api_value for d in differences}) if differences else None
        operation = UPDATE if differences else NOTHING
        return SupervisorPlan(
            spec, state, plan_item(address, before, after, reasons), operation, body, settle=status if status == CONFIGURING else None,
            upgrade=upgrade,
        )

    def _version_plan(self, spec, state):
        """(``state`` with its Software, the version to upgrade to or None) for the ``kubernetes_version`` asked; raises,
        before any change, for a version vCenter does not offer this Supervisor. Read only when the option is set."""
        if spec.kubernetes_version is None:
            return state, None
        software = self._software.of(state.cluster_id)
        if software is None:
            return state, None  # enabled a moment ago: vCenter lists its version once it runs
        state = replace(state, software=software)
        return state, upgrade_target(spec.subject, software, spec.kubernetes_version)

    def _reenable_plan(self, spec, state, refused_item, forced):
        """Disable and enable again, when ``allow_reenable`` says so; otherwise raise, carrying ``refused_item``."""
        if not spec.allow_reenable:
            if forced:
                changes = "; ".join(f"{d.option}: {d.before} -> {d.after}" for d in forced)
                message = (
                    f"Cannot change Workload Management on cluster '{spec.cluster}' in place: {changes}: vCenter cannot change"
                    f" {'this' if len(forced) == 1 else 'these'} on an enabled Supervisor, so it {FORCES_REENABLE}, which deletes the"
                    " Supervisor's namespaces and workloads: set allow_reenable: true to do that, or keep the current values"
                )
            else:
                message = (
                    f"Workload Management on cluster '{spec.cluster}' is in ERROR: {_message_text(state.info)}: fix the cause and let"
                    " vCenter reconcile it, or set allow_reenable: true to disable and enable it again (which deletes its namespaces and workloads)"
                )
            raise SupervisorFailed(message, state=state, item=refused_item)
        # Options left unset keep their live values; only the password, which vCenter never returns, must be given again.
        live = self._live_view(state.info)
        full = _with_live_values(spec, live)
        full.validate()
        full.validate_complete(f"re-enabling Workload Management ({FORCES_REENABLE})")
        item = plan_item(refused_item.address, nest(live), _enable_view(full), refused_item.reasons)
        return SupervisorPlan(full, state, item, REENABLE, enable_body(full, self._resolve(full)), api=enable_api(self._rest))

    def _differences(self, spec, info):
        ids = self._resolve(spec)
        differences = []
        if spec.zones is not None:
            live = self.live_zones(self._catalog.id_of(CLUSTER, spec.cluster, "cluster"))
            if live != list(spec.zones):
                differences.append(Difference("zones", live, list(spec.zones), None, in_place=False))
        for setting in SETTINGS:
            wanted = desired_value(spec, setting)
            if wanted is None:
                continue
            live = live_value(info, setting)
            if setting.reference:
                if ids[setting.option] != live:
                    differences.append(Difference(setting.option, self._name(setting, live), wanted, ids[setting.option], setting.in_place))
            elif wanted != live:
                differences.append(Difference(setting.option, live, wanted, wanted, setting.in_place))
        return differences

    def _resolve(self, spec):
        """``{option: identifier}`` for the set options that name vCenter objects; every unknown name is reported at once.

        Options enabling defaults to another one's value (``storage_policies.image``)
        are left out: ``enable_body`` takes them from that option.
        """
        lookups = {
            "network": partial(self._catalog.id_of, NETWORK),
            "portgroup": partial(self._catalog.id_of, NETWORK, distributed=True),
            "policy": partial(self._catalog.id_of, STORAGE_POLICY),
            "library": partial(self._catalog.id_of, CONTENT_LIBRARY),
        }
        ids = {}
        problems = []
        for setting in SETTINGS:
            name = spec.get(setting.option) if setting.reference else None
            if name is None:
                continue
            try:
                ids[setting.option] = lookups[setting.reference](name, setting.option)
            except (NotFoundError, InvalidArgumentError) as error:
                problems.append(error)
        if problems:
            messages = "; ".join(problem.message for problem in problems)
            raise InvalidArgumentError(f"Invalid Workload Management settings for cluster '{spec.cluster}': {messages}") from problems[0]
        return ids

    def _name(self, setting, object_id):
        """The name of the object ``setting`` refers to by ``object_id``, for views and messages."""
        if object_id is None:
            return None
        kinds = {"network": NETWORK, "portgroup": NETWORK, "policy": STORAGE_POLICY, "library": CONTENT_LIBRARY}
        return self._catalog.name_of(kinds[setting.reference], object_id)

    def _set_view(self, spec, state):
        """The live values of the options ``spec`` sets, keyed like the options."""
        view = nest({s.option: self._display_live(s, state.info) for s in SETTINGS if spec.get(s.option) is not None})
        if spec.kubernetes_version is not None and state.software is not None:
            view["kubernetes_version"] = state.software.current
        return view

    def _live_view(self, info):
        """``{option: value}`` of every option vCenter reports (names for references; the password is never returned)."""
        view = {s.option: self._display_live(s, info) for s in SETTINGS}
        return {option: value for option, value in view.items() if value not in (None, [])}

    def _display_live(self, setting, info):
        value = live_value(info, setting)
        return self._name(setting, value) if setting.reference else value

    # -- apply --------------------------------------------------------------------

    def apply(self, plan):
        """Carry out ``plan`` and, with ``wait``, wait until vCenter is done; return the state reached.

        Raises SupervisorFailed when the Supervisor ends in ERROR or the wait
        times out, carrying the state reached.
        """
        spec, state = plan.spec, plan.state
        if plan.operation == NOTHING and plan.upgrade is None and not (spec.wait and state.status in (CONFIGURING, REMOVING)):
            return state
        path = f"{CLUSTERS_PATH}/{state.cluster_id}"
        deadline = self._clock() + spec.wait_timeout
        changed = False
        self._zones_by_cluster = None  # what runs where may change: read again by a later plan
        self._software.forget()
        try:
            if plan.settle:
                state = self._wait(state, lambda s: s.status != plan.settle, deadline, f"{plan.settle} to end")
            if plan.operation in (DISABLE, REENABLE):
                self._rest.post(
                    path,
                    params={"action": "disable"},
                    what=f"disable Workload Management on cluster '{spec.cluster}'",
                    # Taken: the Supervisor is being removed, or is gone.
                    read_back=lambda: (self._info(spec.cluster, state.cluster_id) or {}).get("config_status") in (None, REMOVING),
                )
                changed = True
            if plan.operation == REENABLE:
                # vCenter enables a cluster again only once the old Supervisor is gone.
                state = self._wait(state, lambda s: s.info is None, deadline, "Workload Management to be removed")
            if plan.operation in (ENABLE, REENABLE):
                self._rest.post(
                    plan.api.path(state.cluster_id, spec.zones),
                    params={"action": plan.api.action(spec.zones)},
                    json=plan.api.body(plan.body, spec.cluster, spec.zones),
                    what=f"enable Workload Management on cluster '{spec.cluster}'",
                    # Taken: the cluster has a Supervisor again (before the enable, it had none).
                    read_back=lambda: self._info(spec.cluster, state.cluster_id) is not None,
                )
                changed = True
            elif plan.operation == UPDATE:
                self._rest.patch(path, json=plan.body, what=f"update Workload Management on cluster '{spec.cluster}'")
                changed = True
            if not spec.wait:
                state = replace(state, info=self._info(spec.cluster, state.cluster_id))
            elif spec.state == "enabled":
                state = self._wait(state, lambda s: s.status in (RUNNING, ERROR, None), deadline, "the Supervisor to be RUNNING")
            else:
                state = self._wait(state, lambda s: s.info is None, deadline, "Workload Management to be removed")
            if spec.state == "enabled" and spec.kubernetes_version is not None and state.status == RUNNING:
                state, upgraded = self._upgrade(plan, state, deadline)
                changed = changed or upgraded
        except WaitTimeout as error:
            raise SupervisorFailed(f"{error.message}: vCenter carries on; rerun to wait again", state=error.reached, changed=changed) from error
        if spec.state == "enabled" and state.status == ERROR:
            verb = {ENABLE: "enable", REENABLE: "re-enable", UPDATE: "update"}.get(plan.operation, "enable")
            raise SupervisorFailed(
                f"Failed to {verb} Workload Management on cluster '{spec.cluster}': vCenter reports ERROR: {_message_text(state.info)}:"
                " fix the cause, then rerun with allow_reenable: true to disable and enable it again",
                state=state,
                changed=changed,
            )
        if spec.state == "enabled" and state.info is None:
            message = f"Workload Management on cluster '{spec.cluster}' was removed while it was being enabled: rerun to enable it"
            raise SupervisorFailed(message, state=state, changed=changed)
        return state

    def _upgrade(self, plan, state, deadline):
        """Bring the RUNNING Supervisor to the version planned (after an enable, the version asked, resolved against
        what vCenter offers now) and wait until vCenter reports it; (state reached, whether an upgrade was asked for)."""
        spec = plan.spec
        software = self._software.read(state.cluster_id, spec.cluster)
        target = plan.upgrade
        if plan.operation in (ENABLE, REENABLE):
            try:
                target = upgrade_target(spec.subject, software, spec.kubernetes_version)
            except InvalidArgumentError as error:
                enabled = replace(state, software=software)
                raise SupervisorFailed(f"Workload Management was enabled, but {error.message}", state=enabled, changed=True) from error
        if target is None:
            return replace(state, software=software), False
        if target not in (software.desired, software.current):  # not under way (or done) already
            self._software.upgrade(state.cluster_id, spec.cluster, target)
        try:
            reached = wait_until(
                lambda: self._software.read(state.cluster_id, spec.cluster),
                lambda software: software.state != PENDING,
                timeout=max(0.0, deadline - self._clock()),
                what=f"the Supervisor of cluster '{spec.cluster}' to run {target}",
                describe=lambda software: f"{software.state}, running {software.current}",
                clock=self._clock,
                sleep=self._sleep,
            )
        except WaitTimeout as error:
            reached = replace(state, software=error.reached)
            raise SupervisorFailed(f"{error.message}: vCenter carries on; rerun to wait again", state=reached, changed=True) from error
        state = replace(state, software=reached)
        if reached.state == SOFTWARE_ERROR or reached.current != target:
            why = "; ".join(reached.messages) or "vCenter gives no message"
            message = f"Failed to upgrade the Supervisor of cluster '{spec.cluster}' to {target}: it runs {reached.current}: {why}"
            raise SupervisorFailed(message, state=state, changed=True)
        return state, True

    def _wait(self, state, done, deadline, what):
        def read():
            return replace(state, info=self._info(state.cluster, state.cluster_id))

        return wait_until(
            read,
            done,
            timeout=max(0.0, deadline - self._clock()),
            what=f"{what} on cluster '{state.cluster}'",
            describe=lambda s: s.status or "not enabled",
            clock=self._clock,
            sleep=self._sleep,
        )


def _with_live_values(spec, live):
    """``spec`` with every unset option taken from ``live`` (``{option: value}``)."""
    changes = {}
    for option, value in live.items():
        if spec.get(option) is not None:
            continue
        group, dot, leaf = option.partition(".")
        if dot:
            changes.setdefault(group, dict(getattr(spec, group) or {}))[leaf] = value
        else:
            changes[group] = value
    return replace(spec, **changes)


def _enable_view(spec):
    """The options enabling sends, keyed like the options, the password masked."""
    view = {}
    for setting in SETTINGS:
        value = spec.enable_value(setting.option)
        if value is None:
            continue
        view[setting.option] = normal_endpoint(value, spec.get("load_balancer.type")) if setting.option == "load_balancer.endpoint" else setting.normal(value)
    view.update({option: MASKED for option in SECRET_OPTIONS if spec.get(option) is not None})
    if spec.zones:
        view["zones"] = list(spec.zones)
    if spec.kubernetes_version:
        view["kubernetes_version"] = spec.kubernetes_version
    return nest(view)


def _messages(messages):
    return [{"severity": m.get("severity"), "message": (m.get("details") or {}).get("default_message")} for m in messages or ()]


def _message_text(info):
    texts = [m["message"] for m in _messages((info or {}).get("messages")) if m["message"]]
    return "; ".join(texts) or "vCenter gives no message"
