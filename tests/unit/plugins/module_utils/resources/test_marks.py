"""The marks of a topology over a fake of vCenter's tagging API: one read for all of them, tags made on first use."""

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import AlreadyExistsError, NotFoundError
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.ownership import CLUSTER_TYPE, NAMESPACE_TYPE, Marks, stable_id


class Tagging:
    def __init__(self):
        self.categories, self.tags, self.calls = set(), {}, []

    def post(self, path, *, params=None, json=None, what=None, idempotent=None):
        action = (params or {}).get("action")
        self.calls.append(action or path.rsplit("/", 1)[1])
        if path.endswith("/category"):
            if json["category_id"] in self.categories:
                raise AlreadyExistsError("exists")
            self.categories.add(json["category_id"])
        elif path.endswith("/tag") and action is None:
            if json["category_id"] not in self.categories:
                raise NotFoundError("no category")
            self.tags.setdefault(json["tag_id"], [])
        elif action == "list-attached-objects-on-tags":
            return [{"tag_id": tag, "object_ids": self.tags[tag]} for tag in json["tag_ids"] if tag in self.tags]
        elif action == "attach":
            tag = path.rsplit("/", 1)[1]
            if tag not in self.tags:
                raise NotFoundError("no tag")
            if json["object_id"] not in self.tags[tag]:
                self.tags[tag].append(json["object_id"])
        elif action == "detach":
            tag = path.rsplit("/", 1)[1]
            if tag not in self.tags:
                raise NotFoundError("no tag")
            self.tags[tag] = [each for each in self.tags[tag] if each != json["object_id"]]
        elif action == "detach-multiple-tags-from-object":
            for tag in json["tag_ids"]:
                if tag in self.tags:
                    self.tags[tag] = [each for each in self.tags[tag] if each != json["object_id"]]
        return None


def test_nothing_is_marked_before_the_first_mark_and_reading_is_one_request():
    tagging = Tagging()

    marked = Marks(tagging, "prod").read()

    assert (marked.clusters, marked.namespaces, marked.holding) == (frozenset(), frozenset(), frozenset())
    assert tagging.calls == ["list-attached-objects-on-tags"]


def test_the_first_mark_makes_the_category_and_tag_then_marks_read_back():
    tagging = Tagging()
    marks = Marks(tagging, "prod")

    marks.mark(CLUSTER_TYPE, "domain-c8", protect=True)
    marks.mark(NAMESPACE_TYPE, "team-a", protect=False)
    marks.mark_holding("tkc", "team-a")
    marked = Marks(tagging, "prod").read()

    assert marked.clusters == {"domain-c8"} and marked.protected_clusters == {"domain-c8"}
    assert marked.namespaces == {"team-a"} and marked.protected_namespaces == frozenset()
    assert marked.holding == {("tkc", "team-a")}
    assert Marks(tagging, "staging").read().clusters == frozenset()  # another topology's marks are its own


def test_unmarking_takes_every_mark_off_in_one_request():
    tagging = Tagging()
    marks = Marks(tagging, "prod")
    marks.mark(NAMESPACE_TYPE, "team-a", protect=True)
    marks.mark_holding("cluster", "team-a")
    tagging.calls.clear()

    marks.unmark(NAMESPACE_TYPE, "team-a")

    assert tagging.calls == ["detach-multiple-tags-from-object"]
    marked = marks.read()
    assert (marked.namespaces, marked.protected_namespaces, marked.holding) == (frozenset(), frozenset(), frozenset())


def test_ids_are_the_same_on_every_machine_and_differ_by_name():
    assert stable_id("Tag", "topology:prod") == stable_id("Tag", "topology:prod") != stable_id("Tag", "topology:staging")
    assert stable_id("Category", "pacific.vsphere").startswith("urn:vmomi:InventoryServiceCategory:")
