# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The control-plane VM set of a Supervisor and its mandatory anti-affinity rule, through resources.control_plane_vms.

All clusters of a run are read in one PropertyCollector retrieval. The
object's state is ``{"vms": [...], "rule": {...}}``; on a Supervisor's own
VMs the rule is what changes. Before the Supervisor exists its VMs do not
either: the set is then planned as a create with members known after apply.
"""

from __future__ import annotations

from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import CONTROL_PLANE
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.base import Kind, Planned
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.inventory import vim_inventory
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import KNOWN_AFTER_APPLY, NONE, PlanItem, plan_item, version_digest
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.control_plane_vms import ControlPlaneVms


def _view(vms, rule):
    return {"vms": [{key: vm[key] for key in ("name", "host", "power_state")} for vm in vms], "rule": rule}


class ControlPlaneKind(Kind):
    name = CONTROL_PLANE

    def _vms(self):
        return self.context.shared("control_plane_vms", lambda: ControlPlaneVms(self.context.sessions.vim()))

    def read_all(self, desired, *, fresh=False):
        found = None if fresh else vim_inventory(self.context)
        states = self._vms().read_all([each.spec for each in desired], found=found) if desired else []
        return {each.address: state for each, state in zip(desired, states)}

    def current(self, planned):
        # Planned before its Supervisor existed: read what is there now, not the plan's snapshot.
        if not planned.deferred:
            return planned
        return self.plan(planned.desired, self.read_all([planned.desired], fresh=True)[planned.desired.address])

    def plan(self, desired, live):
        work = self._vms().plan(desired.spec, live)
        before = _view(live.vms, live.rule_dict())
        version = version_digest(before)
        if not work.changed:
            return Planned(desired, PlanItem(desired.address, NONE, before, before), version, work, before)
        reasons = [f"{item.address}: {'; '.join(item.reasons) or item.action}" for item in work.items if item.changed]
        if desired.spec.state == "absent":
            after = None
        else:
            vms, rule, _placement_ok = work.predicted()
            after = _view(vms, rule)
        exists = live.vms or live.rule is not None
        return Planned(desired, plan_item(desired.address, before if exists else None, after, reasons), version, work, before)

    def plan_deferred(self, desired):
        spec = desired.spec
        rule = {"name": spec.effective_rule_name, "enabled": True, "mandatory": spec.mandatory, "members": KNOWN_AFTER_APPLY}
        return Planned(desired, plan_item(desired.address, None, {"vms": KNOWN_AFTER_APPLY, "rule": rule}), deferred=True)

    def apply(self, planned, phase):
        planned = self.current(planned)
        if not planned.item.changed:
            return planned.item.after
        after = self._vms().apply(planned.work)
        return _view(after.vm_dicts(), after.rule_dict())
