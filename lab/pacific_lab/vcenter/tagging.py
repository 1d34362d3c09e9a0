"""vCenter's tagging service (`/api/cis/tagging/...`): categories, tags and
their attachment to objects, as the vSphere Automation API documents them for
7.0 U3 (sources in lab/tests/reference/tagging.json; deviations in
lab/CONTRACT.md).

- A category's name is unique in vCenter, a tag's name within its category:
  a second create of either answers ALREADY_EXISTS, so creating one is an
  atomic test-and-set (what clients build locks on). So is a create naming an
  id (`category_id`, `tag_id`, vSphere API 6.7) that is taken.
- Attaching checks the tag exists, that an inventory object's type is one of
  the category's `associable_types` (when it has any) and the category's
  cardinality; for objects outside the inventory service (vAPI resources such
  as a namespace) no type check is made, as the CategoryModel documents.
  Attaching what is attached, or detaching what is not, is a no-op.
- Deleting a category deletes its tags; deleting a tag detaches it.

Everything is kept in the lab's store, so it survives a restart and a reset
clears it.
"""

import re
import threading
import uuid

from . import errors, specs
from .schema import require

CATEGORY, TAG = "tag_category", "tag"  # store kinds
CATEGORY_ID = re.compile(r"^urn:vmomi:InventoryServiceCategory:[0-9a-f-]{36}:GLOBAL$")
TAG_ID = re.compile(r"^urn:vmomi:InventoryServiceTag:[0-9a-f-]{36}:GLOBAL$")
# Types the inventory service keeps (vim25 managed objects): only these are checked against associable_types.
INVENTORY_TYPES = frozenset((
    "ClusterComputeResource", "ComputeResource", "Datacenter", "Datastore", "DistributedVirtualPortgroup",
    "DistributedVirtualSwitch", "Folder", "HostSystem", "Network", "ResourcePool", "StoragePod",
    "VirtualApp", "VirtualMachine", "VmwareDistributedVirtualSwitch", "OpaqueNetwork",
))


class Tagging:
    def __init__(self, store):
        self._store = store
        # Creates check-then-insert: one at a time, so that a name or id is taken exactly once.
        self._lock = threading.Lock()

    # --- categories -------------------------------------------------------------

    def list_categories(self):
        return [category["id"] for category in self._store.all(CATEGORY)]

    def create_category(self, body):
        require(specs.CATEGORY_CREATE_SPEC, body)
        with self._lock:
            wanted = body.get("category_id")
            if wanted is not None and not CATEGORY_ID.match(wanted):
                raise errors.invalid_fields([("spec.category_id", "not an identifier of a com.vmware.cis.tagging.Category")])
            category_id = wanted or _new_id("InventoryServiceCategory")
            if self._store.get(CATEGORY, category_id) is not None:
                raise errors.already_exists(f"Category with id {category_id} already exists.", category_id)
            self._unique_category_name(body["name"])
            self._store.put(CATEGORY, category_id, {
                "id": category_id, "name": body["name"], "description": body["description"],
                "cardinality": body["cardinality"], "associable_types": sorted(set(body["associable_types"])),
                "used_by": []})
        return category_id

    def get_category(self, category_id):
        category = self._store.get(CATEGORY, category_id)
        if category is None:
            raise errors.not_found(f"Category with id {category_id} does not exist.", category_id)
        return category

    def update_category(self, category_id, body):
        require(specs.CATEGORY_UPDATE_SPEC, body)
        with self._lock:
            category = self.get_category(category_id)
            if body.get("name") not in (None, category["name"]):
                self._unique_category_name(body["name"])
                category["name"] = body["name"]
            if body.get("description") is not None:
                category["description"] = body["description"]
            if body.get("cardinality") not in (None, category["cardinality"]):
                # The docs: the cardinality can only be widened, from SINGLE to MULTIPLE.
                if body["cardinality"] != "MULTIPLE":
                    raise errors.invalid_fields([("spec.cardinality", "can only change from SINGLE to MULTIPLE")])
                category["cardinality"] = "MULTIPLE"
            if body.get("associable_types") is not None:
                # The docs: types can only be appended; an empty set means every type.
                if category["associable_types"] and not set(category["associable_types"]) <= set(body["associable_types"]):
                    raise errors.invalid_fields([("spec.associable_types", "types can only be added, not removed")])
                category["associable_types"] = sorted(set(body["associable_types"]))
            self._store.put(CATEGORY, category_id, category)

    def delete_category(self, category_id):
        with self._lock:
            self.get_category(category_id)
            for tag in self._store.all(TAG):
                if tag["category_id"] == category_id:
                    self._store.delete(TAG, tag["id"])
            self._store.delete(CATEGORY, category_id)

    def _unique_category_name(self, name):
        if any(category["name"] == name for category in self._store.all(CATEGORY)):
            raise errors.already_exists(f"Category with name {name} already exists.", name)

    # --- tags ---------------------------------------------------------------------

    def list_tags(self):
        return [tag["id"] for tag in self._store.all(TAG)]

    def list_tags_for_category(self, body):
        require(specs.LIST_TAGS_FOR_CATEGORY, body, "body")
        self.get_category(body["category_id"])
        return [tag["id"] for tag in self._store.all(TAG) if tag["category_id"] == body["category_id"]]

    def create_tag(self, body):
        require(specs.TAG_CREATE_SPEC, body)
        with self._lock:
            wanted = body.get("tag_id")
            if wanted is not None and not TAG_ID.match(wanted):
                raise errors.invalid_fields([("spec.tag_id", "not an identifier of a com.vmware.cis.tagging.Tag")])
            self.get_category(body["category_id"])
            tag_id = wanted or _new_id("InventoryServiceTag")
            if self._store.get(TAG, tag_id) is not None:
                raise errors.already_exists(f"Tag with id {tag_id} already exists.", tag_id)
            self._unique_tag_name(body["category_id"], body["name"])
            self._store.put(TAG, tag_id, {
                "id": tag_id, "category_id": body["category_id"], "name": body["name"],
                "description": body["description"], "used_by": [], "objects": []})
        return tag_id

    def get_tag(self, tag_id):
        return _public(self._tag(tag_id))

    def update_tag(self, tag_id, body):
        require(specs.TAG_UPDATE_SPEC, body)
        with self._lock:
            tag = self._tag(tag_id)
            if body.get("name") not in (None, tag["name"]):
                self._unique_tag_name(tag["category_id"], body["name"])
                tag["name"] = body["name"]
            if body.get("description") is not None:
                tag["description"] = body["description"]
            self._store.put(TAG, tag_id, tag)

    def delete_tag(self, tag_id):
        with self._lock:
            self._tag(tag_id)
            self._store.delete(TAG, tag_id)

    def _tag(self, tag_id):
        tag = self._store.get(TAG, tag_id)
        if tag is None:
            raise errors.not_found(f"Tag with id {tag_id} does not exist.", tag_id)
        return tag

    def _unique_tag_name(self, category_id, name):
        if any(tag["category_id"] == category_id and tag["name"] == name for tag in self._store.all(TAG)):
            raise errors.already_exists(f"Tag with name {name} already exists in category {category_id}.", name)

    # --- associations ---------------------------------------------------------------

    def attach(self, tag_id, body):
        require(specs.OBJECT_ID_BODY, body, "body")
        with self._lock:
            self._attach(self._tag(tag_id), body["object_id"])

    def attach_to_many(self, tag_id, body):
        require(specs.OBJECT_IDS_BODY, body, "body")
        with self._lock:
            tag = self._tag(tag_id)
            return self._batch(lambda object_id: self._attach(tag, object_id), body["object_ids"])

    def detach(self, tag_id, body):
        require(specs.OBJECT_ID_BODY, body, "body")
        with self._lock:
            self._detach(self._tag(tag_id), body["object_id"])

    def detach_from_many(self, tag_id, body):
        require(specs.OBJECT_IDS_BODY, body, "body")
        with self._lock:
            tag = self._tag(tag_id)
            return self._batch(lambda object_id: self._detach(tag, object_id), body["object_ids"])

    def attach_many_to_object(self, body):
        require(specs.TAGS_ON_OBJECT_BODY, body, "body")
        with self._lock:
            # An unknown tag is an error message of the batch, not of the call.
            return self._batch(lambda tag_id: self._attach(self._tag(tag_id), body["object_id"]), body["tag_ids"])

    def detach_many_from_object(self, body):
        require(specs.TAGS_ON_OBJECT_BODY, body, "body")
        with self._lock:
            return self._batch(lambda tag_id: self._detach(self._tag(tag_id), body["object_id"]), body["tag_ids"])

    def list_attached_objects(self, tag_id):
        return list(self._tag(tag_id)["objects"])

    def list_attached_tags(self, body):
        require(specs.OBJECT_ID_BODY, body, "body")
        return [tag["id"] for tag in self._store.all(TAG) if _key(body["object_id"]) in map(_key, tag["objects"])]

    def list_attached_objects_on_tags(self, body):
        require(specs.TAG_IDS_BODY, body, "body")
        found = {tag["id"]: tag for tag in self._store.all(TAG)}
        return [{"tag_id": tag_id, "object_ids": list(found[tag_id]["objects"])} for tag_id in body["tag_ids"] if tag_id in found]

    def list_attached_tags_on_objects(self, body):
        require(specs.OBJECT_IDS_BODY, body, "body")
        tags = self._store.all(TAG)
        return [{"object_id": object_id,
                 "tag_ids": [tag["id"] for tag in tags if _key(object_id) in map(_key, tag["objects"])]}
                for object_id in body["object_ids"]]

    def _attach(self, tag, object_id):
        if _key(object_id) in map(_key, tag["objects"]):
            return
        category = self.get_category(tag["category_id"])
        types = category["associable_types"]
        if object_id["type"] in INVENTORY_TYPES and types and object_id["type"] not in types:
            raise errors.invalid_argument(
                f"Tag {tag['name']} cannot be attached to an object of type {object_id['type']}: category"
                f" {category['name']} takes {', '.join(types)}", tag["id"], object_id["type"])
        if category["cardinality"] == "SINGLE":
            siblings = [other for other in self._store.all(TAG)
                        if other["category_id"] == category["id"] and _key(object_id) in map(_key, other["objects"])]
            if siblings:
                raise errors.invalid_argument(
                    f"Object {object_id['id']} already carries tag {siblings[0]['name']} of single-cardinality"
                    f" category {category['name']}", object_id["id"])
        tag["objects"].append({"type": object_id["type"], "id": object_id["id"]})
        self._store.put(TAG, tag["id"], tag)

    def _detach(self, tag, object_id):
        kept = [each for each in tag["objects"] if _key(each) != _key(object_id)]
        if len(kept) != len(tag["objects"]):
            tag["objects"] = kept
            self._store.put(TAG, tag["id"], tag)

    @staticmethod
    def _batch(operation, items):
        """A TagAssociation.BatchResult: each item (object or tag) on its own, failures as messages."""
        messages = []
        for item in items:
            try:
                operation(item)
            except errors.ApiError as error:
                messages.extend(error.messages)
        return {"success": not messages, "error_messages": messages}


def _new_id(kind):
    return f"urn:vmomi:{kind}:{uuid.uuid4()}:GLOBAL"


def _key(object_id):
    return object_id["type"], object_id["id"]


def _public(tag):
    return {key: value for key, value in tag.items() if key != "objects"}
