# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""vSphere Zones (vCenter 8), through resources.zone.

All zones of a run are read at once (one list, one association read per
zone, in parallel): a zone's plan needs them all, to refuse a cluster that
another zone holds. Zones come before the Supervisors that run on them and,
on a teardown, go after them.
"""

from __future__ import annotations

from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import ZONE, Desired, address
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.base import Kind, Planned, readdressed
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.supervisor import catalog
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.ownership import ABSENT, NOT_MARKED, OWNED, Owner
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import version_digest
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.ownership import ZONE_TYPE
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.zone import Zones, ZoneSpec


class ZoneKind(Kind):
    name = ZONE

    def _zones(self):
        return self.context.shared("zones", lambda: Zones(self.context.sessions.rest(), catalog=catalog(self.context)))

    def _live(self):
        return self.context.shared("zones_read", lambda: self._zones().read_all())

    def read_all(self, desired):
        live = self._live()
        return {each.address: live for each in desired}

    def orphans(self, desired, planned):
        gone = sorted(self.context.marked().zones - {each.spec.name for each in desired})
        if not gone:
            return []  # nothing is read: a vCenter 7 has no zones to look for
        live = self._live()
        return [
            Desired(ZONE, address(ZONE, name), ZoneSpec(name=name, state="absent"), scope={"orphan": True}, path=f"zone {name}")
            for name in gone
            if name in live  # marked, then never made (a run cut short) or deleted since: nothing to remove
        ]

    def plan(self, desired, live):
        zones = self._zones()
        item = readdressed(zones.plan(desired.spec, live), desired.address)
        version = None if item.before is None else version_digest(item.before)
        return Planned(desired, item, version, live, zones.describe(live.get(desired.spec.name)))

    def plan_deferred(self, desired):
        raise AssertionError("a zone has no parent")

    def apply(self, planned, phase):
        zones = self._zones()
        return zones.describe(zones.apply(planned.desired.spec, planned.item, planned.work))

    def owner(self, planned):
        if planned.view is None:
            return Owner(ABSENT)
        marked, name = self.context.marked(), planned.desired.spec.name
        return Owner(OWNED if name in marked.zones else NOT_MARKED, name in marked.protected_zones)

    def mark(self, planned):
        if self.context.ownership is not None:
            self.context.marks().mark(ZONE_TYPE, planned.desired.spec.name, protect=bool(planned.desired.scope.get("protect")))

    def unmark(self, planned):
        if self.context.ownership is not None:
            self.context.marks().unmark(ZONE_TYPE, planned.desired.spec.name)
