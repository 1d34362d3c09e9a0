# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Which objects a topology manages, marked where vCenter keeps such marks: vSphere tags.

Each topology has one tag in the ``pacific.vsphere`` category, attached to
the clusters of its Supervisors (``ClusterComputeResource``, by managed
object id), to its namespaces (the vAPI resource
``com.vmware.vcenter.namespaces.Instance``, by name), to its vSphere Zones
(``com.vmware.vcenter.consumption_domains.Zone``, by name) and to its VM classes
(``com.vmware.vcenter.namespace_management.VirtualMachineClass``, by id) and to the Supervisor Services it
registers (``com.vmware.vcenter.namespace_management.SupervisorService``, by id), and a second tag on
the namespaces that hold guest clusters it made (guest clusters themselves
carry the label ``LABEL``), one tag per kind of cluster (TKC, Cluster),
so that a guest cluster removed from the file is still found with one list
of the kinds a namespace holds. A tag's id is derived from its name (``tag_id`` of the
create spec, vSphere API 6.7): reading every mark of a topology is one
``list-attached-objects-on-tags`` call, with no lookup of ids first.

An object is marked before it is made and unmarked after it is gone, so an
interrupted run leaves a mark on nothing (cleared by the next apply) rather
than an object nobody owns.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import AlreadyExistsError, NotFoundError

CATEGORY_NAME = "pacific.vsphere"
CLUSTER_TYPE = "ClusterComputeResource"
NAMESPACE_TYPE = "com.vmware.vcenter.namespaces.Instance"
ZONE_TYPE = "com.vmware.vcenter.consumption_domains.Zone"
VM_CLASS_TYPE = "com.vmware.vcenter.namespace_management.VirtualMachineClass"
# The resource type the vSphere Automation API reference gives a Supervisor Service's identifier.
SUPERVISOR_SERVICE_TYPE = "com.vmware.vcenter.namespace_management.SupervisorService"
# The Kubernetes labels of a guest cluster a topology manages (its value is the topology's name), and of a protected one.
LABEL = "pacific.vsphere/topology"
PROTECT_LABEL = "pacific.vsphere/protect"
# The APIs of guest clusters (manifests.API_RESOURCES): a namespace's mark says which of them it holds.
GUEST_CLUSTER_APIS = ("tkc", "cluster")
TAGGING = "/api/cis/tagging"
_ID_NAMESPACE = uuid.UUID("6c1b8f52-0f6e-4c5e-9a51-7d0f3c2a9e10")


def stable_id(kind, name):
    """The vCenter identifier of our category or tag ``name`` (``kind`` Category or Tag): the same on every machine."""
    return f"urn:vmomi:InventoryService{kind}:{uuid.uuid5(_ID_NAMESPACE, name)}:GLOBAL"


def ensure_category(rest, name, description, cardinality="MULTIPLE"):
    """Make the category ``name`` unless it exists; return its id."""
    category_id = stable_id("Category", name)
    spec = {"name": name, "description": description, "cardinality": cardinality, "associable_types": [], "category_id": category_id}
    # Repeating a create of a known id answers ALREADY_EXISTS: safe to resend.
    try:
        rest.post(f"{TAGGING}/category", json=spec, what=f"make tag category {name}", idempotent=True)
    except AlreadyExistsError:
        pass
    return category_id


def ensure_tag(rest, category_id, name, description):
    """Make the tag ``name`` in ``category_id`` unless it exists; return its id."""
    tag_id = stable_id("Tag", name)
    try:
        rest.post(
            f"{TAGGING}/tag",
            json={"name": name, "description": description, "category_id": category_id, "tag_id": tag_id},
            what=f"make tag {name}",
            idempotent=True,
        )
    except AlreadyExistsError:
        pass
    return tag_id


@dataclass(frozen=True)
class Marked:
    """What one topology's marks say: the managed cluster ids and namespaces, and ``(api, namespace)`` of the namespaces holding its guest clusters."""

    clusters: frozenset = field(default_factory=frozenset)
    namespaces: frozenset = field(default_factory=frozenset)
    holding: frozenset = field(default_factory=frozenset)
    protected_clusters: frozenset = field(default_factory=frozenset)
    protected_namespaces: frozenset = field(default_factory=frozenset)
    zones: frozenset = field(default_factory=frozenset)
    protected_zones: frozenset = field(default_factory=frozenset)
    vm_classes: frozenset = field(default_factory=frozenset)
    protected_vm_classes: frozenset = field(default_factory=frozenset)
    supervisor_services: frozenset = field(default_factory=frozenset)
    protected_supervisor_services: frozenset = field(default_factory=frozenset)


class Marks:
    """The marks of the topology ``topology`` (its name) in vCenter, through ``rest`` (a ``clients.rest.RestClient``)."""

    def __init__(self, rest, topology):
        self.rest = rest
        self.topology = topology
        self.owner_tag = f"topology:{topology}"
        self.holder_tags = {api: f"topology:{topology}:guest-clusters:{api}" for api in GUEST_CLUSTER_APIS}
        self.protect_tag = f"topology:{topology}:protected"

    def read(self):
        """The Marked of the topology: one request."""
        tags = {self.owner_tag: "owner", self.protect_tag: "protect", **{tag: api for api, tag in self.holder_tags.items()}}
        roles = {stable_id("Tag", tag): role for tag, role in tags.items()}
        found = self.rest.post(
            f"{TAGGING}/tag-association",
            params={"action": "list-attached-objects-on-tags"},
            json={"tag_ids": list(roles)},
            what="read the marks of the topology",
            idempotent=True,
        )
        objects = {role: () for role in roles.values()}
        for entry in found or []:
            if entry["tag_id"] in roles:
                objects[roles[entry["tag_id"]]] = entry["object_ids"]

        def ids(role, object_type):
            return frozenset(each["id"] for each in objects[role] if each["type"] == object_type)

        return Marked(
            clusters=ids("owner", CLUSTER_TYPE),
            namespaces=ids("owner", NAMESPACE_TYPE),
            holding=frozenset((api, namespace) for api in GUEST_CLUSTER_APIS for namespace in ids(api, NAMESPACE_TYPE)),
            protected_clusters=ids("protect", CLUSTER_TYPE),
            protected_namespaces=ids("protect", NAMESPACE_TYPE),
            zones=ids("owner", ZONE_TYPE),
            protected_zones=ids("protect", ZONE_TYPE),
            vm_classes=ids("owner", VM_CLASS_TYPE),
            protected_vm_classes=ids("protect", VM_CLASS_TYPE),
            supervisor_services=ids("owner", SUPERVISOR_SERVICE_TYPE),
            protected_supervisor_services=ids("protect", SUPERVISOR_SERVICE_TYPE),
        )

    def mark(self, object_type, object_id, *, protect):
        """Mark the object as managed by the topology, and as protected or not."""
        self._attach(self.owner_tag, object_type, object_id)
        if protect:
            self._attach(self.protect_tag, object_type, object_id)
        else:
            self._detach(self.protect_tag, object_type, object_id)

    def unmark(self, object_type, object_id):
        """Take every mark of the topology off the object (gone, or left to others)."""
        tag_ids = [stable_id("Tag", tag) for tag in (self.owner_tag, self.protect_tag, *self.holder_tags.values())]
        # One batch: a tag not made yet is an error of the batch, not of the call, and nothing to take off.
        self.rest.post(
            f"{TAGGING}/tag-association",
            params={"action": "detach-multiple-tags-from-object"},
            json={"object_id": {"type": object_type, "id": object_id}, "tag_ids": tag_ids},
            what=f"take the marks of topology {self.topology} off {object_id}",
            idempotent=True,
        )

    def mark_holding(self, api, namespace):
        """Mark ``namespace`` as holding guest clusters of the topology of ``api`` (tkc, cluster)."""
        self._attach(self.holder_tags[api], NAMESPACE_TYPE, namespace)

    def _attach(self, tag, object_type, object_id):
        body = {"object_id": {"type": object_type, "id": object_id}}
        tag_id = stable_id("Tag", tag)
        try:
            self.rest.post(f"{TAGGING}/tag-association/{tag_id}", params={"action": "attach"}, json=body, what=f"attach tag {tag}", idempotent=True)
        except NotFoundError:
            # The topology's first mark: make its category and tag, then attach (attaching twice is a no-op).
            category_id = ensure_category(self.rest, CATEGORY_NAME, "What pacific.vsphere topologies manage (do not edit)")
            ensure_tag(self.rest, category_id, tag, f"Managed by the pacific.vsphere topology {self.topology}")
            self.rest.post(f"{TAGGING}/tag-association/{tag_id}", params={"action": "attach"}, json=body, what=f"attach tag {tag}", idempotent=True)

    def _detach(self, tag, object_type, object_id):
        body = {"object_id": {"type": object_type, "id": object_id}}
        try:
            self.rest.post(
                f"{TAGGING}/tag-association/{stable_id('Tag', tag)}", params={"action": "detach"}, json=body, what=f"detach tag {tag}", idempotent=True
            )
        except NotFoundError:
            pass  # no tag, so nothing is marked
