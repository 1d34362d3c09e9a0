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

from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import SUPERVISOR
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.graph import REMOVE
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.base import Kind, Planned, readdressed
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import REPLACE, version_digest
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.catalog import Catalog
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor import DISABLE, ENABLE, FORCES_REENABLE, WorkloadManagement


def catalog(context):
    """The run's one catalog of vCenter names."""
    return context.shared("catalog", lambda: Catalog(context.sessions.rest()))


def workload_management(context):
    return context.shared(
        "workload_management", lambda: WorkloadManagement(context.sessions.rest(), context.sessions.vim_session, catalog=catalog(context))
    )


def supervisor_states(context, clusters):
    """``{cluster: SupervisorState}``, each cluster read once in the run whichever kind asks first."""
    known = context.shared("supervisor_states", dict)
    missing = [cluster for cluster in clusters if cluster not in known]
    if missing:
        known.update(workload_management(context).read_all(missing))
    return {cluster: known[cluster] for cluster in clusters}


class SupervisorKind(Kind):
    name = SUPERVISOR

    def read_all(self, desired):
        states = supervisor_states(self.context, [each.spec.cluster for each in desired])
        return {each.address: states[each.spec.cluster] for each in desired}

    def plan(self, desired, live):
        work = workload_management(self.context).plan(desired.spec, live)
        item = readdressed(work.item, desired.address)
        if work.forces_reenable:
            forced = tuple(reason.split(":", 1)[0] for reason in item.reasons if FORCES_REENABLE in reason) or ("config_status",)
            item = replace(item, action=REPLACE, forces=forced)
        view = None if live.info is None else {"config_status": live.status, **(work.item.before or {})}
        return Planned(desired, item, None if view is None else version_digest(view), work, live.summary())

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
