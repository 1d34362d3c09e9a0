"""The OpenAPI documents of the API server, built from the served kinds' schemas.

- `/openapi/v3`: the index, one entry per group-version (`api/v1`,
  `apis/<g>/<v>`) with its `serverRelativeURL` and content hash;
  `/openapi/v3/<entry>`: an OpenAPI 3.0 document with the paths of the
  group-version's kinds (each operation marked `x-kubernetes-group-version-kind`
  and `x-kubernetes-action`, writes taking `dryRun`, `fieldManager` and
  `fieldValidation`, so kubectl validates on the server) and their schemas
  under `components.schemas`, named as the API server names them
  (`io.k8s.api.core.v1.Secret`, `com.vmware.run.v1alpha3.TanzuKubernetesCluster`).
  kubectl reads it for `explain`, for server-side field validation and for
  patches.
- `/openapi/v2`: the Swagger 2.0 document of every kind (definitions only;
  `nullable` and `anyOf` dropped as the API server drops them for v2), as
  JSON or, as kubectl asks for it, gnostic protobuf (`openapi_proto`).

A kind's `metadata` is a reference to `ObjectMeta`, as the API server publishes it.
"""

import copy
import hashlib
import json

OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_STRING = {"type": "string"}
_STRINGS = {"type": "object", "additionalProperties": _STRING}
OBJECT_META_SCHEMA = {
    "description": "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
    "type": "object",
    "properties": {
        "name": dict(_STRING, description="Name must be unique within a namespace."),
        "generateName": dict(_STRING, description="An optional prefix the server uses to generate a unique name."),
        "namespace": dict(_STRING, description="The namespace the object is in; empty for cluster-scoped objects."),
        "uid": dict(_STRING, description="The unique identifier of the object, set by the server."),
        "resourceVersion": dict(_STRING, description="An opaque value representing the internal version of the object."),
        "generation": {"type": "integer", "format": "int64", "description": "A sequence number for a specific generation of the desired state."},
        "creationTimestamp": dict(_STRING, format="date-time", description="The server time when the object was created."),
        "deletionTimestamp": dict(_STRING, format="date-time", description="When the object will be deleted, set by the server."),
        "deletionGracePeriodSeconds": {"type": "integer", "format": "int64"},
        "labels": dict(_STRINGS, description="Map of string keys and values to organize and categorize objects."),
        "annotations": dict(_STRINGS, description="Unstructured key value map of arbitrary metadata."),
        "finalizers": {"type": "array", "items": _STRING, "x-kubernetes-list-type": "set",
                       "description": "Must be empty before the object is deleted from the registry."},
        "ownerReferences": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["uid"],
                            "items": {"type": "object", "required": ["apiVersion", "kind", "name", "uid"], "properties": {
                                "apiVersion": _STRING, "kind": _STRING, "name": _STRING, "uid": _STRING,
                                "controller": {"type": "boolean"}, "blockOwnerDeletion": {"type": "boolean"}}}},
        "managedFields": {"type": "array", "items": {"type": "object", "properties": {
            "manager": _STRING, "operation": _STRING, "apiVersion": _STRING, "time": dict(_STRING, format="date-time"),
            "fieldsType": _STRING, "fieldsV1": {"type": "object"}, "subresource": _STRING}}},
    },
}
_QUERY = {name: {"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}, "description": text} for name, text in (
    ("dryRun", "When present, modifications are not persisted: All processes every stage."),
    ("fieldManager", "A name associated with the actor or entity that is making these changes."),
    ("fieldValidation", "How the server treats unknown or duplicate fields: Ignore, Warn or Strict."),
    ("pretty", "If 'true', the output is pretty printed."),
)}
_FORCE = {"name": "force", "in": "query", "schema": {"type": "boolean", "uniqueItems": True},
          "description": "Force is going to \"force\" Apply requests."}
_PATCH_TYPES = ("application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json")
_STRATEGIC = "application/strategic-merge-patch+json"


def schema_name(resource):
    """`resource`'s definition name: the API server's (Java-style reversed group, version, kind)."""
    if resource.group == "" or resource.group.endswith(".k8s.io") and "." not in resource.group[:-len(".k8s.io")]:
        prefix = f"io.k8s.api.{resource.group.split('.')[0] or 'core'}"
    else:
        prefix = ".".join(reversed(resource.group.split(".")))
    return f"{prefix}.{resource.version}.{resource.kind}"


def _gvk(resource, kind=None):
    return {"group": resource.group, "version": resource.version, "kind": kind or resource.kind}


def kind_schema(resource):
    """The kind's schema as published: its own, `metadata` a reference to ObjectMeta, its group-version-kind marked."""
    schema = copy.deepcopy(resource.schema or {"type": "object", "x-kubernetes-preserve-unknown-fields": True})
    properties = schema.setdefault("properties", {})
    properties["metadata"] = {"allOf": [{"$ref": f"#/components/schemas/{OBJECT_META}"}], "default": {},
                              "description": "Standard object's metadata."}
    properties.setdefault("apiVersion", dict(_STRING, description="APIVersion defines the versioned schema of this representation of an object."))
    properties.setdefault("kind", dict(_STRING, description="Kind is a string value representing the REST resource this object represents."))
    schema["x-kubernetes-group-version-kind"] = [_gvk(resource)]
    return schema


def list_schema(resource):
    return {"type": "object", "required": ["items"], "x-kubernetes-group-version-kind": [_gvk(resource, resource.list_kind)],
            "properties": {"apiVersion": _STRING, "kind": _STRING, "metadata": {"type": "object"},
                           "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema_name(resource)}"}}}}


def group_versions(scheme):
    """{index key: (group, version)}: `api/v1` and `apis/<g>/<v>` of every served group-version."""
    found = {}
    for resource in scheme.types:
        key = f"apis/{resource.group}/{resource.version}" if resource.group else f"api/{resource.version}"
        found.setdefault(key, (resource.group, resource.version))
    return dict(sorted(found.items()))


class OpenApi:
    """The documents of one scheme, built on first use and kept (the scheme does not change while served)."""

    def __init__(self, scheme, kubernetes_version):
        self.scheme = scheme
        self.kubernetes_version = kubernetes_version
        self._v3 = {}
        self._v2 = None
        self._v2_proto = None

    def v3_index(self):
        return {"paths": {key: {"serverRelativeURL": f"/openapi/v3/{key}?hash={self._hash(key)}"} for key in group_versions(self.scheme)}}

    def v3(self, key):
        """The OpenAPI 3.0 document of index entry `key` (`apis/run.tanzu.vmware.com/v1alpha3`), None if none."""
        if key not in self._v3:
            group_version = group_versions(self.scheme).get(key)
            if group_version is None:
                return None
            self._v3[key] = self._v3_document(*group_version)
        return self._v3[key]

    def v2(self):
        if self._v2 is None:
            definitions = {OBJECT_META: _as_v2(OBJECT_META_SCHEMA)}
            for resource in self.scheme.types:
                definitions[schema_name(resource)] = _as_v2(kind_schema(resource))
            self._v2 = {"swagger": "2.0", "info": {"title": "Kubernetes", "version": self.kubernetes_version},
                        "paths": {}, "definitions": definitions}
        return self._v2

    def v2_protobuf(self):
        if self._v2_proto is None:
            from .openapi_proto import encode_document

            self._v2_proto = encode_document(self.v2())
        return self._v2_proto

    def _hash(self, key):
        return hashlib.sha512(json.dumps(self.v3(key), sort_keys=True).encode()).hexdigest()[:128].upper()

    def _v3_document(self, group, version):
        served = [t for t in self.scheme.types if (t.group, t.version) == (group, version)]
        schemas = {OBJECT_META: OBJECT_META_SCHEMA}
        paths = {}
        for resource in served:
            schemas[schema_name(resource)] = kind_schema(resource)
            schemas[schema_name(resource) + "List"] = list_schema(resource)
            paths.update(_paths(resource))
        return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": self.kubernetes_version},
                "paths": paths, "components": {"schemas": schemas}}


def _paths(resource):
    base = f"/apis/{resource.group}/{resource.version}" if resource.group else f"/api/{resource.version}"
    collection = f"{base}/namespaces/{{namespace}}/{resource.plural}" if resource.namespaced else f"{base}/{resource.plural}"
    item = collection + "/{name}"
    reference = {"$ref": f"#/components/schemas/{schema_name(resource)}"}
    body = {"content": {"application/json": {"schema": reference}, "application/yaml": {"schema": reference}}, "required": True}
    answer = {"200": {"description": "OK", "content": {"application/json": {"schema": reference}}}}
    writes = [_QUERY["dryRun"], _QUERY["fieldManager"], _QUERY["fieldValidation"]]
    verbs = set(resource.verbs)

    def operation(action, verb, parameters=(), request=None, kind=None):
        found = {"operationId": f"{verb}{resource.kind}", "parameters": [*parameters, _QUERY["pretty"]], "responses": answer,
                 "x-kubernetes-action": action, "x-kubernetes-group-version-kind": _gvk(resource, kind)}
        if request is not None:
            found["requestBody"] = request
        return found

    patch_types = _PATCH_TYPES if resource.custom else (*_PATCH_TYPES, _STRATEGIC)
    patch_body = {"content": {media: {"schema": {"type": "object"}} for media in patch_types}, "required": True}
    collection_ops, item_ops = {}, {}
    if "list" in verbs:
        collection_ops["get"] = operation("list", "list", kind=resource.list_kind)
    if "create" in verbs:
        collection_ops["post"] = operation("post", "create", writes, body)
    if "deletecollection" in verbs:
        collection_ops["delete"] = operation("deletecollection", "deletecollection", writes[:1])
    if "get" in verbs:
        item_ops["get"] = operation("get", "read")
    if "update" in verbs:
        item_ops["put"] = operation("put", "replace", writes, body)
    if "patch" in verbs:
        item_ops["patch"] = operation("patch", "patch", [*writes, _FORCE], patch_body)
    if "delete" in verbs:
        item_ops["delete"] = operation("delete", "delete", writes[:1])
    paths = {}
    if collection_ops:
        paths[collection] = collection_ops
    if item_ops:
        paths[item] = item_ops
    return paths


def _as_v2(schema):
    """A structural OpenAPI v3 schema as the API server publishes it in v2: no `nullable`, `anyOf`, `oneOf` or `not`;
    references to `#/definitions/`."""
    if isinstance(schema, list):
        return [_as_v2(each) for each in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {}
    for key, value in schema.items():
        if key in ("nullable", "anyOf", "oneOf", "not"):
            continue
        if key == "$ref":
            converted[key] = value.replace("#/components/schemas/", "#/definitions/")
        elif key in ("properties", "patternProperties"):
            converted[key] = {name: _as_v2(each) for name, each in value.items()}
        elif key in ("items", "additionalProperties", "allOf"):
            converted[key] = _as_v2(value)
        else:
            converted[key] = value
    return converted
