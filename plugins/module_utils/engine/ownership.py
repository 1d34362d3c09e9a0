# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Which objects a run may change: those its topology manages, told by the marks it keeps in the platform.

There is no local state file: vSphere tags and Kubernetes labels
(``resources.ownership``) say which clusters, namespaces and guest clusters
a topology made. The kinds' plans are adjusted here:

- an object that exists and carries no mark of the topology is left alone,
  shown as "exists, not managed by this topology", unless the entry says
  ``adopt: true`` or the run adopts (``-adopt``): then it is marked, and
  nothing else about it changes in that run (Terraform's import);
- Spherelet, the control plane and the services of a Supervisor follow the
  Supervisor's ownership;
- an object still marked whose entry left the file is planned for
  destruction (the kinds find these: ``Kind.orphans``);
- an object whose protection in the platform differs from ``protect`` in
  the file is updated, so that its marks say it;
- a protected object (in the file, or by its marks once its entry is gone)
  that the plan would destroy or replace fails the plan, naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import CONTROL_PLANE, SERVICE, SPHERELET, SUPERVISOR
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import ADOPT, DELETE, NONE, NOT_MANAGED, REPLACE, UPDATE, PlanItem

# What a kind says of one object's marks (Kind.owner).
ABSENT, OWNED, NOT_MARKED = "absent", "owned", "not marked"
# Kinds whose objects are the Supervisor's: they follow its ownership.
FOLLOWERS = (SPHERELET, CONTROL_PLANE, SERVICE)


@dataclass(frozen=True)
class Ownership:
    """The topology a run works for (its ``name``) and whether the run takes over every unmarked object the file names."""

    topology: str
    adopt: bool = False


@dataclass(frozen=True)
class Owner:
    """One object's marks: ABSENT (the object does not exist), OWNED or NOT_MARKED, and whether it is marked protected."""

    state: str
    protected: bool = False


def owned_items(desired, planned, kinds, ownership):
    """``{address: PlanItem}``: each planned item as the ownership of its object allows."""
    owners = {}
    items = {}
    for each in desired:
        one = planned[each.address]
        if each.kind in FOLLOWERS:
            continue
        owner = kinds[each.kind].owner(one)
        owners[each.address] = owner
        items[each.address] = _owned_item(each, one.item, owner, ownership)
    for each in desired:
        if each.kind in FOLLOWERS:
            parent = owners.get(_supervisor_address(each))
            item = planned[each.address].item
            if parent is not None and parent.state == NOT_MARKED:
                adopting = items[_supervisor_address(each)].action == ADOPT
                item = replace(item, action=NONE, forces=(), reasons=() if adopting else (NOT_MANAGED,), after=item.before)
            items[each.address] = item
    return items


def _owned_item(desired, item, owner, ownership):
    present = desired.spec.state not in ("absent", "disabled")
    if owner.state == NOT_MARKED:
        if present and (ownership.adopt or desired.scope.get("adopt")):
            return PlanItem(item.address, ADOPT, item.before, item.before, (f"marked as managed by topology {ownership.topology}",))
        return PlanItem(item.address, NONE, item.before, item.before, (NOT_MANAGED,))
    wanted = bool(desired.scope.get("protect"))
    if owner.state == OWNED and present and owner.protected != wanted and item.action in (NONE, UPDATE):
        before, after = dict(item.before or {}, protect=owner.protected), dict(item.after or {}, protect=wanted)
        return PlanItem(item.address, UPDATE, before, after, (*item.reasons, f"protect: {owner.protected} -> {wanted}"))
    return item


def _supervisor_address(desired):
    """The Supervisor a follower belongs to: named in its scope (Spherelet of a zone's cluster), else of its own cluster."""
    return desired.scope.get("supervisor") or f"{SUPERVISOR}.{desired.address.split('.', 1)[1]}"


def refuse_destroying_protected(desired, items, owners_protected):
    """Raise, before any change, when the plan would destroy or replace an object protected by the file or, once its entry is gone, by its marks."""
    problems = []
    for each in desired:
        action = items[each.address].action
        if action not in (DELETE, REPLACE):
            continue
        verb = "replace" if action == REPLACE else "destroy"
        if each.scope.get("protect") and not each.scope.get("orphan"):
            problems.append(
                f"{each.path}.protect: {each.address} is protected, and the plan would {verb} it: set protect: false first, or leave it out of the run"
            )
        elif each.scope.get("orphan") and owners_protected(each):
            problems.append(
                f"{each.address} is protected (protect: true when it was last applied) and its entry is no longer in the topology:"
                f" the plan would {verb} it: put the entry back, or apply it with protect: false before removing it"
            )
    if problems:
        raise InvalidArgumentError("; ".join(problems))
