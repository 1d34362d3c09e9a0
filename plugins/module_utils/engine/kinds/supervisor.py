# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Workload Management (the Supervisor) of a cluster, through resources.supervisor.

All Supervisors of a run are read with one list of clusters, one list of
Supervisors and one GET per enabled one. A change vCenter can only make by
disabling and enabling again is planned as a replacement, naming what forces
it; the per-object module refuses it unless ``allow_reenable``, and so does
the engine until the topology can say so.
"""

from __future__ import annotations

from dataclasses import replace

from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import SUPERVISOR, Desired, address
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.graph import REMOVE
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.base import Kind, Planned, readdressed
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.ownership import ABSENT, NOT_MARKED, OWNED, Owner
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import REPLACE, UPDATE, version_digest
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.catalog import CLUSTER, Catalog
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.ownership import CLUSTER_TYPE
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor import CONFIGURING, DISABLE, ENABLE, FORCES_REENABLE, WorkloadManagement
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_spec import SupervisorSpec

# How long the disable of a Supervisor whose entry left the topology may take (the default of wait_timeout).
ORPHAN_WAIT_TIMEOUT = 1800


def catalog(context):
    """The run's one catalog of vCenter names."""
    return context.shared("catalog", lambda: Catalog(context.sessions.rest()))


def workload_management(context):
    return context.shared("workload_management", lambda: WorkloadManagement(context.sessions.rest(), context.sessions.vim_session, catalog=catalog(context)))


def supervisor_states(context, clusters):
    """``{cluster: SupervisorState}``, each cluster read once in the run whichever kind asks first."""
    known = context.shared("supervisor_states", dict)
    missing = [cluster for cluster in clusters if cluster not in known]
    if missing:
        known.update(workload_management(context).read_all(missing))
    return {cluster: known[cluster] for cluster in clusters}


class SupervisorKind(Kind):
    name = SUPERVISOR

    def orphans(self, desired, planned):
        names = catalog(self.context)
        named = {names.known_id(CLUSTER, each.spec.cluster) for each in desired}
        found = []
        for cluster_id in sorted(self.context.marked().clusters - named):
            cluster = names.name_of(CLUSTER, cluster_id)
            if cluster == cluster_id:
                continue  # the cluster itself is gone, and its Supervisor with it
            spec = SupervisorSpec(cluster=cluster, state="disabled", wait=True, wait_timeout=ORPHAN_WAIT_TIMEOUT)
            found.append(Desired(SUPERVISOR, address(SUPERVISOR, cluster), spec, scope={"orphan": True}, path=f"the Supervisor of cluster {cluster}"))
        return found

    def teardown(self, desired):
        spec = desired.spec
        return replace(desired, spec=SupervisorSpec(cluster=spec.cluster, state="disabled", wait=True, wait_timeout=spec.wait_timeout))

    def owner(self, planned):
        if planned.view is None:
            return Owner(ABSENT)
        marked, cluster_id = self.context.marked(), planned.view["cluster_moid"]
        return Owner(OWNED if cluster_id in marked.clusters else NOT_MARKED, cluster_id in marked.protected_clusters)

    def mark(self, planned):
        if self.context.ownership is not None:
            self.context.marks().mark(CLUSTER_TYPE, self._cluster_id(planned), protect=bool(planned.desired.scope.get("protect")))

    def unmark(self, planned):
        if self.context.ownership is not None:
            self.context.marks().unmark(CLUSTER_TYPE, self._cluster_id(planned))

    def _cluster_id(self, planned):
        return catalog(self.context).id_of(CLUSTER, planned.desired.spec.cluster, "cluster")

    def read_all(self, desired):
        states = supervisor_states(self.context, [each.spec.cluster for each in desired])
        return {each.address: states[each.spec.cluster] for each in desired}

    def plan(self, desired, live):
        work = workload_management(self.context).plan(desired.spec, live)
        item = readdressed(work.item, desired.address)
        if work.forces_reenable:
            forced = tuple(reason.split(":", 1)[0] for reason in item.reasons if FORCES_REENABLE in reason) or ("config_status",)
            item = replace(item, action=REPLACE, forces=forced)
        settling = live.status == CONFIGURING and desired.spec.state != "disabled"
        if settling and not item.changed:
            # An enable or update in progress (a run cut short): applying waits until it is RUNNING.
            item = replace(item, action=UPDATE, reasons=("config_status is CONFIGURING: waiting for RUNNING is part of the apply",))
        # The version is what the user sets: a status that moves on by itself (CONFIGURING, then RUNNING) does not make a plan stale.
        version = None if live.info is None else version_digest(work.item.before or {})
        return Planned(desired, item, version, work, live.summary(), settling=settling)

    def plan_deferred(self, desired):
        raise AssertionError("a Supervisor's parent, Spherelet, is always read")

    def apply(self, planned, phase):
        work = planned.work
        if work.forces_reenable:
            # A replacement runs as two steps, disable then enable, so that what depends on the Supervisor goes in between.
            if phase == REMOVE:
                work = replace(work, spec=replace(work.spec, state="disabled"), operation=DISABLE, body=None)
            else:
                work = replace(work, state=replace(work.state, info=None), operation=ENABLE)
        reached = workload_management(self.context).apply(work)
        self.context.shared("supervisor_states", dict)[work.spec.cluster] = reached
        return reached.summary()
