# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Server-side apply bookkeeping: what a field manager owns of a live object, and what changes between two objects.

An object's ``metadata.managedFields`` records, per manager, the fields its
last apply set (FieldsV1: ``f:<field>`` for struct and map fields,
``k:{"name":"x"}`` for the items of a list keyed by ``name``, ``v:<value>``
for set members, ``.`` for an item that is itself owned). Cutting the live
object down to those fields gives back the configuration the manager
applied last ("extract", as client-go calls it). When that equals the
configuration about to be applied, the apply would change nothing (not the
values, not the ownership), so the call can be skipped: an idempotent run
makes no write request at all.

The check only decides whether to call; whether something changed is still
read from the API server's answer, so a false "needs apply" costs one
no-op request and never a wrong ``changed``.
"""

from __future__ import annotations

import copy
import json

APPLY = "Apply"
# ObjectMeta fields the API server sets; no manager owns them.
SERVER_META_FIELDS = frozenset(
    (
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
        "selfLink",
    )
)
# Longest rendering of a value in a change reason.
VALUE_SHOWN = 80


def tracked(obj):
    """The part of ``obj`` that managers own: no apiVersion, kind, status or server-set metadata."""
    result = {key: value for key, value in obj.items() if key not in ("apiVersion", "kind", "status")}
    metadata = {key: value for key, value in (obj.get("metadata") or {}).items() if key not in SERVER_META_FIELDS}
    if metadata:
        result["metadata"] = metadata
    else:
        result.pop("metadata", None)
    return result


def applied_entry(obj, manager):
    """The managedFields entry of ``manager``'s applies to the main resource, or None."""
    for entry in (obj.get("metadata") or {}).get("managedFields") or ():
        if entry.get("manager") == manager and entry.get("operation") == APPLY and not entry.get("subresource"):
            return entry
    return None


def owned_configuration(obj, manager):
    """What ``manager`` applied last, cut out of the live ``obj`` ({} when it applied nothing)."""
    entry = applied_entry(obj, manager) if obj else None
    if entry is None:
        return {}
    return _extract(tracked(obj), entry.get("fieldsV1") or {})


def needs_apply(manifest, live, manager):
    """Whether applying ``manifest`` as ``manager`` could change ``live`` (None: it does not exist)."""
    if live is None:
        return True
    entry = applied_entry(live, manager)
    if entry is None or entry.get("apiVersion") != manifest.get("apiVersion"):
        return True
    fields = entry.get("fieldsV1") or {}
    owned = _extract(tracked(live), fields)
    return _canonical(tracked(manifest), fields) != _canonical(owned, fields)


def ownership_changes(before, after, manager):
    """Whether ``manager`` owns other fields in ``after`` than in ``before`` (a change the API server records)."""

    def owned(obj):
        entry = applied_entry(obj, manager) if obj else None
        return None if entry is None else entry.get("fieldsV1")

    return owned(before) != owned(after)


def changes(before, after, path=""):
    """Reasons ``"path: old -> new"`` for every leaf that differs; lists of named items are matched by name."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in list(before) + [key for key in after if key not in before]:
            found += changes(before.get(key), after.get(key), f"{path}.{key}" if path else key)
        return found
    if _named_items(before) and _named_items(after):
        old = {item["name"]: item for item in before}
        new = {item["name"]: item for item in after}
        found = []
        for name in list(old) + [name for name in new if name not in old]:
            found += changes(old.get(name), new.get(name), f"{path}[{name}]")
        return found
    if before == after:
        return []
    return [f"{path}: {_shown(before)} -> {_shown(after)}"]


# -- internals ---------------------------------------------------------------


def _members(trie):
    """The children of a FieldsV1 node (``.`` only says the node itself is owned)."""
    return {key: child for key, child in trie.items() if key != "."}


def _item_keys(trie):
    """``{key: json}`` of the ``k:`` members of a list node."""
    return {key: json.loads(key[2:]) for key in trie if key.startswith("k:")}


def _key_matches(item, identity):
    return isinstance(item, dict) and all(item.get(name) == value for name, value in identity.items())


def _extract(value, trie):
    members = _members(trie)
    if not members:
        return copy.deepcopy(value)
    if isinstance(value, dict):
        result = {}
        for key, child in members.items():
            name = key[2:]
            if key.startswith("f:") and name in value:
                result[name] = _extract(value[name], child)
        return result
    if isinstance(value, list):
        identities = _item_keys(members)
        result = []
        for item in value:
            identity_key = next((key for key, identity in identities.items() if _key_matches(item, identity)), None)
            if identity_key is not None:
                # The key fields identify the item even when the entry does not list them.
                result.append({**identities[identity_key], **_extract(item, members[identity_key])})
            elif "v:" + json.dumps(item, sort_keys=True, separators=(",", ":")) in members:
                result.append(copy.deepcopy(item))
        return result
    return copy.deepcopy(value)


def _canonical(value, trie):
    """``value`` as comparable JSON text: items of keyed lists and sets in a fixed order, as the API server treats them."""
    return json.dumps(_ordered(value, trie), sort_keys=True)


def _ordered(value, trie):
    members = _members(trie or {})
    if isinstance(value, dict):
        return {key: _ordered(child, members.get("f:" + key, {})) for key, child in value.items()}
    if isinstance(value, list):
        identities = _item_keys(members)
        if identities:
            names = sorted({name for identity in identities.values() for name in identity})

            def identity_of(item):
                return {name: item.get(name) for name in names} if isinstance(item, dict) else item

            def trie_of(item):
                return next((members[key] for key, identity in identities.items() if _key_matches(item, identity)), {})

            return sorted((_ordered(item, trie_of(item)) for item in value), key=lambda item: json.dumps(identity_of(item), sort_keys=True))
        if any(key.startswith("v:") for key in members):
            return sorted(value, key=lambda item: json.dumps(item, sort_keys=True))
    return value


def _named_items(value):
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) and "name" in item for item in value)


def _shown(value):
    if value is None:
        return "(none)"
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= VALUE_SHOWN else text[: VALUE_SHOWN - 3] + "..."
