"""Field ownership (`metadata.managedFields`) and server-side apply.

Follows the rules of the API server's structured-merge-diff:

- An object's *field set* holds every leaf (scalars, atomic lists and maps),
  every item of a granular list (`k:{"name":"a"}` for lists of type map,
  `v:"x"` for sets) and every entry of a free-form map; struct fields with
  children are implied by them. Lists without `x-kubernetes-list-type` are
  atomic.
- An update (create, PUT, PATCH) makes its manager own what it added or
  changed and takes those fields from every other manager.
- An apply merges the applied configuration into the live object, then drops
  what the applier applied last time but no longer does, unless another
  manager owns it. Changing a field another manager owns is a conflict (409)
  unless `force=true`, which moves the ownership.
- Fields the server owns are never tracked: apiVersion, kind, most of
  metadata, and `status` on the main resource (everything but `status` on the
  status subresource).

Paths are tuples of FieldsV1 keys (`f:spec`, `k:{"name":"np1"}`, `v:"x"`).
"""

import json
from dataclasses import dataclass, field

from . import meta

APPLY = "Apply"
UPDATE = "Update"

OBJECT_META_SCHEMA = {
    "type": "object",
    "properties": {
        "generateName": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
        "finalizers": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
        "ownerReferences": {
            "type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["uid"],
            "items": {"type": "object", "properties": {
                "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "name": {"type": "string"},
                "uid": {"type": "string"}, "controller": {"type": "boolean"},
                "blockOwnerDeletion": {"type": "boolean"}}},
        },
    },
}
# ObjectMeta fields the server sets: never owned by a manager.
SERVER_META_FIELDS = ("name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                      "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink")
# Paths never owned even when a compare reports them (metadata itself is always there).
STRIPPED_PATHS = frozenset({("f:metadata",)})
_MISSING = object()


def _child_schema(schema, key):
    """(schema of the child, whether the child is a named struct field)."""
    if not schema:
        return None, False
    properties = schema.get("properties") or {}
    if key in properties:
        return properties[key], True
    additional = schema.get("additionalProperties")
    return (additional if isinstance(additional, dict) else None), False


def _root_child_schema(schema, key):
    if key == "metadata":
        return OBJECT_META_SCHEMA, True
    return _child_schema(schema, key)


def _shape(value, schema):
    """How a node is tracked: 'leaf', 'map' (children by field), 'listmap' or 'set' (children by item)."""
    if isinstance(value, dict):
        if schema and schema.get("x-kubernetes-map-type") == "atomic":
            return "leaf"
        return "map"
    if isinstance(value, list):
        list_type = (schema or {}).get("x-kubernetes-list-type")
        if list_type == "map":
            return "listmap"
        if list_type == "set":
            return "set"
    return "leaf"


def _item_key(item, schema):
    keys = schema.get("x-kubernetes-list-map-keys") or []
    identity = {key: item.get(key) for key in sorted(keys) if isinstance(item, dict) and key in item}
    return "k:" + json.dumps(identity, sort_keys=True, separators=(",", ":"))


def _children(value, schema, root):
    """[(path element, child value, child schema, is struct field)] of a map or granular list."""
    shape = _shape(value, schema)
    if shape == "map":
        lookup = _root_child_schema if root else _child_schema
        out = []
        for key, child in value.items():
            child_schema, is_field = lookup(schema, key)
            out.append(("f:" + key, child, child_schema, is_field))
        return out
    if shape == "listmap":
        items = schema.get("items") if isinstance(schema.get("items"), dict) else None
        return [(_item_key(item, schema), item, items, False) for item in value]
    if shape == "set":
        return [("v:" + json.dumps(item, sort_keys=True, separators=(",", ":")), item, None, False) for item in value]
    return []


def tracked(obj, subresource=None):
    """The part of `obj` whose fields managers own, for a request to the main resource or `subresource`."""
    if subresource == "status":
        return {"status": obj["status"]} if "status" in obj else {}
    tracked_obj = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "status")}
    if isinstance(tracked_obj.get("metadata"), dict):
        metadata = {k: v for k, v in tracked_obj["metadata"].items() if k not in SERVER_META_FIELDS}
        if metadata:
            tracked_obj["metadata"] = metadata
        else:
            del tracked_obj["metadata"]
    return tracked_obj


def field_set(obj, schema):
    """The field set of a (tracked) object."""
    paths = set()
    _collect(obj, schema, (), paths, root=True)
    return paths


def _collect(value, schema, path, paths, root=False):
    if _shape(value, schema) == "leaf":
        if path:
            paths.add(path)
        return
    for element, child, child_schema, is_field in _children(value, schema, root):
        child_path = path + (element,)
        _collect(child, child_schema, child_path, paths)
        if not is_field:
            paths.add(child_path)


def compare(old, new, schema):
    """(added, removed, modified) paths between two tracked objects."""
    added, removed, modified = set(), set(), set()
    _compare(old, new, schema, (), added, removed, modified, root=True)
    return added, removed, modified


def _compare(old, new, schema, path, added, removed, modified, root=False):
    old_shape = _shape(old, schema) if old is not _MISSING else None
    new_shape = _shape(new, schema) if new is not _MISSING else None
    # Like the API server: two empty (or absent) containers compare as leaves,
    # so that {} and [] are distinguished from an absent field.
    is_leaf = ("leaf" in (old_shape, new_shape) or (old_shape and new_shape and old_shape != new_shape)
               or (_empty(old) and _empty(new)))
    if is_leaf:
        if not path:
            return
        if old is _MISSING:
            added.add(path)
        elif new is _MISSING:
            removed.add(path)
        elif old != new:
            modified.add(path)
        return
    old_children = {e: (c, s) for e, c, s, _ in _children(old, schema, root)} if old is not _MISSING else {}
    new_children = {e: (c, s) for e, c, s, _ in _children(new, schema, root)} if new is not _MISSING else {}
    for element in list(old_children) + [e for e in new_children if e not in old_children]:
        old_child, old_schema = old_children.get(element, (_MISSING, None))
        new_child, new_schema = new_children.get(element, (_MISSING, None))
        _compare(old_child, new_child, new_schema if new_child is not _MISSING else old_schema,
                 path + (element,), added, removed, modified)
    if path:
        if old is _MISSING:
            added.add(path)
        elif new is _MISSING:
            removed.add(path)


def _empty(value):
    return value is _MISSING or (isinstance(value, (dict, list)) and not value)


def merge(live, config, schema, root=True):
    """The live object with the applied configuration merged in (config wins; granular lists merge by item)."""
    if live is _MISSING or live is None:
        return meta.deep_copy(config)
    shape = _shape(config, schema)
    if shape == "leaf" or _shape(live, schema) != shape:
        return meta.deep_copy(config)
    if shape == "map":
        result = meta.deep_copy(live)
        lookup = _root_child_schema if root else _child_schema
        for key, value in config.items():
            child_schema, _ = lookup(schema, key)
            result[key] = merge(live.get(key, _MISSING), value, child_schema, root=False)
        return result
    items_schema = schema.get("items") if isinstance(schema.get("items"), dict) else None
    if shape == "set":
        return meta.deep_copy(live) + [meta.deep_copy(item) for item in config if item not in live]
    config_by_key = {_item_key(item, schema): item for item in config}
    result = []
    for item in live:
        key = _item_key(item, schema)
        result.append(merge(item, config_by_key.pop(key), items_schema, root=False) if key in config_by_key
                      else meta.deep_copy(item))
    result.extend(meta.deep_copy(item) for item in config if _item_key(item, schema) in config_by_key)
    return result


def _expanded(paths):
    """A field set with every intermediate node of its paths (what removal decisions look at)."""
    out = set()
    for path in paths:
        for length in range(1, len(path) + 1):
            out.add(path[:length])
    return out


def remove_paths(obj, doomed, schema):
    """Remove from `obj` (in place) the fields and items whose paths are in `doomed`."""
    _remove(obj, doomed, schema, (), root=True)


def _remove(value, doomed, schema, path, root=False):
    shape = _shape(value, schema)
    if shape == "leaf":
        return
    keep = []
    for element, child, child_schema, _ in _children(value, schema, root):
        child_path = path + (element,)
        if child_path in doomed:
            _remove(child, doomed, child_schema, child_path)
            if _shape(child, child_schema) == "leaf" or not child:
                continue  # gone
        else:
            _remove(child, doomed, child_schema, child_path)
        keep.append(element)
    if shape == "map":
        for key in [k for k in value if "f:" + k not in keep]:
            del value[key]
    else:
        kept = [item for (element, item, _, _) in _children(value, schema, root) if element in keep]
        value[:] = kept


def render_path(path):
    """A path as the API server prints it in conflicts: `.spec.nodePools[name="np1"].replicas`."""
    out = []
    for element in path:
        kind, text = element[:2], element[2:]
        if kind == "f:":
            out.append("." + text)
        elif kind == "k:":
            keys = json.loads(text)
            out.append("[" + ",".join(f"{k}={json.dumps(v)}" for k, v in keys.items()) + "]")
        elif kind == "v:":
            out.append(f"[={text}]")
        else:
            out.append(f"[{text}]")
    return "".join(out)


def encode(paths):
    """A field set as FieldsV1 (a trie; `.` marks a member that also has children)."""
    by_first = {}
    for path in paths:
        by_first.setdefault(path[0], set()).add(path[1:])
    trie = {}
    for element in sorted(by_first):
        rest = by_first[element]
        node = encode({p for p in rest if p})
        if () in rest and node:
            node = {".": {}, **node}
        trie[element] = node
    return trie


def decode(trie, prefix=()):
    paths = set()
    for element, child in trie.items():
        if element == ".":
            paths.add(prefix)
            continue
        path = prefix + (element,)
        if child:
            paths |= decode(child, path)
        else:
            paths.add(path)
    return paths


@dataclass
class ManagerEntry:
    manager: str
    operation: str
    api_version: str
    time: str
    fields: set = field(default_factory=set)
    subresource: str = ""

    @property
    def key(self):
        return (self.manager, self.operation, self.subresource)

    def as_dict(self):
        entry = {"manager": self.manager, "operation": self.operation, "apiVersion": self.api_version,
                 "time": self.time, "fieldsType": "FieldsV1", "fieldsV1": encode(self.fields)}
        if self.subresource:
            entry["subresource"] = self.subresource
        return entry


def read_managers(obj):
    entries = []
    for raw in (obj.get("metadata") or {}).get("managedFields") or []:
        entries.append(ManagerEntry(raw.get("manager", ""), raw.get("operation", UPDATE), raw.get("apiVersion", ""),
                                    raw.get("time", ""), decode(raw.get("fieldsV1") or {}), raw.get("subresource", "")))
    return entries


def write_managers(obj, entries):
    metadata = obj.setdefault("metadata", {})
    if entries:
        metadata["managedFields"] = [entry.as_dict() for entry in entries]
    else:
        metadata.pop("managedFields", None)


class ApplyConflicts(Exception):
    """Fields of an apply owned by other managers: `conflicts` is [(manager, apiVersion, rendered path)]."""

    def __init__(self, conflicts):
        super().__init__(f"{len(conflicts)} conflicts")
        self.conflicts = conflicts


def record_update(live, new, schema, manager, api_version, subresource=None):
    """Set `new`'s managedFields after an update by `manager` from `live` (None on create)."""
    entries = read_managers(live) if live is not None else []
    old_view = tracked(live, subresource) if live is not None else {}
    added, removed, modified = compare(old_view, tracked(new, subresource), schema)
    taken = added | modified
    if not taken and not removed:
        write_managers(new, entries)
        return
    key = (manager, UPDATE, subresource or "")
    for entry in entries:
        if entry.key != key:
            entry.fields -= taken
    mine = next((e for e in entries if e.key == key), None)
    if mine is None:
        mine = ManagerEntry(manager, UPDATE, api_version, "", set(), subresource or "")
        entries.append(mine)
    mine.fields = ((mine.fields | taken) - removed) - STRIPPED_PATHS
    mine.api_version, mine.time = api_version, meta.now()
    write_managers(new, [e for e in entries if e.fields])


def apply(live, config, schema, manager, api_version, *, force, subresource=None):
    """The object after applying `config` as `manager` (live is None on create); raises ApplyConflicts."""
    entries = read_managers(live) if live is not None else []
    key = (manager, APPLY, subresource or "")
    previous = next((e for e in entries if e.key == key), None)
    config_view = tracked(config, subresource)
    applied_set = field_set(config_view, schema) - STRIPPED_PATHS

    base = meta.deep_copy(live) if live is not None else {}
    live_view = tracked(base, subresource)
    merged_view = merge(live_view, config_view, schema)
    if previous is not None:
        others = set().union(*(e.fields for e in entries if e.key != key), applied_set)
        doomed = _expanded(previous.fields) - _expanded(others)
        remove_paths(merged_view, doomed, schema)

    added, _, modified = compare(live_view, merged_view, schema)
    changed = added | modified
    conflicts = []
    for entry in entries:
        if entry.key != key:
            clash = entry.fields & changed
            if clash and not force:
                conflicts += [(entry.manager, entry.api_version, render_path(p)) for p in sorted(clash)]
            entry.fields -= clash
    if conflicts:
        raise ApplyConflicts(conflicts)

    result = _reassemble(base, merged_view, subresource)
    object_changed = meta.canonical(live_view) != meta.canonical(merged_view)
    if previous is None or previous.fields != applied_set or object_changed:
        if previous is None:
            previous = ManagerEntry(manager, APPLY, api_version, "", set(), subresource or "")
            entries.append(previous)
        previous.fields, previous.api_version, previous.time = applied_set, api_version, meta.now()
    write_managers(result, [e for e in entries if e.fields])
    return result


def _reassemble(base, merged_view, subresource):
    """Put the merged tracked part back together with the server-owned part of `base`."""
    if subresource == "status":
        result = meta.deep_copy(base)
        if "status" in merged_view:
            result["status"] = merged_view["status"]
        else:
            result.pop("status", None)
        return result
    result = {k: v for k, v in base.items() if k in ("apiVersion", "kind", "status")}
    server_meta = {k: v for k, v in (base.get("metadata") or {}).items() if k in SERVER_META_FIELDS}
    for key, value in merged_view.items():
        result[key] = value
    result["metadata"] = {**server_meta, **(merged_view.get("metadata") or {})}
    return result
