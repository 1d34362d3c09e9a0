"""The `scale` subresource of a custom resource that declares one (`kubectl scale machinedeployment/md --replicas=3`).

As the apiextensions API server serves it: an `autoscaling/v1` Scale whose
`spec.replicas` is the object's field at `specReplicasPath`, `status.replicas`
at `statusReplicasPath` and `status.selector` at `labelSelectorPath`; a
write of the Scale (PUT, or a merge / JSON / strategic merge patch of it)
writes the replicas back to the object, a main-resource update (generation
moves on), under the Scale's resourceVersion when it carries one.
"""

from . import errors, patch
from .registry import JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH
from .selectors import dotted

SCALE_API_VERSION = "autoscaling/v1"


def get(registry, resource, namespace, name):
    return as_scale(resource, registry.get(resource, namespace, name))


def update(registry, resource, namespace, name, body, caller, options):
    if not isinstance(body, dict) or body.get("kind", "Scale") != "Scale":
        raise errors.bad_request("the request body must be an autoscaling/v1 Scale")
    return _write(registry, resource, namespace, name, body, caller, options)


def patch_scale(registry, resource, namespace, name, content_type, document, caller, options):
    current = get(registry, resource, namespace, name)
    if content_type == JSON_PATCH:
        patched = patch.json_patch(current, document)
    elif content_type in (MERGE_PATCH, STRATEGIC_MERGE_PATCH):  # a Scale has no list: both merge alike
        if not isinstance(document, dict):
            raise errors.bad_request("a merge patch must be a JSON object")
        patched = patch.merge_patch(current, document)
    else:
        raise errors.unsupported_media_type([JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH])
    return _write(registry, resource, namespace, name, patched, caller, options)


def as_scale(resource, obj):
    paths = resource.scale
    metadata = obj["metadata"]
    status = {"replicas": _read(obj, paths.get("statusReplicasPath")) or 0}
    selector = _read(obj, paths.get("labelSelectorPath"))
    if selector:
        status["selector"] = selector
    return {"kind": "Scale", "apiVersion": SCALE_API_VERSION,
            "metadata": {key: metadata[key] for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if key in metadata},
            "spec": {"replicas": _read(obj, paths["specReplicasPath"]) or 0}, "status": status}


def _write(registry, resource, namespace, name, scale, caller, options):
    replicas = (scale.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise errors.invalid(resource, name, [errors.Cause("FieldValueInvalid", f"Invalid value: {replicas!r}: must be greater than or equal to 0",
                                                           "spec.replicas")])
    obj = registry.get(resource, namespace, name)
    wanted_version = (scale.get("metadata") or {}).get("resourceVersion")
    if wanted_version:
        obj["metadata"]["resourceVersion"] = wanted_version  # a conflict is the Scale's, as on the API server
    _set(obj, resource.scale["specReplicasPath"], replicas)
    outcome = registry.update(resource, namespace, name, obj, caller, options)
    return outcome.code, as_scale(resource, outcome.body), outcome.warnings


def _read(obj, path):
    """The value at a CRD's scale path (".spec.replicas"; None when the CRD names none)."""
    return dotted(obj, path.lstrip(".")) if path else None


def _set(obj, path, value):
    parts = path.lstrip(".").split(".")
    for part in parts[:-1]:
        obj = obj.setdefault(part, {})
    obj[parts[-1]] = value
