# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""vSphere Namespaces, through resources.namespace.

All namespaces of a run are read with one list and one GET per namespace
that exists (only the GET carries limits and access), in parallel; the names
they refer to are resolved through the run's one catalog. A namespace of a
Supervisor this run enables is planned as a create and planned again when
its turn comes.
"""

from __future__ import annotations

from dataclasses import replace

from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import NAMESPACE, SUPERVISOR, Desired, address
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.base import Kind, Planned, readdressed
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.supervisor import catalog
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.ownership import ABSENT, NOT_MARKED, OWNED, Owner
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import KNOWN_AFTER_APPLY, plan_item, version_digest
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.catalog import CLUSTER
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.namespace import Namespaces, NamespaceSpec, namespace_vms
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.ownership import NAMESPACE_TYPE


class NamespaceKind(Kind):
    name = NAMESPACE

    def _namespaces(self):
        context = self.context

        def make():
            sessions = context.sessions
            return Namespaces(sessions.rest(), namespace_vms=lambda cluster, name: namespace_vms(sessions.vim(), cluster, name), catalog=catalog(context))

        return context.shared("namespaces", make)

    def read_all(self, desired):
        infos = self._namespaces().read_infos([each.spec.name for each in desired]) if desired else {}
        return {each.address: infos[each.spec.name] for each in desired}

    def orphans(self, desired, planned):
        marked = self.context.marked()
        gone = sorted(marked.namespaces - {each.spec.name for each in desired})
        infos = self._namespaces().read_infos(gone) if gone else {}
        found = []
        for name, info in infos.items():
            if info is None:
                continue  # marked, then never made (a run cut short) or deleted since: nothing to remove
            cluster = catalog(self.context).name_of(CLUSTER, info["cluster"])
            parent = address(SUPERVISOR, cluster)
            scope = {"orphan": True, "guest_clusters": sum(held == name for _api, held in marked.holding)}
            found.append(
                Desired(
                    NAMESPACE,
                    address(NAMESPACE, cluster, name),
                    NamespaceSpec(name=name, state="absent"),
                    (parent,) if parent in planned else (),
                    scope,
                    f"namespace {name}",
                )
            )
        return found

    def teardown(self, desired):
        # Replaced with what it holds: its guest clusters are replaced first, so what is left goes with it.
        return replace(desired, spec=NamespaceSpec(name=desired.spec.name, state="absent", force=True))

    def owner(self, planned):
        if planned.item.before is None:
            return Owner(ABSENT)
        marked, name = self.context.marked(), planned.desired.spec.name
        return Owner(OWNED if name in marked.namespaces else NOT_MARKED, name in marked.protected_namespaces)

    def mark(self, planned):
        if self.context.ownership is not None:
            self.context.marks().mark(NAMESPACE_TYPE, planned.desired.spec.name, protect=bool(planned.desired.scope.get("protect")))

    def unmark(self, planned):
        if self.context.ownership is not None:
            self.context.marks().unmark(NAMESPACE_TYPE, planned.desired.spec.name)

    def plan(self, desired, live):
        return self._plan(desired, live, predicting=self.context.predicting)

    def _plan(self, desired, live, *, predicting):
        spec = desired.spec
        predicted = predicting and spec.state == "absent" and not spec.force and bool(desired.scope.get("guest_clusters"))
        if predicted:
            # A teardown deletes the topology's guest clusters first, and their nodes with them: a plan
            # made before (check mode, pacific plan) predicts the namespace delete that then follows,
            # and the delete is planned again, with the VMs checked, when its turn comes.
            spec = replace(spec, force=True)
        work = self._namespaces().plan(spec, live)
        before = work.item.before
        version = None if before is None else version_digest(before)
        return Planned(desired, readdressed(work.item, desired.address), version, work, work.live, deferred=predicted)

    def current(self, planned):
        if not planned.deferred:
            return planned
        return self._plan(planned.desired, self.read_all([planned.desired])[planned.desired.address], predicting=False)

    def plan_deferred(self, desired):
        after = {"cluster": desired.spec.cluster, **desired.spec.desired(), "config_status": KNOWN_AFTER_APPLY}
        return Planned(desired, plan_item(desired.address, None, after), deferred=True)

    def apply(self, planned, phase):
        planned = self.current(planned)
        if not planned.item.changed:
            return planned.work.predicted()
        return self._namespaces().apply(planned.work)
