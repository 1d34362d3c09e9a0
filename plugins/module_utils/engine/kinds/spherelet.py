# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Spherelet on the hosts of a cluster: one object per cluster, its rollout done by resources.host_vib.

All clusters of a run are read in one PropertyCollector retrieval, then one
FetchSoftwarePackages per connected host (vSphere has no bulk read of
installed VIBs). The object's state is ``{"hosts": {host: version}}``.
"""

from __future__ import annotations

from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import SPHERELET
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.base import Kind, Planned
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.inventory import vim_inventory
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import plan_item, version_digest
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.host_vib import HostVibs


class SphereletKind(Kind):
    name = SPHERELET

    def _vibs(self):
        return self.context.shared("host_vibs", lambda: HostVibs(self.context.sessions.vim(), self.context.read_descriptor))

    def read_all(self, desired):
        clusters = [each.scope["cluster"] for each in desired]
        hosts = self._vibs().read_clusters("spherelet", clusters, found=vim_inventory(self.context)) if clusters else {}
        return {each.address: hosts[each.scope["cluster"]] for each in desired}

    def plan(self, desired, live):
        rollout = self._vibs().plan(desired.spec, live)
        installed = {host.name: host.vib["version"] for host in live if host.vib is not None}
        before = {"hosts": installed} if installed else None
        after_versions = {step.host.name: step.planned_version_after for step in rollout.steps if step.planned_version_after is not None}
        after = {"hosts": after_versions} if after_versions else None
        reasons = [
            f"{step.host.name}: {reason}"
            for step in rollout.steps
            if step.item.changed
            for reason in (step.item.reasons or (f"{step.version_before} -> {step.planned_version_after}",))
        ]
        item = plan_item(desired.address, before, after if rollout.changed else before, reasons)
        return Planned(desired, item, version_digest(installed), rollout, before)

    def plan_deferred(self, desired):
        raise AssertionError("Spherelet depends on nothing the run creates")

    def apply(self, planned, phase):
        results = self._vibs().apply(planned.work)
        versions = {result["name"]: result["version_after"] for result in results if result["version_after"] is not None}
        return {"hosts": versions} if versions else None
