# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Names of what a vSphere Namespace refers to by id: clusters, storage policies, VM classes, content libraries.

Each kind is read once, the first time it is needed, with one list call
(``GET /api/vcenter/cluster``, ``/api/vcenter/storage/policies``,
``/api/vcenter/namespace-management/virtual-machine-classes``). The Content
Library API lists ids only (``GET /api/content/library``), so naming the
libraries also costs one ``GET /api/content/library/{id}`` each.
"""

from __future__ import annotations

import re

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError

CLUSTERS = "/api/vcenter/cluster"
STORAGE_POLICIES = "/api/vcenter/storage/policies"
VM_CLASSES = "/api/vcenter/namespace-management/virtual-machine-classes"
LIBRARIES = "/api/content/library"
# How many known names an error lists before summarising.
KNOWN_NAMES_SHOWN = 20
LABELS = {"clusters": "cluster", "storage_policies": "storage policy", "vm_classes": "VM class", "content_libraries": "content library"}
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def dns_label_problem(name):
    """Why ``name`` cannot name a namespace (a Kubernetes namespace: an RFC 1123 DNS label), or None."""
    if not isinstance(name, str) or not DNS_LABEL.match(name) or len(name) > 63:
        return f"'{name}' is not a DNS label: use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit (team-a)"
    return None


class Catalog:
    """``{id: name}`` of each kind, read on first use through a REST client."""

    def __init__(self, rest):
        self._rest = rest
        self._where = f" on vCenter {rest.connection.endpoint}"
        self._names = {}

    # -- id -> name, for what vCenter returns ------------------------------

    def cluster_name(self, moid):
        return self._kind("clusters").get(moid, moid)

    def policy_name(self, policy_id):
        return self._kind("storage_policies").get(policy_id, policy_id)

    def library_name(self, library_id):
        return self._kind("content_libraries").get(library_id, library_id)

    # -- name -> id, for what the user gives -------------------------------

    def cluster_moid(self, name):
        """The moid of cluster ``name``; InvalidArgumentError, naming the option ``cluster``, when none or several have it."""
        moids = self._ids("clusters", name)
        if not moids:
            raise InvalidArgumentError(self._unknown("cluster", "clusters", [name]))
        if len(moids) > 1:
            raise InvalidArgumentError(self._ambiguous("cluster", "clusters", name, moids))
        return moids[0]

    def policy_id(self, name):
        """The id of a policy checked by ``check_names()``, or of one the namespace holds (its name unresolved is its id)."""
        return (self._ids("storage_policies", name) or [name])[0]

    def library_id(self, name):
        """Like ``policy_id()``, for content libraries."""
        return (self._ids("content_libraries", name) or [name])[0]

    def check_names(self, subject, **names_by_option):
        """Raise InvalidArgumentError naming every unknown or ambiguous name given for ``storage_policies``, ``vm_classes``, ``content_libraries``."""
        problems = []
        for option, names in names_by_option.items():
            if not names:
                continue
            unknown = [name for name in names if not self._ids(option, name)]
            if unknown:
                problems.append(self._unknown(option, option, unknown))
            problems.extend(self._ambiguous(option, option, name, self._ids(option, name)) for name in names if len(self._ids(option, name)) > 1)
        if problems:
            raise InvalidArgumentError(f"Cannot manage {subject}: " + "; ".join(problems))

    # -- internals ---------------------------------------------------------

    def _ids(self, kind, name):
        return [ident for ident, known in self._kind(kind).items() if known == name]

    def _unknown(self, option, kind, names):
        known = sorted(set(self._kind(kind).values()))
        shown = ", ".join(known[:KNOWN_NAMES_SHOWN]) or "none"
        if len(known) > KNOWN_NAMES_SHOWN:
            shown += f", ... ({len(known) - KNOWN_NAMES_SHOWN} more)"
        quoted = ", ".join(f"'{name}'" for name in names)
        return f"{option}: {LABELS[kind]} {quoted} not found{self._where} (known: {shown})"

    @staticmethod
    def _ambiguous(option, kind, name, ids):
        return f"{option}: {LABELS[kind]} name '{name}' is shared by {len(ids)} objects ({', '.join(ids)}): rename all but one"

    def _kind(self, kind):
        if kind not in self._names:
            self._names[kind] = getattr(self, f"_read_{kind}")()
        return self._names[kind]

    def _read_clusters(self):
        return {cluster["cluster"]: cluster["name"] for cluster in self._rest.get(CLUSTERS, what="list the clusters")}

    def _read_storage_policies(self):
        return {policy["policy"]: policy["name"] for policy in self._rest.get(STORAGE_POLICIES, what="list the storage policies")}

    def _read_vm_classes(self):
        # A VM class is named by its id.
        return {vm_class["id"]: vm_class["id"] for vm_class in self._rest.get(VM_CLASSES, what="list the VM classes")}

    def _read_content_libraries(self):
        library_ids = self._rest.get(LIBRARIES, what="list the content libraries")
        return {library_id: self._rest.get(f"{LIBRARIES}/{library_id}", what=f"read content library {library_id}")["name"] for library_id in library_ids}
