# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""From desired objects to one Plan: one batched read per kind, then a plan item per object.

Kinds are read in waves: Spherelet and the Supervisors at once (different
APIs), then the control planes and namespaces of those Supervisors, then the
guest clusters of those namespaces. An object whose parent this run creates
(or replaces) cannot be read yet; it is planned as a create with what the
server makes known after apply, and planned again when it is applied.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import CONTROL_PLANE, GUEST_CLUSTER, NAMESPACE, SPHERELET, SUPERVISOR
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.executor import DEFAULT_HEARTBEAT, DEFAULT_PARALLELISM, execute
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.control_plane import ControlPlaneKind
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.guest_cluster import GuestClusterKind
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.namespace import NamespaceKind
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.spherelet import SphereletKind
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.supervisor import SupervisorKind
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import CREATE, DELETE, REPLACE, Plan

KIND_CLASSES = {
    SPHERELET: SphereletKind,
    SUPERVISOR: SupervisorKind,
    CONTROL_PLANE: ControlPlaneKind,
    NAMESPACE: NamespaceKind,
    GUEST_CLUSTER: GuestClusterKind,
}
# Kinds read together: each wave needs the plans of the waves before it.
WAVES = ((SPHERELET, SUPERVISOR), (CONTROL_PLANE, NAMESPACE), (GUEST_CLUSTER,))
# A Supervisor can be read before Spherelet is installed; the others cannot be read before their parent exists.
READABLE_BEFORE_PARENT = {SUPERVISOR}


@dataclass
class PlatformPlan:
    """The Plan and, by address, what each kind needs to apply its item (``kinds.base.Planned``)."""

    plan: Plan
    planned: dict = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)


def make_plan(desired, context, *, subject=None):
    """The PlatformPlan of ``desired`` (``desired.Desired`` objects), read through ``context`` (``kinds.base.RunContext``)."""
    kinds = {name: cls(context) for name, cls in KIND_CLASSES.items()}
    by_kind = {}
    for each in desired:
        by_kind.setdefault(each.kind, []).append(each)
    planned = {}
    for wave in WAVES:
        present = [kind for kind in wave if by_kind.get(kind)]
        if not present:
            continue
        if len(present) == 1:
            results = [_plan_kind(kinds[present[0]], by_kind[present[0]], planned)]
        else:
            with ThreadPoolExecutor(max_workers=len(present)) as pool:
                results = list(pool.map(lambda kind: _plan_kind(kinds[kind], by_kind[kind], planned), present))
        for result in results:
            planned.update(result)
    _refuse_destroying_protected(desired, planned)
    items = tuple(planned[each.address].item for each in desired)
    edges = tuple((each.address, parent) for each in desired for parent in each.depends_on if parent in planned)
    fingerprint = {address: one.version for address, one in planned.items()}
    return PlatformPlan(Plan(items=items, edges=edges, fingerprint=fingerprint, subject=subject or {}), planned, kinds)


def _refuse_destroying_protected(desired, planned):
    """Raise, before any change, when the plan would destroy or replace an entry marked ``protect: true``."""
    problems = [
        f"{each.path}.protect: {each.address} is protected, and the plan would {'replace' if planned[each.address].item.action == REPLACE else 'destroy'} it:"
        " set protect: false first, or leave it out of the run"
        for each in desired
        if each.scope.get("protect") and planned[each.address].item.action in (DELETE, REPLACE)
    ]
    if problems:
        raise InvalidArgumentError("; ".join(problems))


def _plan_kind(kind, desired, planned):
    """Plan every object of one kind; ``planned`` holds the plans of the kinds before it (read only here)."""
    deferred = [each for each in desired if kind.name not in READABLE_BEFORE_PARENT and any(_is_new(planned.get(parent)) for parent in each.depends_on)]
    readable = [each for each in desired if each not in deferred]
    live = kind.read_all(readable) if readable else {}
    result = {each.address: kind.plan(each, live[each.address]) for each in readable}
    result.update({each.address: kind.plan_deferred(each) for each in deferred})
    return result


def _is_new(parent):
    # A deferred create is a create; a deferred delete (planned again when applied) is not new.
    return parent is not None and parent.item.action in (CREATE, REPLACE)


def apply_plan(platform_plan, *, parallelism=DEFAULT_PARALLELISM, on_event=lambda event: None, heartbeat=DEFAULT_HEARTBEAT):
    """Apply every item of ``platform_plan`` through its kind, in dependency order (``executor.execute``); return the Outcome."""
    kinds, planned = platform_plan.kinds, platform_plan.planned

    def apply_step(item, phase):
        return kinds[item.kind].apply(planned[item.address], phase)

    return execute(platform_plan.plan, apply_step, parallelism=parallelism, on_event=on_event, heartbeat=heartbeat)
