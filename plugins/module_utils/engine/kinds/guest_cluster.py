# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Guest clusters on the Supervisors, through resources.guest_cluster.

Each Supervisor is logged in to once a run. With ownership, every
namespace the topology's marks say holds its guest clusters costs one list
per kind of cluster it holds (TKC, Cluster): that finds the clusters whose
entries left the file, by their label, and serves the reads of the file's
clusters there. Any other cluster costs one GET. A cluster whose apply would change something is previewed
with the API server's dry run, so the plan shows what the Supervisor itself
would make of it. A cluster of a namespace this run creates is planned as a
create and planned again when its turn comes.
"""

from __future__ import annotations

from dataclasses import replace

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.supervisor import NAMESPACE as NAMESPACE_RESOURCE
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import GUEST_CLUSTER, NAMESPACE, Desired, address
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.base import Kind, Planned, in_parallel, readdressed
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.supervisor import ORPHAN_WAIT_TIMEOUT, supervisor_states
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.ownership import ABSENT, NOT_MARKED, OWNED, Owner
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import NotFoundError, ResourceBusyError, UnauthorizedError
from ansible_collections.pacific.vsphere.plugins.module_utils.manifests import API_RESOURCES
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import KNOWN_AFTER_APPLY, UPDATE, plan_item
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.guest_cluster import GuestClusters, describe, is_ready
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.guest_cluster_spec import GuestClusterSpec
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.ownership import LABEL, PROTECT_LABEL
from ansible_collections.pacific.vsphere.plugins.module_utils.waiter import wait_until

RUNNING = "RUNNING"
# How long a namespace vCenter reports may take to appear on its Supervisor.
NAMESPACE_REALIZATION_TIMEOUT = 120


class GuestClusterKind(Kind):
    name = GUEST_CLUSTER

    def _clusters(self, host):
        return self.context.shared(("guest_clusters", host), lambda: GuestClusters(self.context.sessions.supervisor(host)))

    def _lists(self):
        """``{(host, namespace, api): [clusters]}`` listed this run."""
        return self.context.shared("guest_cluster_lists", dict)

    def orphans(self, desired, planned):
        marked = self.context.marked()
        holding = []
        for namespace_address, one in planned.items():
            kind, _dot, where = namespace_address.partition(".")
            cluster, _slash, name = where.partition("/")
            if kind == NAMESPACE and one.item.before is not None:
                holding += [(cluster, name, api) for api in API_RESOURCES if (api, name) in marked.holding]
        states = supervisor_states(self.context, sorted({cluster for cluster, _name, _api in holding}))
        readable = sorted(
            (states[cluster].info["api_server_cluster_endpoint"], cluster, name, api) for cluster, name, api in holding if states[cluster].status == RUNNING
        )

        def listed(entry):
            host, _cluster, name, api = entry
            try:
                return (host, name, api), self.context.sessions.supervisor(host).list(API_RESOURCES[api], name)
            except (NotFoundError, UnauthorizedError):
                return (host, name, api), None  # not on the Supervisor yet: the file's clusters there are read one by one

        self._lists().update((key, objects) for key, objects in in_parallel(listed, readable) if objects is not None)
        wanted = {each.address for each in desired}
        found = []
        for host, cluster, name, api in readable:
            for obj in self._lists().get((host, name, api), ()):
                metadata = obj["metadata"]
                gc_address = address(GUEST_CLUSTER, name, metadata["name"])
                if (metadata.get("labels") or {}).get(LABEL) != self.context.ownership.topology or gc_address in wanted or _made_by_another(obj):
                    continue
                spec = GuestClusterSpec(name=metadata["name"], namespace=name, api=api, state="absent", wait_timeout=ORPHAN_WAIT_TIMEOUT)
                scope = {"supervisor_cluster": cluster, "orphan": True}
                found.append(Desired(GUEST_CLUSTER, gc_address, spec, (address(NAMESPACE, cluster, name),), scope, f"guest cluster {name}/{metadata['name']}"))
        return found

    def teardown(self, desired):
        spec = desired.spec
        return replace(desired, spec=GuestClusterSpec(name=spec.name, namespace=spec.namespace, api=spec.api, state="absent", wait_timeout=spec.wait_timeout))

    def owner(self, planned):
        live = None if planned.work is None else planned.work[1].live
        if live is None:
            return Owner(ABSENT)
        labels = live["metadata"].get("labels") or {}
        return Owner(OWNED if labels.get(LABEL) == self.context.ownership.topology else NOT_MARKED, labels.get(PROTECT_LABEL) == "true")

    def mark(self, planned):
        if self.context.ownership is None:
            return
        spec = planned.desired.spec
        self.context.marks().mark_holding(spec.effective_api, spec.namespace)
        live = None if planned.work is None else planned.work[1].live
        if live is not None and self.owner(planned).state == NOT_MARKED:
            host = planned.work[0]
            self._clusters(host).label(spec.resource, spec.cluster_namespace, spec.cluster_name, {LABEL: self.context.ownership.topology})

    def _labels(self, desired):
        """The labels that mark a cluster as the topology's (and protected): set with every apply of its manifest."""
        if self.context.ownership is None:
            return None
        return {LABEL: self.context.ownership.topology, **({PROTECT_LABEL: "true"} if desired.scope.get("protect") else {})}

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
        # The lists of the plan serve its first read only: what is read again when applied is read afresh.
        lists = dict(self._lists())
        self._lists().clear()

        def read(each):
            state = states[each.scope["supervisor_cluster"]]
            if state.status != RUNNING:
                # A Supervisor that is gone took its guest clusters with it: nothing left to delete
                # there; one still to be made (check mode) will have them all to create.
                return each.address, (None, None)
            host = state.info["api_server_cluster_endpoint"]
            spec = each.spec
            listed = lists.get((host, spec.cluster_namespace, spec.effective_api))
            if listed is None:
                return each.address, (host, self._clusters(host).read(spec))
            return each.address, (host, next((obj for obj in listed if obj["metadata"]["name"] == spec.cluster_name), None))

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
        work = clusters.plan(desired.spec, obj, labels=self._labels(desired))
        outcome = clusters.preview(work)
        item = readdressed(outcome.item, desired.address)
        if obj is not None and desired.spec.state == "present" and not item.changed and not is_ready(obj):
            # Made by a run cut short, or still building: applying waits until it is Ready.
            item = replace(item, action=UPDATE, reasons=("not Ready yet: waiting for it is part of the apply",))
        version = None if obj is None else f"{obj['metadata'].get('uid')}/{obj['metadata'].get('generation')}"
        return Planned(desired, item, version, (host, work), describe(obj))

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


def _made_by_another(obj):
    """A Cluster that a TanzuKubernetesCluster made: the TanzuKubernetesCluster stands for it."""
    return any(owner.get("kind") == "TanzuKubernetesCluster" for owner in obj["metadata"].get("ownerReferences") or ())
