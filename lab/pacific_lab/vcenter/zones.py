"""vSphere Zones (`vcenter.consumption_domains`, vSphere API 8.0.0.1): zones and the clusters bound to them.

A zone is created empty and bound to a cluster through its associations; a
Supervisor enabled on a cluster that no zone holds gets a zone made for it.
vSphere 8 maps a zone to one cluster and a cluster to one zone; a cluster a
zone cannot take is reported in the answer's `failed_clusters` (the
operation supports partial success), not as an error of the whole call.
"""

import re
import threading

from . import errors
from .schema import Field, Str, Struct, require

ZONE = "zone"  # store kind
# Zones.CreateSpec.zone: 63 characters or less, lowercase alphanumerics and '-', alphanumeric at both ends.
ZONE_ID = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
CREATE_SPEC = Struct("Zones.CreateSpec", {
    "zone": Field(Str(), required=True),
    "description": Field(Str()),
})


class Zones:
    def __init__(self, store, clusters, supervisor_on):
        self._store = store
        self._clusters = clusters  # callable: the cluster moids of the inventory
        self._supervisor_on = supervisor_on  # callable(zone id): the Supervisor running on it, or None
        self._lock = threading.RLock()

    # --- Zones ------------------------------------------------------------------

    def list(self):
        return {"items": [{"zone": doc["zone"], "info": {"description": doc["description"]}}
                          for doc in self._store.all(ZONE)]}

    def get(self, zone):
        return {"description": self._existing(zone)["description"]}

    def create(self, spec):
        require(CREATE_SPEC, spec)
        zone = spec["zone"]
        if not ZONE_ID.match(zone):
            raise errors.invalid_fields([("spec.zone", f"{zone!r} is not a zone identifier: at most 63 lowercase letters,"
                                                        " digits and '-', starting and ending with a letter or digit")])
        with self._lock:
            if self._store.get(ZONE, zone) is not None:
                raise errors.already_exists(f"Zone {zone} already exists.", zone)
            self._store.put(ZONE, zone, {"zone": zone, "description": spec.get("description") or "", "clusters": []})
        return zone

    def delete(self, zone):
        with self._lock:
            self._existing(zone)
            supervisor = self._supervisor_on(zone)
            if supervisor is not None:
                raise errors.not_allowed(f"Zone {zone} cannot be deleted: Supervisor {supervisor} runs on it.", zone)
            self._store.delete(ZONE, zone)

    # --- Zones.Cluster.Associations ---------------------------------------------

    def associations(self, zone):
        return list(self._existing(zone)["clusters"])

    def add(self, zone, clusters):
        """Bind `clusters` to `zone`: Associations.Status, with each cluster that could not be bound and why."""
        clusters = _cluster_list(clusters)
        with self._lock:
            doc = self._existing(zone)
            known = set(self._clusters())
            failed = {}
            for cluster in clusters:
                holder = self.zone_of(cluster)
                if cluster not in known:
                    failed[cluster] = _failure("NOT_FOUND", f"Cluster {cluster} not found.")
                elif holder not in (None, zone):
                    failed[cluster] = _failure("ALREADY_EXISTS", f"Cluster {cluster} already belongs to zone {holder}.")
                elif holder is None and doc["clusters"]:
                    failed[cluster] = _failure("UNSUPPORTED", f"Zone {zone} already holds cluster {doc['clusters'][0]};"
                                                              " a zone maps to one cluster.")
                elif holder is None:
                    doc["clusters"].append(cluster)
            self._store.put(ZONE, zone, doc)
        return {"success": not failed, "failed_clusters": failed}

    def remove(self, zone, clusters):
        clusters = _cluster_list(clusters)
        with self._lock:
            doc = self._existing(zone)
            supervisor = self._supervisor_on(zone)
            failed = {cluster: _failure("NOT_ALLOWED_IN_CURRENT_STATE", f"Supervisor {supervisor} runs on zone {zone}.")
                      for cluster in clusters if supervisor is not None and cluster in doc["clusters"]}
            doc["clusters"] = [cluster for cluster in doc["clusters"] if cluster not in clusters or cluster in failed]
            self._store.put(ZONE, zone, doc)
        return {"success": not failed, "failed_clusters": failed}

    # --- for the Supervisors -------------------------------------------------------

    def zone_of(self, cluster):
        return next((doc["zone"] for doc in self._store.all(ZONE) if cluster in doc["clusters"]), None)

    def ensure_for(self, cluster, name):
        """The zone holding `cluster`; when there is none, zone `name` is made and bound to it (as enabling does)."""
        with self._lock:
            zone = self.zone_of(cluster)
            if zone is not None:
                return zone
            if self._store.get(ZONE, name) is None:
                self._store.put(ZONE, name, {"zone": name, "description": "", "clusters": []})
            status = self.add(name, [cluster])
            if not status["success"]:
                raise errors.invalid_fields([("spec.zone", status["failed_clusters"][cluster]["messages"][0]["default_message"])])
            return name

    def _existing(self, zone):
        doc = self._store.get(ZONE, zone)
        if doc is None:
            raise errors.not_found(f"Zone {zone} not found.", zone)
        return doc


def _cluster_list(clusters):
    if not isinstance(clusters, list) or not all(isinstance(cluster, str) for cluster in clusters):
        raise errors.invalid_fields([("clusters", "expected an array of cluster identifiers")])
    return clusters


def _failure(error_type, text):
    """An entry of Associations.Status.failed_clusters: a vAPI standard error."""
    return {"error_type": error_type, "messages": [errors.message("vcenter.lab.zone.association", text)]}
