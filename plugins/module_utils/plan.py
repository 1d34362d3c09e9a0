# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The plan item: what applying the desired state would do to one object.

Every resource compares the live state with the desired state and returns plan
items; modules turn them into ``changed`` and ``diff``, the ``pacific`` command
renders them Terraform-style. Whether an item changes anything is decided here
once: an object that appears is created, one that goes away is deleted, one
that stays is updated when there are reasons to, and left alone otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

CREATE = "create"
UPDATE = "update"
DELETE = "delete"
NONE = "none"


@dataclass(frozen=True)
class PlanItem:
    """One object's planned change.

    ``address`` names the object among the items of a plan (``vib/esx-01/spherelet``).
    ``before`` / ``after`` are the user-visible state before and after applying
    (None: the object does not exist then); they hold only what the user can
    set, so a diff of them shows what changes. ``reasons`` say, in words, why
    the object changes, or why it is left alone when that is worth knowing
    ("a newer version is installed").
    """

    address: str
    action: str
    before: Optional[dict] = None
    after: Optional[dict] = None
    reasons: tuple = field(default=())

    @property
    def changed(self):
        return self.action != NONE

    def as_dict(self):
        return {"address": self.address, "action": self.action, "before": self.before, "after": self.after, "reasons": list(self.reasons)}


def plan_item(address, before, after, reasons=()):
    """The item for an object that is ``before`` now and should be ``after``, its action derived from them.

    An object that exists before and after is updated only when ``reasons``
    are given: the caller compares what the user set and ignores the rest.
    """
    if before is None and after is not None:
        action = CREATE
    elif before is not None and after is None:
        action = DELETE
    elif before is not None and reasons:
        action = UPDATE
    else:
        action = NONE
    return PlanItem(address, action, before, after, tuple(reasons))


def changed_fields(before, after, fields):
    """Reasons ``"field: old -> new"`` for each of ``fields`` whose value differs between the two dicts."""
    return [f"{name}: {before.get(name)} -> {after.get(name)}" for name in fields if before.get(name) != after.get(name)]


def plan_diff(items):
    """Ansible's ``diff``: the before and after state of every item, keyed by address; absent objects are left out."""
    return {
        "before": {item.address: item.before for item in items if item.before is not None},
        "after": {item.address: item.after for item in items if item.after is not None},
    }
