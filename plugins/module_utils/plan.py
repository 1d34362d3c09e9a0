# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The plan: what applying the desired state would do, object by object, and in which order.

Every resource compares the live state with the desired state and returns plan
items; modules turn them into ``changed`` and ``diff``, the ``pacific`` command
renders them Terraform-style. Whether an item changes anything is decided here
once: an object that appears is created, one that goes away is deleted, one
that stays is updated when there are reasons to, replaced when an attribute
that cannot change in place differs, and left alone otherwise.

A ``Plan`` is data: its items, the dependencies between them and a fingerprint
of the live versions it was read from. It serialises to JSON and back, so a
saved plan can be shown, checked for staleness and applied later.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Optional

CREATE = "create"
UPDATE = "update"
REPLACE = "replace"
DELETE = "delete"
# An existing object taken over by a topology: marked as managed by it, nothing else changed (Terraform's import).
ADOPT = "adopt"
NONE = "none"
ACTIONS = (CREATE, UPDATE, REPLACE, DELETE, ADOPT, NONE)
# The reason of an item left alone because the object exists and no mark says this topology manages it.
NOT_MANAGED = "exists, not managed by this topology"
# Stands for a value the server makes (an id, an address) in the ``after`` of
# an object not created yet; JSON-safe, and rendered "(known after apply)".
KNOWN_AFTER_APPLY = {"__known_after_apply__": True}
PLAN_FORMAT_VERSION = 1


@dataclass(frozen=True)
class PlanItem:
    """One object's planned change.

    ``address`` names the object among the items of a plan (``vib/esx-01/spherelet``).
    ``before`` / ``after`` are the user-visible state before and after applying
    (None: the object does not exist then); they hold only what the user can
    set, so a diff of them shows what changes. ``reasons`` say, in words, why
    the object changes, or why it is left alone when that is worth knowing
    ("a newer version is installed"). ``forces`` names the attributes whose
    change replaces the object (delete, then create); values in ``after``
    that the server makes are KNOWN_AFTER_APPLY.
    """

    address: str
    action: str
    before: Optional[dict] = None
    after: Optional[dict] = None
    reasons: tuple = field(default=())
    forces: tuple = field(default=())

    @property
    def changed(self):
        return self.action != NONE

    @property
    def not_managed(self):
        return NOT_MANAGED in self.reasons

    @property
    def kind(self):
        """The kind of object, the address up to its first ``.`` or ``/`` (``namespace`` of ``namespace.DC0_C0/team-a``)."""
        return self.address.replace("/", ".").split(".", 1)[0]

    def as_dict(self):
        return {"address": self.address, "action": self.action, "before": self.before, "after": self.after, "reasons": list(self.reasons)}

    def to_json(self):
        return dict(self.as_dict(), forces=list(self.forces))

    @classmethod
    def from_json(cls, data):
        return cls(data["address"], data["action"], data["before"], data["after"], tuple(data["reasons"]), tuple(data.get("forces", ())))


def plan_item(address, before, after, reasons=(), forces=()):
    """The item for an object that is ``before`` now and should be ``after``, its action derived from them.

    An object that exists before and after is updated only when ``reasons``
    are given: the caller compares what the user set and ignores the rest;
    it is replaced when ``forces`` names attributes that cannot change in place.
    """
    if before is None and after is not None:
        action = CREATE
    elif before is not None and after is None:
        action = DELETE
    elif before is not None and forces:
        action = REPLACE
    elif before is not None and reasons:
        action = UPDATE
    else:
        action = NONE
    return PlanItem(address, action, before, after, tuple(reasons), tuple(forces) if action == REPLACE else ())


def changed_fields(before, after, fields):
    """Reasons ``"field: old -> new"`` for each of ``fields`` whose value differs between the two dicts."""
    return [f"{name}: {before.get(name)} -> {after.get(name)}" for name in fields if before.get(name) != after.get(name)]


def plan_diff(items):
    """Ansible's ``diff``: the before and after state of every item, keyed by address; absent objects are left out."""
    return {
        "before": {item.address: item.before for item in items if item.before is not None},
        "after": {item.address: item.after for item in items if item.after is not None},
    }


def is_known_after_apply(value):
    return value == KNOWN_AFTER_APPLY


@dataclass(frozen=True)
class Plan:
    """Every item of a run, the dependencies between them, and what they were planned from.

    ``edges`` are ``(dependent, dependency)`` address pairs: the dependent
    needs the dependency to exist (a namespace needs its Supervisor).
    ``fingerprint`` maps an address to the version of the live object the
    item was planned from (vSphere ``changeVersion``, Kubernetes
    ``resourceVersion``, or a digest of the REST fields); an object that did
    not exist maps to None. ``subject`` says what the plan is for (topology
    file digest, vCenter), so that a saved plan is not applied elsewhere.
    """

    items: tuple = ()
    edges: tuple = ()
    fingerprint: dict = field(default_factory=dict)
    subject: dict = field(default_factory=dict)

    def __post_init__(self):
        addresses = [item.address for item in self.items]
        if len(set(addresses)) != len(addresses):
            duplicated = sorted({address for address in addresses if addresses.count(address) > 1})
            raise ValueError(f"a plan holds each address once: {', '.join(duplicated)} appear more than once")
        known = set(addresses)
        unknown = sorted({address for edge in self.edges for address in edge if address not in known})
        if unknown:
            raise ValueError(f"plan edges name addresses without an item: {', '.join(unknown)}")

    @property
    def changed(self):
        return any(item.changed for item in self.items)

    def item(self, address):
        return next(item for item in self.items if item.address == address)

    def dependencies(self, address):
        """The addresses ``address`` depends on directly."""
        return tuple(dependency for dependent, dependency in self.edges if dependent == address)

    def summary(self):
        """``{"adopt", "add", "change", "destroy"}`` counts, Terraform's way: a replacement adds one and destroys one."""
        counts = {"adopt": 0, "add": 0, "change": 0, "destroy": 0}
        for item in self.items:
            counts["adopt"] += item.action == ADOPT
            if item.action in (CREATE, REPLACE):
                counts["add"] += 1
            if item.action in (DELETE, REPLACE):
                counts["destroy"] += 1
            if item.action == UPDATE:
                counts["change"] += 1
        return counts

    def diff(self):
        return plan_diff(self.items)

    def to_json(self):
        """A JSON-safe dict of the whole plan."""
        return {
            "format_version": PLAN_FORMAT_VERSION,
            "subject": self.subject,
            "items": [item.to_json() for item in self.items],
            "edges": [list(edge) for edge in self.edges],
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_json(cls, data):
        if data.get("format_version") != PLAN_FORMAT_VERSION:
            raise ValueError(f"plan format {data.get('format_version')!r} is not {PLAN_FORMAT_VERSION}: make the plan again with this version")
        return cls(
            items=tuple(PlanItem.from_json(item) for item in data["items"]),
            edges=tuple(tuple(edge) for edge in data["edges"]),
            fingerprint=dict(data["fingerprint"]),
            subject=dict(data["subject"]),
        )


def version_digest(fields):
    """A short stable digest of JSON-safe ``fields``: the version of an object whose API has no version of its own."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()[:16]


def stale_addresses(plan, fingerprint):
    """The addresses whose live version in ``fingerprint`` differs from the one ``plan`` was made from."""
    return sorted(address for address, version in plan.fingerprint.items() if fingerprint.get(address) != version)
