"""The three non-apply patch formats of PATCH requests.

- JSON merge patch (RFC 7386): maps merge, `null` deletes, lists replace.
- JSON patch (RFC 6902): a list of add / remove / replace / move / copy /
  test operations on JSON pointers.
- Strategic merge patch (built-in kinds only): a merge patch where the lists
  the Go types mark `patchStrategy: merge` merge by their key instead of being
  replaced, plus the `$patch`, `$retainKeys`, `$deleteFromPrimitiveList` and
  `$setElementOrder` directives kubectl sends. The merge keys come from the
  `ResourceType` (`merge_keys`), here only those of the kinds the lab serves
  (ObjectMeta's ownerReferences by uid, finalizers as a set).
"""

import copy
import json

from .errors import bad_request, unprocessable_patch

# Lists of ObjectMeta that strategic merge patch merges (the Go struct tags):
# path -> merge key, or None for a list of scalars merged as a set.
OBJECT_META_MERGE_KEYS = {("metadata", "ownerReferences"): "uid", ("metadata", "finalizers"): None}


def merge_patch(target, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_patch(target, operations):
    """RFC 6902; a malformed document is a 400, an operation that cannot apply a 422."""
    if not isinstance(operations, list):
        raise bad_request("json patch must be a list of operations")
    document = copy.deepcopy(target)
    for number, operation in enumerate(operations):
        if not isinstance(operation, dict) or "op" not in operation or "path" not in operation:
            raise bad_request(f"json patch operation {number} needs 'op' and 'path'")
        document = _apply_operation(document, operation)
    return document


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise unprocessable_patch(f"invalid JSON pointer {path!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _container(document, parts, path):
    node = document
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise unprocessable_patch(f"doc is missing path: {path!r}")
    return node


def _get(document, path):
    parts = _pointer(path)
    if not parts:
        return document
    node = _container(document, parts, path)
    last = parts[-1]
    if isinstance(node, dict) and last in node:
        return node[last]
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        return node[int(last)]
    raise unprocessable_patch(f"doc is missing path: {path!r}")


def _remove(document, path):
    parts = _pointer(path)
    node = _container(document, parts, path)
    last = parts[-1]
    if isinstance(node, dict) and last in node:
        return node.pop(last)
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        return node.pop(int(last))
    raise unprocessable_patch(f"unable to remove nonexistent key: {last}: missing value")


def _add(document, path, value):
    parts = _pointer(path)
    if not parts:
        return value
    node = _container(document, parts, path)
    last = parts[-1]
    if isinstance(node, dict):
        node[last] = value
    elif isinstance(node, list):
        if last == "-":
            node.append(value)
        elif last.isdigit() and int(last) <= len(node):
            node.insert(int(last), value)
        else:
            raise unprocessable_patch(f"add operation does not apply: index {last} out of bounds")
    else:
        raise unprocessable_patch(f"doc is missing path: {path!r}")
    return document


def _apply_operation(document, operation):
    op, path = operation["op"], operation["path"]
    if op in ("add", "replace", "test") and "value" not in operation:
        raise bad_request(f"json patch {op} operation on {path!r} has no value")
    value = copy.deepcopy(operation.get("value"))
    if op == "add":
        return _add(document, path, value)
    if op == "remove":
        _remove(document, path)
        return document
    if op == "replace":
        _get(document, path)  # must exist
        if _pointer(path) == []:
            return value
        _remove(document, path)
        return _add(document, path, value)
    if op in ("move", "copy"):
        source = operation.get("from")
        if source is None:
            raise bad_request(f"json patch {op} operation on {path!r} has no 'from'")
        moved = _remove(document, source) if op == "move" else copy.deepcopy(_get(document, source))
        return _add(document, path, moved)
    if op == "test":
        if _get(document, path) != value:
            raise unprocessable_patch(f"testing value {path} failed")
        return document
    raise bad_request(f"unknown json patch operation {op!r}")


def strategic_merge_patch(target, patch, merge_keys=None, path=()):
    """A strategic merge patch of `target`; `merge_keys` maps field paths (tuples) to a list's merge key."""
    merge_keys = OBJECT_META_MERGE_KEYS if merge_keys is None else merge_keys
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return None
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys") or key.startswith("$setElementOrder/"):
            continue  # ordering hints: lists keep the order of the merge below
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            result[field] = [item for item in result.get(field) or [] if item not in value]
            continue
        field_path = path + (key,)
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list) and field_path in merge_keys:
            result[key] = _merge_list(result.get(key) or [], value, merge_keys[field_path], merge_keys, field_path)
        else:
            merged = strategic_merge_patch(result.get(key), value, merge_keys, field_path)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
    if retain is not None:
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(current, patch_items, key, merge_keys, path):
    if key is None:  # a set of scalars
        return list(current) + [item for item in patch_items if item not in current]
    merged = [copy.deepcopy(item) for item in current]
    for item in patch_items:
        if not isinstance(item, dict) or key not in item:
            raise bad_request(f"map: {json.dumps(item)} does not contain declared merge key: {key}")
        position = next((i for i, existing in enumerate(merged) if existing.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if position is not None:
                merged.pop(position)
        elif position is None:
            merged.append({k: v for k, v in item.items() if k != "$patch"})
        else:
            merged[position] = strategic_merge_patch(merged[position], item, merge_keys, path)
    return merged
