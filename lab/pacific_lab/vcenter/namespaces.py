"""vSphere Namespaces (`/api/vcenter/namespaces/instances`) and their access lists.

A namespace lives on a RUNNING Supervisor; creating one creates its resource
pool under the cluster in vcsim (CPU limit in MHz, memory limit in MiB, as
its resource_spec says), where guest-cluster VMs land later. Deleting it
removes the pool.
"""

import threading

from pyVmomi import vim

from . import errors, specs
from .naming import check_dns_label
from .schema import require

NAMESPACE = "namespace"  # store kind
STATS = {"cpu_used": 0, "memory_used": 0, "storage_used": 0}


class Namespaces:
    def __init__(self, store, catalog, supervisors):
        self._store = store
        self._catalog = catalog
        self._supervisors = supervisors
        self._vsphere = None
        self._lock = threading.RLock()

    def bind(self, vsphere):
        self._vsphere = vsphere

    def all(self):
        return self._store.all(NAMESPACE)

    # --- instances ------------------------------------------------------------

    def list(self):
        return [{"namespace": doc["namespace"], "cluster": doc["cluster"], "config_status": doc["config_status"],
                 "description": doc["description"], "stats": dict(STATS), "self_service_namespace": False}
                for doc in self._store.all(NAMESPACE)]

    def get(self, name):
        doc = self._existing(name)
        return {**{key: value for key, value in doc.items() if key != "namespace"},
                "stats": dict(STATS), "self_service_namespace": False}

    def create(self, spec):
        require(specs.NAMESPACE_CREATE, spec)
        with self._lock:
            name, cluster_id = spec["namespace"], spec["cluster"]
            if reason := check_dns_label(name):
                raise errors.invalid_fields([("spec.namespace", reason)])
            cluster = self._vsphere.find(vim.ClusterComputeResource, cluster_id)
            if cluster is None:
                raise errors.invalid_fields([("spec.cluster", f"cluster {cluster_id!r} not found")])
            if not self._supervisors.is_running(cluster_id):
                raise errors.not_allowed(
                    f"Cluster {cluster_id} has no RUNNING Supervisor; namespaces can be created on one.", cluster_id)
            if self._store.get(NAMESPACE, name) is not None:
                raise errors.already_exists(f"Namespace {name} already exists.", name)
            cluster_id = self._supervisors.primary(cluster_id)  # a zonal Supervisor's namespaces are kept under its first cluster
            doc = {"namespace": name, "cluster": cluster_id, "config_status": "RUNNING", "messages": [],
                   **self._fields(spec, cluster_id)}
            self._check_values(doc)
            for cluster, share in self._clusters(doc):
                self._vsphere.create_resource_pool(cluster.resourcePool, name, *_limits(doc["resource_spec"], share))
            self._store.put(NAMESPACE, name, doc)

    def create_service_namespace(self, cluster_id, name, description):
        """The namespace a Supervisor Service runs in, made by vCenter itself (no limits, access or VM Service)."""
        with self._lock:
            if self._store.get(NAMESPACE, name) is not None:
                raise errors.already_exists(f"Namespace {name} already exists.", name)
            doc = {"namespace": name, "cluster": cluster_id, "config_status": "RUNNING", "messages": [],
                   **self._fields({"description": description}, cluster_id)}
            for cluster, share in self._clusters(doc):
                self._vsphere.create_resource_pool(cluster.resourcePool, name, *_limits(doc["resource_spec"], share))
            self._store.put(NAMESPACE, name, doc)

    def update(self, name, spec):
        """PATCH: the fields given replace the current ones; resource_spec fields merge
        (`<field>_unset: true` removes a limit)."""
        require(specs.NAMESPACE_UPDATE, spec)
        with self._lock:
            doc = self._existing(name)
            changes = {key: value for key, value in spec.items() if value is not None}
            if "resource_spec" in changes:
                changes["resource_spec"] = _merge_quota(doc["resource_spec"], changes["resource_spec"])
            if "vm_service_spec" in changes:  # replaced whole: a list left out becomes empty
                changes["vm_service_spec"] = _vm_service(changes["vm_service_spec"])
            self._replace(doc, {**doc, **changes})

    def set(self, name, spec):
        """PUT: the namespace's configuration becomes the spec (fields left out take their defaults)."""
        require(specs.NAMESPACE_SET, spec)
        with self._lock:
            doc = self._existing(name)
            fields = self._fields(spec, doc["cluster"])
            fields["networks"] = doc["networks"]  # not part of a SetSpec
            self._replace(doc, {**doc, **fields})

    def delete(self, name):
        with self._lock:
            doc = self._existing(name)
            self._delete_pool(doc)
            self._store.delete(NAMESPACE, name)

    def remove_cluster(self, cluster_id):
        """Delete the cluster's namespaces (Workload Management is being disabled there)."""
        with self._lock:
            for doc in self._store.all(NAMESPACE):
                if doc["cluster"] == cluster_id:
                    self._delete_pool(doc)
                    self._store.delete(NAMESPACE, doc["namespace"])

    def rebuild(self):
        """Re-create the resource pools of the stored namespaces in a fresh vcsim."""
        with self._lock:
            for doc in self._store.all(NAMESPACE):
                for cluster, share in self._clusters(doc):
                    if self._vsphere.resource_pool(cluster.resourcePool, doc["namespace"]) is None:
                        self._vsphere.create_resource_pool(cluster.resourcePool, doc["namespace"],
                                                           *_limits(doc["resource_spec"], share))

    # --- access ---------------------------------------------------------------

    def get_access(self, name, domain, subject, subject_type):
        entry = self._access_entry(self._existing(name), domain, subject, subject_type)
        if entry is None:
            raise errors.not_found(f"{subject_type} {domain}\\{subject} has no access to namespace {name}.",
                                   subject)
        return {"role": entry["role"], "inherited": False}

    def create_access(self, name, domain, subject, subject_type, spec):
        require(specs.ACCESS_ROLE, spec)
        with self._lock:
            doc = self._existing(name)
            if self._access_entry(doc, domain, subject, subject_type) is not None:
                raise errors.already_exists(
                    f"{subject_type} {domain}\\{subject} already has access to namespace {name}.", subject)
            entry = {"subject_type": subject_type, "subject": subject, "domain": domain, "role": spec["role"]}
            self._replace(doc, {**doc, "access_list": doc["access_list"] + [entry]})

    def set_access(self, name, domain, subject, subject_type, spec):
        require(specs.ACCESS_ROLE, spec)
        with self._lock:
            doc = self._existing(name)
            entry = self._access_entry(doc, domain, subject, subject_type)
            if entry is None:
                raise errors.not_found(f"{subject_type} {domain}\\{subject} has no access to namespace {name}.",
                                       subject)
            access_list = [{**item, "role": spec["role"]} if item is entry else item for item in doc["access_list"]]
            self._replace(doc, {**doc, "access_list": access_list})

    def delete_access(self, name, domain, subject, subject_type):
        with self._lock:
            doc = self._existing(name)
            entry = self._access_entry(doc, domain, subject, subject_type)
            if entry is None:
                raise errors.not_found(f"{subject_type} {domain}\\{subject} has no access to namespace {name}.",
                                       subject)
            self._replace(doc, {**doc, "access_list": [item for item in doc["access_list"] if item is not entry]})

    @staticmethod
    def _access_entry(doc, domain, subject, subject_type):
        return next((item for item in doc["access_list"] if (item["domain"], item["subject"], item["subject_type"])
                     == (domain, subject, subject_type)), None)

    # --- helpers --------------------------------------------------------------

    def _existing(self, name):
        doc = self._store.get(NAMESPACE, name)
        if doc is None:
            raise errors.not_found(f"Namespace {name} not found.", name)
        return doc

    def _fields(self, spec, cluster_id):
        """The configurable fields of a namespace from a Create/Set spec, with vCenter's defaults."""
        return {
            "description": spec.get("description") or "",
            "resource_spec": {key: value for key, value in (spec.get("resource_spec") or {}).items()
                              if value is not None},
            "access_list": spec.get("access_list") or [],
            "storage_specs": spec.get("storage_specs") or [],
            "networks": spec.get("networks") or self._supervisor_networks(cluster_id)[:1],
            "vm_service_spec": _vm_service(spec.get("vm_service_spec") or {}),
        }

    def _replace(self, doc, updated):
        self._check_values(updated)
        if _limits(updated["resource_spec"]) != _limits(doc["resource_spec"]):
            for cluster, share in self._clusters(doc):
                pool = self._vsphere.resource_pool(cluster.resourcePool, doc["namespace"])
                self._vsphere.update_resource_pool(pool, *_limits(updated["resource_spec"], share))
        self._store.put(NAMESPACE, doc["namespace"], updated)

    def _delete_pool(self, doc):
        for cluster, _ in self._clusters(doc):
            pool = self._vsphere.resource_pool(cluster.resourcePool, doc["namespace"])
            if pool is not None:
                self._vsphere.destroy(pool)

    def _clusters(self, doc):
        """(cluster, share of the limits) for each cluster the namespace has a resource pool in: on a zonal
        Supervisor one per zone's cluster, the limits split in equal parts (vSphere docs: "taken from all three
        underlying vSphere clusters in equal parts")."""
        found = [self._vsphere.find(vim.ClusterComputeResource, moid) for moid in self._supervisors.clusters_of(doc["cluster"])]
        found = [cluster for cluster in found if cluster is not None]
        return [(cluster, 1 / len(found)) for cluster in found]

    def _supervisor_networks(self, cluster_id):
        networks = self._supervisors.get(cluster_id).get("workload_networks") or {}
        primary = networks.get("supervisor_primary_workload_network")
        return [network["network"] for network in ([primary] if primary else []) + networks.get("network_list", [])]

    def _check_values(self, doc):
        problems = []
        for key, value in doc["resource_spec"].items():
            if value < 0:
                problems.append((f"spec.resource_spec.{key}", "must not be negative"))
        policies = self._catalog.policy_ids()
        for index, storage in enumerate(doc["storage_specs"]):
            if storage["policy"] not in policies:
                problems.append((f"spec.storage_specs[{index}].policy",
                                 f"storage policy {storage['policy']!r} not found (known: {sorted(policies)})"))
            if storage.get("limit") is not None and storage["limit"] < 0:
                problems.append((f"spec.storage_specs[{index}].limit", "must not be negative"))
        classes, libraries = self._catalog.vm_class_ids(), self._catalog.library_ids()
        for index, vm_class in enumerate(doc["vm_service_spec"]["vm_classes"]):
            if vm_class not in classes:
                problems.append((f"spec.vm_service_spec.vm_classes[{index}]", f"VM class {vm_class!r} not found"))
        for index, library in enumerate(doc["vm_service_spec"]["content_libraries"]):
            if library not in libraries:
                problems.append((f"spec.vm_service_spec.content_libraries[{index}]",
                                 f"content library {library!r} not found (known: {sorted(libraries)})"))
        known_networks = self._supervisor_networks(doc["cluster"])
        for index, network in enumerate(doc["networks"]):
            if network not in known_networks:
                problems.append((f"spec.networks[{index}]",
                                 f"{network!r} is not a workload network of the Supervisor (known: {known_networks})"))
        if problems:
            raise errors.invalid_fields(problems)


def _limits(resource_spec, share=1.0):
    """(CPU limit MHz, memory limit MiB) of one of the namespace's resource pools (its `share`); None: unlimited."""
    return tuple(None if limit is None else round(limit * share) for limit in (resource_spec.get("cpu_limit"), resource_spec.get("memory_limit")))


def _vm_service(spec):
    return {"content_libraries": spec.get("content_libraries") or [], "vm_classes": spec.get("vm_classes") or []}


def _merge_quota(current, update):
    merged = dict(current)
    for key, value in update.items():
        if key.endswith("_unset"):
            if value:
                merged.pop(key[:-len("_unset")], None)
        elif value is not None:
            merged[key] = value
    return merged
