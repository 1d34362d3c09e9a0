"""The kinds a vSphere 8 Supervisor serves, as `ResourceType`s of one scheme.

Custom resources come from the CRD files in `crds/` (their openAPIV3Schema
of each served version); the built-in kinds the lab needs (Namespace,
ResourceQuota, Secret, ConfigMap, Event, StorageClass) get small structural
schemas here, covering their documented fields, so that they are pruned and
validated the same way.
"""

import functools
from pathlib import Path

import yaml

from .apimachinery import reviews
from .apimachinery.resources import ResourceType, Scheme

CRD_DIR = Path(__file__).resolve().parent / "crds"
# CRD file -> versions a vSphere 8 Supervisor serves (the first is the storage version).
SERVED_CRDS = {
    "run.tanzu.vmware.com_tanzukubernetesclusters.yaml": ("v1alpha3",),
    "run.tanzu.vmware.com_tanzukubernetesreleases.yaml": ("v1alpha3",),
    "cluster.x-k8s.io_clusters.yaml": ("v1beta1",),
    "cluster.x-k8s.io_clusterclasses.yaml": ("v1beta1",),
    "cluster.x-k8s.io_machinedeployments.yaml": ("v1beta1",),
    "vmoperator.vmware.com_virtualmachines.yaml": ("v1alpha3", "v1alpha2", "v1alpha1"),
    "vmoperator.vmware.com_virtualmachineclasses.yaml": ("v1alpha3", "v1alpha2", "v1alpha1"),
}

_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_QUANTITY = {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]}
_QUANTITY_MAP = {"type": "object", "additionalProperties": _QUANTITY}
_META = {"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"}}


def _object(properties, required=()):
    schema = {"type": "object", "properties": {**_META, **properties}}
    if required:
        schema["required"] = list(required)
    return schema


NAMESPACE_SCHEMA = _object({
    "spec": {"type": "object", "properties": {"finalizers": {"type": "array", "items": {"type": "string"}}}},
    "status": {"type": "object", "properties": {
        "phase": {"type": "string", "enum": ["Active", "Terminating"]},
        "conditions": {"type": "array", "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
    }},
})
RESOURCE_QUOTA_SCHEMA = _object({
    "spec": {"type": "object", "properties": {"hard": _QUANTITY_MAP,
                                              "scopes": {"type": "array", "items": {"type": "string"}}}},
    "status": {"type": "object", "properties": {"hard": _QUANTITY_MAP, "used": _QUANTITY_MAP}},
})
SECRET_SCHEMA = _object({
    "data": _STRING_MAP, "stringData": _STRING_MAP, "type": {"type": "string"}, "immutable": {"type": "boolean"},
})
CONFIG_MAP_SCHEMA = _object({"data": _STRING_MAP, "binaryData": _STRING_MAP, "immutable": {"type": "boolean"}})
_OBJECT_REFERENCE = {"type": "object", "properties": {
    k: {"type": "string"} for k in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")}}
EVENT_SCHEMA = _object({
    "involvedObject": _OBJECT_REFERENCE, "related": _OBJECT_REFERENCE,
    "reason": {"type": "string"}, "message": {"type": "string"}, "type": {"type": "string"},
    "source": {"type": "object", "properties": {"component": {"type": "string"}, "host": {"type": "string"}}},
    "firstTimestamp": {"type": "string", "nullable": True}, "lastTimestamp": {"type": "string", "nullable": True},
    "eventTime": {"type": "string", "nullable": True}, "count": {"type": "integer"},
    "action": {"type": "string"}, "reportingComponent": {"type": "string"}, "reportingInstance": {"type": "string"},
    "series": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
}, required=("involvedObject",))
STORAGE_CLASS_SCHEMA = _object({
    "provisioner": {"type": "string", "minLength": 1}, "parameters": _STRING_MAP,
    "reclaimPolicy": {"type": "string", "enum": ["Delete", "Retain"]},
    "volumeBindingMode": {"type": "string", "enum": ["Immediate", "WaitForFirstConsumer"]},
    "allowVolumeExpansion": {"type": "boolean"}, "mountOptions": {"type": "array", "items": {"type": "string"}},
    "allowedTopologies": {"type": "array", "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
}, required=("provisioner",))

_LOOSE = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
_CONDITIONS = {"type": "array", "items": _LOOSE}
NODE_SCHEMA = _object({
    "spec": {"type": "object", "properties": {
        "unschedulable": {"type": "boolean"}, "providerID": {"type": "string"}, "podCIDR": {"type": "string"},
        "taints": {"type": "array", "items": {"type": "object", "properties": {
            k: {"type": "string"} for k in ("key", "value", "effect", "timeAdded")}}}}},
    "status": {"type": "object", "properties": {
        "conditions": _CONDITIONS, "addresses": {"type": "array", "items": _LOOSE}, "capacity": _QUANTITY_MAP,
        "allocatable": _QUANTITY_MAP, "nodeInfo": {"type": "object", "properties": {
            k: {"type": "string"} for k in ("kubeletVersion", "kubeProxyVersion", "osImage", "kernelVersion",
                                            "containerRuntimeVersion", "operatingSystem", "architecture",
                                            "machineID", "systemUUID", "bootID")}}}},
})
# Pods, services and claims are kept as written: the lab runs no vSphere Pod, service or volume controller.
POD_SCHEMA = _object({"spec": _LOOSE, "status": _LOOSE})
SERVICE_SCHEMA = _object({"spec": _LOOSE, "status": _LOOSE})
PVC_SCHEMA = _object({"spec": _LOOSE, "status": _LOOSE})

EVENT_FIELDS = tuple((f"involvedObject.{k}", f"involvedObject.{k}")
                     for k in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")) + (
    ("reason", "reason"), ("type", "type"), ("source", "source.component"))


def builtin_types():
    def builtin(group, kind, plural, namespaced, schema, **extra):
        return ResourceType(group, "v1", kind, plural, namespaced, schema, custom=False, tracks_generation=False,
                            **extra)
    return [
        builtin("", "Namespace", "namespaces", False, NAMESPACE_SCHEMA, short_names=("ns",),
                subresources=frozenset({"status"}), selectable_fields=(("status.phase", "status.phase"),)),
        builtin("", "ResourceQuota", "resourcequotas", True, RESOURCE_QUOTA_SCHEMA, short_names=("quota",),
                subresources=frozenset({"status"})),
        builtin("", "Secret", "secrets", True, SECRET_SCHEMA, selectable_fields=(("type", "type"),)),
        builtin("", "ConfigMap", "configmaps", True, CONFIG_MAP_SCHEMA, short_names=("cm",)),
        builtin("", "Event", "events", True, EVENT_SCHEMA, short_names=("ev",), selectable_fields=EVENT_FIELDS),
        builtin("storage.k8s.io", "StorageClass", "storageclasses", False, STORAGE_CLASS_SCHEMA, short_names=("sc",)),
        builtin("", "Node", "nodes", False, NODE_SCHEMA, short_names=("no",), subresources=frozenset({"status"}),
                selectable_fields=(("spec.unschedulable", "spec.unschedulable"),)),
        builtin("", "Pod", "pods", True, POD_SCHEMA, short_names=("po",), categories=("all",),
                subresources=frozenset({"status"}),
                selectable_fields=(("spec.nodeName", "spec.nodeName"), ("status.phase", "status.phase"))),
        builtin("", "Service", "services", True, SERVICE_SCHEMA, short_names=("svc",), categories=("all",),
                subresources=frozenset({"status"})),
        builtin("", "PersistentVolumeClaim", "persistentvolumeclaims", True, PVC_SCHEMA, short_names=("pvc",),
                subresources=frozenset({"status"})),
    ]


def crd_types(path, served_versions):
    """ResourceTypes of the served versions of one CRD file; the first served version is stored."""
    crd = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    spec = crd["spec"]
    names = spec["names"]
    by_name = {version["name"]: version for version in spec["versions"]}
    types = []
    for version_name in served_versions:
        version = by_name[version_name]
        types.append(ResourceType(
            group=spec["group"], version=version_name, kind=names["kind"], plural=names["plural"],
            namespaced=spec["scope"] == "Namespaced", schema=version["schema"]["openAPIV3Schema"],
            short_names=tuple(names.get("shortNames") or ()), categories=tuple(names.get("categories") or ()),
            subresources=frozenset(k for k in (version.get("subresources") or {}) if k in ("status", "scale")),
            storage_version=served_versions[0],
            printer_columns=tuple(version.get("additionalPrinterColumns") or ()),
            scale=(version.get("subresources") or {}).get("scale"),
        ))
    return types


_V1ALPHA1_POWER_STATES = {"PoweredOn": "poweredOn", "PoweredOff": "poweredOff", "Suspended": "suspended"}
_POWER_STATES = {v: k for k, v in _V1ALPHA1_POWER_STATES.items()}


def convert_virtual_machine(obj, to_version):
    """VirtualMachine between v1alpha1 and v1alpha2/3, for the fields the lab writes.

    v1alpha1 spells power states in lower camel case and reports the address
    as `status.vmIp`; later versions say `PoweredOn` and `status.network.primaryIP4`.
    Everything else the lab uses has the same shape in all three versions.
    """
    converted = {**obj, "spec": dict(obj.get("spec") or {}), "status": dict(obj.get("status") or {})}
    spec, status = converted["spec"], converted["status"]
    old_style = to_version == "v1alpha1"
    states = _V1ALPHA1_POWER_STATES if old_style else _POWER_STATES
    for part in (spec, status):
        if part.get("powerState") in states:
            part["powerState"] = states[part["powerState"]]
    if old_style:
        address = (status.pop("network", None) or {}).get("primaryIP4")
        if address:
            status["vmIp"] = address
    elif "vmIp" in status:
        status["network"] = {"primaryIP4": status.pop("vmIp")}
        status.pop("phase", None)
    if not converted["status"]:
        del converted["status"]
    return converted


@functools.lru_cache(maxsize=4)
def supervisor_scheme(kubernetes_minor=26):
    """The scheme of every kind a Supervisor of Kubernetes 1.`kubernetes_minor` serves (built once per version; its
    schemas are shared, read-only)."""
    scheme = _core_scheme(kubernetes_minor)
    for file_name, versions in SERVED_CRDS.items():
        for resource in crd_types(CRD_DIR / file_name, versions):
            scheme.add(resource, convert_virtual_machine if resource.kind == "VirtualMachine" else None)
    return scheme


@functools.lru_cache(maxsize=4)
def guest_cluster_scheme(kubernetes_minor):
    """The kinds the lab's API server of a guest cluster of Kubernetes 1.`kubernetes_minor` serves: the built-in ones
    (its nodes, and what a user creates first), no custom resource."""
    return _core_scheme(kubernetes_minor)


def _core_scheme(kubernetes_minor):
    scheme = Scheme()
    for resource in builtin_types() + reviews.review_types(kubernetes_minor):
        scheme.add(resource)
    return scheme


def resource(kind, version=None):
    """The ResourceType of `kind` at `version` (default: its storage version)."""
    for candidate in supervisor_scheme().types:
        if candidate.kind == kind and (candidate.version == version or
                                       (version is None and candidate.version == candidate.stored_version)):
            return candidate
    raise KeyError(f"the Supervisor serves no {kind} {version or ''}".strip())
