"""Supervisor Services installed on a Supervisor (vSphere Automation API `ClusterSupervisorServices`,
`/api/vcenter/namespace-management/clusters/{cluster}/supervisor-services`; lab/tests/reference/supervisor_services.json).

Installing an ACTIVATED version of a registered service makes its service
namespace, `svc-<prefix>-<cluster moid>` (the prefix is the first label of the
service's identifier), and the service is CONFIGURING for
`supervisor_service_seconds` of simulated time, then CONFIGURED at that
version; a new version (PATCH) configures again, and a delete is REMOVING
until the namespace is gone. A `service` fault (control API) makes the next
installs or upgrades of a service end in ERROR with its message, the service
staying at the version it ran.
"""

import logging
import threading

from . import errors, specs
from .clock import Cancelled
from .schema import require

log = logging.getLogger("pacific_lab.supervisor_services")

INSTALLED = "cluster_supervisor_service"  # store kind, keyed "<cluster moid>/<service>"
CONFIGURING, CONFIGURED, REMOVING, ERROR = "CONFIGURING", "CONFIGURED", "REMOVING", "ERROR"


class ClusterServices:
    def __init__(self, store, registry, supervisors, namespaces, settings, clock, faults):
        self._store = store
        self._registry = registry
        self._supervisors = supervisors
        self._namespaces = namespaces
        self._settings = settings
        self._clock = clock
        self._faults = faults
        self._lock = threading.RLock()
        self._workers = []

    def list(self, cluster_id):
        self._running_supervisor(cluster_id)
        return [{"supervisor_service": doc["service"], "desired_version": doc["desired_version"], "config_status": doc["config_status"],
                 **({"current_version": doc["current_version"]} if doc["current_version"] else {})}
                for doc in self._store.all(INSTALLED) if doc["cluster"] == cluster_id]

    def get(self, cluster_id, service_id):
        doc = self._existing(cluster_id, service_id)
        info = self._registry.get(service_id)
        return {"desired_version": doc["desired_version"], "service_namespace": doc["namespace"], "config_status": doc["config_status"],
                "messages": doc["messages"], "display_name": info["display_name"], "description": info["description"],
                "prefix": doc["prefix"], "yaml_service_config": doc["yaml_service_config"],
                **({"current_version": doc["current_version"]} if doc["current_version"] else {})}

    def create(self, cluster_id, spec):
        require(specs.CLUSTER_SERVICE_CREATE, spec)
        with self._lock:
            self._running_supervisor(cluster_id)
            service_id, version = spec["supervisor_service"], spec["version"]
            self._registry.require_activated(service_id, version)
            key = f"{cluster_id}/{service_id}"
            if self._store.get(INSTALLED, key) is not None:
                raise errors.already_exists(f"Supervisor Service {service_id} is already on the Supervisor of cluster {cluster_id}.", service_id)
            prefix = service_id.split(".", 1)[0]
            namespace = f"svc-{prefix}-{cluster_id}"
            self._namespaces.create_service_namespace(cluster_id, namespace, f"Supervisor Service {service_id}")
            self._store.put(INSTALLED, key, {
                "cluster": cluster_id, "service": service_id, "prefix": prefix, "namespace": namespace, "desired_version": version,
                "current_version": None, "config_status": CONFIGURING, "messages": [],
                "yaml_service_config": spec.get("yaml_service_config") or "", "service_config": spec.get("service_config") or {}})
            self._start(key)

    def update(self, cluster_id, service_id, spec):
        """PATCH: another version (an upgrade) and/or another configuration; the service configures again."""
        require(specs.CLUSTER_SERVICE_UPDATE, spec)
        with self._lock:
            doc = self._existing(cluster_id, service_id)
            if doc["config_status"] in (CONFIGURING, REMOVING):
                raise errors.not_allowed(f"Supervisor Service {service_id} is {doc['config_status']} on cluster {cluster_id}.", service_id)
            version = spec.get("version") or doc["desired_version"]
            self._registry.require_activated(service_id, version)
            doc.update(desired_version=version, config_status=CONFIGURING, messages=[])
            for field in ("yaml_service_config", "service_config"):
                if spec.get(field) is not None:
                    doc[field] = spec[field]
            self._store.put(INSTALLED, f"{cluster_id}/{service_id}", doc)
            self._start(f"{cluster_id}/{service_id}")

    def delete(self, cluster_id, service_id):
        with self._lock:
            doc = self._existing(cluster_id, service_id)
            if doc["config_status"] == REMOVING:
                return
            doc.update(config_status=REMOVING, messages=[])
            self._store.put(INSTALLED, f"{cluster_id}/{service_id}", doc)
            self._start(f"{cluster_id}/{service_id}")

    def remove_cluster(self, cluster_id):
        """Forget the services of a Supervisor being disabled (its namespaces go with it)."""
        with self._lock:
            for doc in self._store.all(INSTALLED):
                if doc["cluster"] == cluster_id:
                    self._store.delete(INSTALLED, f"{cluster_id}/{doc['service']}")

    # --- lab lifecycle ------------------------------------------------------

    def resume(self):
        """After a restart: carry on with the installs, upgrades and removals that were under way."""
        for doc in self._store.all(INSTALLED):
            if doc["config_status"] in (CONFIGURING, REMOVING):
                self._start(f"{doc['cluster']}/{doc['service']}")

    def join(self, timeout):
        for worker in self._workers:
            worker.join(timeout)
        self._workers = [worker for worker in self._workers if worker.is_alive()]

    # --- background work ------------------------------------------------------

    def _start(self, key):
        worker = threading.Thread(target=self._settle, args=(key,), daemon=True, name=f"supervisor-service-{key}")
        self._workers = [w for w in self._workers if w.is_alive()] + [worker]
        worker.start()

    def _settle(self, key):
        try:
            self._clock.sleep(self._settings.supervisor_service_seconds)
        except Cancelled:
            return
        with self._lock:
            doc = self._store.get(INSTALLED, key)
            if doc is None:
                return
            if doc["config_status"] == REMOVING:
                self._namespaces.delete(doc["namespace"])
                self._store.delete(INSTALLED, key)
                log.info("Supervisor Service %s removed", key)
                return
            failure = self._faults.service_error(doc["service"])
            if failure is not None:
                doc.update(config_status=ERROR, messages=[{
                    "severity": "ERROR", "details": {"id": "vcenter.wcp.supervisor.service.failed", "args": [doc["service"], failure],
                                                     "default_message": f"Failed to configure Supervisor Service {doc['service']}: {failure}"}}])
            else:
                doc.update(config_status=CONFIGURED, current_version=doc["desired_version"], messages=[])
            self._store.put(INSTALLED, key, doc)

    def _running_supervisor(self, cluster_id):
        if not self._supervisors.is_running(cluster_id):
            raise errors.not_found(f"Cluster {cluster_id} has no RUNNING Supervisor.", cluster_id)

    def _existing(self, cluster_id, service_id):
        self._running_supervisor(cluster_id)
        doc = self._store.get(INSTALLED, f"{cluster_id}/{service_id}")
        if doc is None:
            raise errors.not_found(f"Supervisor Service {service_id} is not on the Supervisor of cluster {cluster_id}.", service_id)
        return doc
