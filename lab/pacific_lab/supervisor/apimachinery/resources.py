"""Served kinds (`ResourceType`) and the scheme that holds them and answers discovery."""

import base64
import hashlib
import re
from dataclasses import dataclass, field
from typing import Callable, Optional

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
SUBRESOURCE_VERBS = ("get", "patch", "update")
_VERSION_RE = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


@dataclass(frozen=True)
class ResourceType:
    """One kind at one served version, with what the API server needs to know about it."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    schema: Optional[dict] = None  # structural openAPIV3Schema; None: anything goes
    short_names: tuple = ()
    categories: tuple = ()
    subresources: frozenset = frozenset()  # {"status"}
    # Custom resources (CRDs) differ from built-in kinds in a few visible ways:
    # no strategic merge patch (415), a resourceVersion is required on update,
    # DELETE answers the object rather than a Status, list items carry kind.
    custom: bool = True
    tracks_generation: bool = True
    storage_version: str = ""  # the version objects are kept in; "" = this one
    verbs: tuple = ALL_VERBS
    # Field selectors beyond metadata.name / metadata.namespace: selector name -> dotted path.
    selectable_fields: tuple = ()
    # A CRD version's additionalPrinterColumns ({name, type, jsonPath, ...}), for Table output.
    printer_columns: tuple = ()
    # A CRD version's scale subresource ({specReplicasPath, statusReplicasPath, labelSelectorPath}), or None.
    scale: Optional[dict] = None

    @property
    def api_version(self):
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def resource_key(self):
        """Identifies the stored collection, shared by every served version of the kind."""
        return f"{self.group}/{self.plural}" if self.group else self.plural

    @property
    def singular(self):
        return self.kind.lower()

    @property
    def list_kind(self):
        return self.kind + "List"

    @property
    def stored_version(self):
        return self.storage_version or self.version

    def discovery_entries(self):
        digest = hashlib.sha256(f"{self.group}/{self.stored_version}/{self.kind}".encode()).digest()
        entry = {
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": list(self.verbs),
            "storageVersionHash": base64.b64encode(digest[:8]).decode(),
        }
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        entries = [entry]
        for sub in sorted(self.subresources):
            entry = {"name": f"{self.plural}/{sub}", "singularName": "", "namespaced": self.namespaced,
                     "kind": self.kind, "verbs": list(SUBRESOURCE_VERBS)}
            if sub == "scale":  # served as an autoscaling/v1 Scale
                entry.update(group="autoscaling", version="v1", kind="Scale")
            entries.append(entry)
        return entries


@dataclass(frozen=True)
class Target:
    """What a resource request is about (or, for a self review, would be), for authorization and the request log."""

    verb: str  # get list watch create update patch apply delete deletecollection
    resource: object  # ResourceType
    namespace: str
    name: str
    subresource: str

    def describe(self):
        parts = [p for p in (self.namespace, self.resource.kind, self.name, self.subresource) if p]
        return "/".join(parts)


def version_priority(version):
    """Sort key of Kubernetes version priority: v2 > v1 > v1beta2 > v1beta1 > v1alpha1 > anything else."""
    match = _VERSION_RE.match(version)
    if not match:
        return (0, 0, 0, version)
    major, stage, minor = int(match.group(1)), match.group(2), int(match.group(3) or 0)
    rank = {"alpha": 1, "beta": 2, None: 3}[stage]
    return (rank, major, minor, "")


@dataclass
class Scheme:
    """Every served kind and version; converters between versions of a kind."""

    types: list = field(default_factory=list)
    # (group, kind) -> callable(obj, to_version) converting a stored object.
    converters: dict = field(default_factory=dict)

    def add(self, resource_type, converter: Optional[Callable] = None):
        self.types.append(resource_type)
        if converter is not None:
            self.converters[(resource_type.group, resource_type.kind)] = converter

    def lookup(self, group, version, plural):
        for candidate in self.types:
            if (candidate.group, candidate.version, candidate.plural) == (group, version, plural):
                return candidate
        return None

    def stored_type(self, resource_key):
        """The ResourceType (storage version) of a stored collection."""
        for candidate in self.types:
            if candidate.resource_key == resource_key and candidate.version == candidate.stored_version:
                return candidate
        return None

    def storage_type(self, resource_type):
        """The ResourceType of the version `resource_type`'s objects are stored in."""
        return self.lookup(resource_type.group, resource_type.stored_version, resource_type.plural)

    def convert(self, obj, target):
        """`obj` (any served version of target's kind) expressed in `target`'s version."""
        if obj.get("apiVersion") == target.api_version:
            return obj
        converter = self.converters.get((target.group, target.kind))
        converted = converter(obj, target.version) if converter else dict(obj)
        converted["apiVersion"] = target.api_version
        return converted

    def groups(self):
        """{group: [versions, preferred first]} for the named groups (the core group is served under /api)."""
        groups = {}
        for candidate in self.types:
            if candidate.group:
                versions = groups.setdefault(candidate.group, [])
                if candidate.version not in versions:
                    versions.append(candidate.version)
        return {group: sorted(versions, key=version_priority, reverse=True) for group, versions in groups.items()}

    def core_versions(self):
        return sorted({t.version for t in self.types if not t.group}, key=version_priority, reverse=True)

    def api_group(self, group):
        versions = self.groups().get(group)
        if not versions:
            return None
        entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {"name": group, "versions": entries, "preferredVersion": entries[0]}

    def api_group_list(self):
        return {"kind": "APIGroupList", "apiVersion": "v1",
                "groups": [self.api_group(group) for group in sorted(self.groups())]}

    def api_resource_list(self, group, version):
        served = [t for t in self.types if (t.group, t.version) == (group, version)]
        if not served:
            return None
        resources = [entry for t in sorted(served, key=lambda t: t.plural) for entry in t.discovery_entries()]
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": f"{group}/{version}" if group else version, "resources": resources}
