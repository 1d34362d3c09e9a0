# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""vSphere Zones (vCenter 8): a zone and the cluster bound to it.

vCenter 8 maps a zone to one cluster and a cluster to one zone; a Supervisor
enabled on three zones runs one control-plane VM in each zone's cluster.
``read_all()`` costs one list of zones and one read of associations per zone
(the list carries no clusters), in parallel. A zone's description cannot be
changed in place (the Zones API has no update): changing it replaces the
zone, which vCenter allows only while no Supervisor runs on it.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Optional

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, NotFoundError, PacificError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import plan_item
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.catalog import CLUSTER, Catalog
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.enable_api import zones_unsupported

ZONES_PATH = "/api/vcenter/consumption-domains/zones"
# Zones.CreateSpec.zone: at most 63 lowercase letters, digits and '-', a letter or digit at both ends.
ZONE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
ZONE_NAME_RULE = "at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"
MAX_PARALLEL_READS = 8


class ZoneFailed(PacificError):
    """vCenter refused part of a zone change; ``changed`` says whether this run changed anything before."""

    def __init__(self, message, *, changed):
        super().__init__(message)
        self.changed = changed

    def details(self):
        return {"changed": self.changed}


@dataclass(frozen=True)
class ZoneSpec:
    """What the user asks of one zone; ``cluster`` is a name (None: leave the binding as it is)."""

    name: str
    cluster: Optional[str] = None
    description: Optional[str] = None
    state: str = "present"

    def validate(self):
        """Raise InvalidArgumentError, naming the option, on a value vCenter would refuse (before any request)."""
        if not ZONE_NAME.match(self.name or ""):
            raise InvalidArgumentError(f"name: {self.name!r} is not a zone name: {ZONE_NAME_RULE}")


@dataclass(frozen=True)
class Zone:
    """A zone as vCenter has it: its cluster's moid (None: no cluster bound)."""

    name: str
    description: str
    cluster_id: Optional[str]


class Zones:
    """The vSphere Zones of one vCenter, through a REST client."""

    def __init__(self, rest, *, catalog=None):
        self._rest = rest
        self._catalog = catalog or Catalog(rest)

    def read_all(self):
        """``{name: Zone}``: one list, then the associations of each zone in parallel."""
        self._require_zones_api()
        listed = (self._rest.get(ZONES_PATH, what="list the vSphere Zones") or {}).get("items", [])
        names = [item["zone"] for item in listed]
        descriptions = {item["zone"]: (item.get("info") or {}).get("description", "") for item in listed}
        clusters = {}
        if names:
            with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_READS, len(names))) as pool:
                clusters = dict(zip(names, pool.map(self._cluster_of, names)))
        return {name: Zone(name, descriptions[name], clusters.get(name)) for name in names}

    def cluster_id(self, name):
        """The moid of the cluster named ``name``."""
        return self._catalog.id_of(CLUSTER, name, "cluster")

    def describe(self, zone):
        """What the modules return for ``zone`` (None when it does not exist)."""
        if zone is None:
            return None
        return {"name": zone.name, "description": zone.description, "cluster": self._cluster_name(zone.cluster_id), "cluster_moid": zone.cluster_id}

    # -- plan ---------------------------------------------------------------------

    def plan(self, spec, zones):
        """The PlanItem for ``spec`` given ``zones`` (``read_all()``); raises, before any change, on what vCenter would refuse."""
        spec.validate()
        live = zones.get(spec.name)
        before = self._view(live)
        if spec.state == "absent":
            return plan_item(f"zone/{spec.name}", before, None)
        wanted_cluster = live.cluster_id if live is not None and spec.cluster is None else None
        if spec.cluster is not None:
            wanted_cluster = self.cluster_id(spec.cluster)
            holder = next((zone.name for zone in zones.values() if zone.cluster_id == wanted_cluster and zone.name != spec.name), None)
            if holder is not None:
                raise InvalidArgumentError(
                    f"cluster: cluster '{spec.cluster}' belongs to zone '{holder}'; a cluster can be bound to one zone only: "
                    f"name another cluster, or remove it from zone '{holder}' first"
                )
        description = spec.description if spec.description is not None else (live.description if live is not None else "")
        after = {"description": description, "cluster": self._cluster_name(wanted_cluster)}
        reasons = [f"{key}: {before[key]!r} -> {after[key]!r}" for key in ("description", "cluster") if before is not None and before[key] != after[key]]
        forces = ("description",) if before is not None and before["description"] != description else ()
        return plan_item(f"zone/{spec.name}", before, after, reasons, forces)

    # -- apply --------------------------------------------------------------------

    def apply(self, spec, item, zones):
        """Carry out ``item`` (from ``plan``): create / bind / unbind / delete, in that order of need."""
        if not item.changed:
            return zones.get(spec.name)
        live = zones.get(spec.name)
        changed = False
        try:
            if live is not None and live.cluster_id and (item.action in ("delete", "replace") or item.after["cluster"] != item.before["cluster"]):
                self._associate(spec.name, "remove", live.cluster_id)
                changed = True
            if item.action in ("delete", "replace"):
                self._rest.delete(f"{ZONES_PATH}/{spec.name}", what=f"delete vSphere Zone '{spec.name}'")
                changed = True
            if item.action == "delete":
                return None
            if item.action in ("create", "replace"):
                self._rest.post(
                    ZONES_PATH,
                    json={"zone": spec.name, "description": item.after["description"]},
                    what=f"create vSphere Zone '{spec.name}'",
                    read_back=lambda: self._exists(spec.name),
                )
                changed = True
            cluster_name = item.after["cluster"]
            if cluster_name is not None and (item.action in ("create", "replace") or item.before["cluster"] != cluster_name):
                self._associate(spec.name, "add", self.cluster_id(cluster_name))
                changed = True
        except ZoneFailed:
            raise
        except PacificError as error:
            raise ZoneFailed(f"{error.message}: rerun to carry on", changed=changed) from error
        return Zone(spec.name, item.after["description"], self.cluster_id(cluster_name) if cluster_name else None)

    # -- helpers ------------------------------------------------------------------

    def _require_zones_api(self):
        refusal = zones_unsupported(self._rest.vcenter_version())
        if refusal:
            raise InvalidArgumentError(refusal)

    def _cluster_of(self, name):
        clusters = self._rest.get(f"{ZONES_PATH}/cluster/{name}/associations", what=f"read the cluster of vSphere Zone '{name}'") or []
        return clusters[0] if clusters else None

    def _exists(self, name):
        try:
            self._rest.get(f"{ZONES_PATH}/{name}", what=f"read vSphere Zone '{name}'")
        except NotFoundError:
            return False
        return True

    def _associate(self, name, action, cluster_id):
        verb = "bind" if action == "add" else "unbind"
        status = self._rest.post(
            f"{ZONES_PATH}/cluster/{name}/associations",
            params={"action": action},
            json=[cluster_id],
            what=f"{verb} cluster '{self._cluster_name(cluster_id)}' to vSphere Zone '{name}'",
            idempotent=True,  # adding a bound cluster, or removing an unbound one, succeeds
        ) or {}
        if not status.get("success", True):
            failures = (status.get("failed_clusters") or {}).values()
            reasons = "; ".join(((failure or {}).get("messages") or [{}])[0].get("default_message", "no reason given") for failure in failures)
            raise ZoneFailed(f"vCenter could not {verb} cluster '{self._cluster_name(cluster_id)}' and zone '{name}': {reasons}", changed=False)

    def _cluster_name(self, cluster_id):
        return None if cluster_id is None else self._catalog.name_of(CLUSTER, cluster_id)

    def _view(self, zone):
        return None if zone is None else {"description": zone.description, "cluster": self._cluster_name(zone.cluster_id)}
