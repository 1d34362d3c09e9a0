# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Guest clusters on the Supervisors, through resources.guest_cluster.

Each Supervisor is logged in to once a run; each cluster costs one GET. A
cluster whose apply would change something is previewed with the API
server's dry run, so the plan shows what the Supervisor itself would make of
it. A cluster of a namespace this run creates is planned as a create and
planned again when its turn comes.
"""

from __future__ import annotations

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.supervisor import NAMESPACE as NAMESPACE_RESOURCE
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import GUEST_CLUSTER
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.base import Kind, Planned, in_parallel, readdressed
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.supervisor import supervisor_states
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import ResourceBusyError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import KNOWN_AFTER_APPLY, plan_item
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.guest_cluster import GuestClusters, describe
from ansible_collections.pacific.vsphere.plugins.module_utils.waiter import wait_until

RUNNING = "RUNNING"
# How long a namespace vCenter reports may take to appear on its Supervisor.
NAMESPACE_REALIZATION_TIMEOUT = 120


class GuestClusterKind(Kind):
    name = GUEST_CLUSTER

    def _clusters(self, host):
        return self.context.shared(("guest_clusters", host), lambda: GuestClusters(self.context.sessions.supervisor(host)))

    def read_all(self, desired):
        states = supervisor_states(self.context, sorted({each.scope["supervisor_cluster"] for each in desired}))
        absent_everywhere = all(each.spec.state == "absent" for each in desired)
        not_running = sorted(
            cluster for cluster, state in states.items() if state.status != RUNNING or not (state.info or {}).get("api_server_cluster_endpoint")
        )
        if not_running and not absent_everywhere and not self.context.predicting:
            raise ResourceBusyError(
                f"No RUNNING Supervisor on cluster(s) {', '.join(not_running)}: build the Supervisors first (role pacific.vsphere.supervisor)"
            )

        def read(each):
            state = states[each.scope["supervisor_cluster"]]
            if state.status != RUNNING:
                # A Supervisor that is gone took its guest clusters with it: nothing left to delete
                # there; one still to be made (check mode) will have them all to create.
                return each.address, (None, None)
            host = state.info["api_server_cluster_endpoint"]
            spec = each.spec
            return each.address, (host, self._clusters(host).read(spec))

        return dict(in_parallel(read, desired))

    def plan(self, desired, live):
        host, obj = live
        if host is None:
            if self.context.predicting and desired.spec.state == "present":
                return self.plan_deferred(desired)
            return Planned(desired, plan_item(desired.address, None, None))
        clusters = self._clusters(host)
        if obj is None and desired.spec.state == "present":
            self._wait_for_namespace(host, desired.spec.namespace)
        work = clusters.plan(desired.spec, obj)
        outcome = clusters.preview(work)
        version = None if obj is None else f"{obj['metadata'].get('uid')}/{obj['metadata'].get('generation')}"
        return Planned(desired, readdressed(outcome.item, desired.address), version, (host, work), describe(obj))

    def _wait_for_namespace(self, host, namespace):
        """vCenter makes a new namespace on its Supervisor a moment after it reports it: wait for it (reads only, bounded)."""
        supervisor = self.context.sessions.supervisor(host)
        wait_until(
            lambda: supervisor.get(NAMESPACE_RESOURCE, namespace),
            lambda found: found is not None,
            timeout=NAMESPACE_REALIZATION_TIMEOUT,
            what=f"vSphere Namespace '{namespace}' to appear on Supervisor {host}",
            describe=lambda found: "not there",
        )

    def plan_deferred(self, desired):
        spec = desired.spec
        after = {
            "api": spec.effective_api,
            "kubernetes_version": spec.kubernetes_version,
            "control_plane": spec.control_plane,
            "node_pools": spec.node_pools,
            "api_endpoint": KNOWN_AFTER_APPLY,
        }
        return Planned(desired, plan_item(desired.address, None, after), deferred=True)

    def apply(self, planned, phase):
        planned = self.current(planned)
        if planned.work is None:
            return None
        host, work = planned.work
        return self._clusters(host).apply(work).cluster
