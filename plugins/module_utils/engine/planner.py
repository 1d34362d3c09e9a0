# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""From desired objects to one Plan: one batched read per kind, then a plan item per object.

Kinds are read in waves: the zones, Spherelet and the Supervisors at once
(different APIs), then the control planes, services and namespaces of those Supervisors, then the
guest clusters of those namespaces, the VM classes and the Supervisor Services' registrations (whose
removal weighs what the plan does to the namespaces bound to them, the Supervisors running them). An object whose parent this run creates
cannot be read yet; it is planned as a create with what the
server makes known after apply, and planned again when it is applied.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import (
    CONTROL_PLANE,
    GUEST_CLUSTER,
    KINDS,
    NAMESPACE,
    SERVICE,
    SPHERELET,
    SUPERVISOR,
    SUPERVISOR_SERVICE,
    VM_CLASS,
    ZONE,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.executor import DEFAULT_HEARTBEAT, DEFAULT_PARALLELISM, execute
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.graph import PUT, REMOVE
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.control_plane import ControlPlaneKind
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.guest_cluster import GuestClusterKind
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.namespace import NamespaceKind
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.spherelet import SphereletKind
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.supervisor import SupervisorKind
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.supervisor_service import ServiceKind, SupervisorServiceKind
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.vm_class import VmClassKind
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.zone import ZoneKind
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.ownership import owned_items, refuse_destroying_protected
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import ADOPT, CREATE, DELETE, REPLACE, Plan

KIND_CLASSES = {
    ZONE: ZoneKind,
    VM_CLASS: VmClassKind,
    SUPERVISOR_SERVICE: SupervisorServiceKind,
    SPHERELET: SphereletKind,
    SUPERVISOR: SupervisorKind,
    CONTROL_PLANE: ControlPlaneKind,
    SERVICE: ServiceKind,
    NAMESPACE: NamespaceKind,
    GUEST_CLUSTER: GuestClusterKind,
}
# Kinds read together: each wave needs the plans of the waves before it.
WAVES = ((ZONE, SPHERELET, SUPERVISOR), (CONTROL_PLANE, SERVICE, NAMESPACE), (GUEST_CLUSTER, VM_CLASS, SUPERVISOR_SERVICE))
# A Supervisor can be read before Spherelet is installed; the others cannot be read before their parent exists.
READABLE_BEFORE_PARENT = {SUPERVISOR}


@dataclass
class PlatformPlan:
    """The Plan and, by address, what each kind needs to apply its item (``kinds.base.Planned``).

    ``replacing`` maps an address replaced by the run's own steps (on request,
    or living in a replaced object) to the Desired that removes it.
    """

    plan: Plan
    planned: dict = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)
    replacing: dict = field(default_factory=dict)


def make_plan(desired, context, *, subject=None, replace_addresses=(), kinds=KINDS):
    """The PlatformPlan of ``desired`` (``desired.Desired`` objects), read through ``context`` (``kinds.base.RunContext``).

    With ``context.ownership``, objects of the topology's marks that the file
    no longer names are added as removals, and the items follow what the
    marks allow (``engine.ownership``); orphans are looked for among
    ``kinds`` only, the kinds the run covers. ``replace_addresses`` are
    replaced whatever the plan finds (``-replace``). What a replaced object
    holds is replaced with it: the namespaces and guest clusters of a
    Supervisor that is disabled and enabled again, the guest clusters of a
    namespace made anew.
    """
    covered = set(kinds)
    kinds = {name: cls(context) for name, cls in KIND_CLASSES.items()}
    desired = list(desired)
    by_kind = {}
    for each in desired:
        by_kind.setdefault(each.kind, []).append(each)
    planned = {}
    for each in kinds.values():
        each.prepare(by_kind.get(each.name, []))
    for wave in WAVES:
        for kind in wave:
            kinds[kind].earlier = dict(planned)
        if context.ownership is not None:
            for kind in (kind for kind in wave if kind in covered):
                found = kinds[kind].orphans(by_kind.get(kind, []), planned)
                desired += found
                by_kind.setdefault(kind, []).extend(found)
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
    desired = _in_build_order(desired)
    if context.ownership is not None:
        items = owned_items(desired, planned, kinds, context.ownership)
    else:
        items = {each.address: planned[each.address].item for each in desired}
    replacing = _replacements(desired, items, kinds, replace_addresses)
    items.update({address: _replaced(items[address], why) for address, (_teardown, why) in replacing.items()})
    replacing = {address: teardown for address, (teardown, _why) in replacing.items()}

    def protected_by_marks(each):
        return kinds[each.kind].owner(planned[each.address]).protected

    refuse_destroying_protected(desired, items, protected_by_marks)
    edges = tuple((each.address, parent) for each in desired for parent in each.depends_on if parent in planned)
    fingerprint = {address: one.version for address, one in planned.items()}
    plan = Plan(items=tuple(items[each.address] for each in desired), edges=edges, fingerprint=fingerprint, subject=subject or {})
    return PlatformPlan(plan, planned, kinds, replacing)


def _in_build_order(desired):
    """The file's objects and the orphans found among them, kind by kind in build order (orphans after the file's own)."""
    order = {kind: index for index, kind in enumerate(KIND_CLASSES)}
    return sorted(desired, key=lambda each: order[each.kind])


def _replacements(desired, items, kinds, requested):
    """``{address: (teardown Desired, why)}``: the objects replaced on request, and what lives in a replaced object."""
    known = {each.address: each for each in desired}
    refused = [address for address in requested if address not in known or kinds[known[address].kind].teardown(known[address]) is None]
    if refused:
        replaceable = ", ".join(each.address for each in desired if kinds[each.kind].teardown(each) is not None)
        raise InvalidArgumentError(
            f"-replace: {', '.join(refused)} cannot be replaced:"
            f" give the address of a Supervisor, service, namespace or guest cluster of the plan ({replaceable})"
        )
    replacing = {}
    replaced = set()
    for each in desired:
        item = items[each.address]
        exists = item.before is not None and not item.not_managed and item.action != DELETE
        parent = next((parent for parent in each.depends_on if parent in replaced), None)
        if item.action == REPLACE:
            replaced.add(each.address)
        if not exists or (each.address not in requested and parent is None):
            continue
        teardown = kinds[each.kind].teardown(each)
        if teardown is None:
            continue  # a control plane is made again by its Supervisor
        replaced.add(each.address)
        replacing[each.address] = (teardown, "replacement requested with -replace" if each.address in requested else f"{parent} is replaced")
    return replacing


def _replaced(item, why):
    return replace(item, action=REPLACE, after=item.after or item.before, reasons=(*item.reasons, why), forces=item.forces or ("-replace",))


def _plan_kind(kind, desired, planned):
    """Plan every object of one kind; ``planned`` holds the plans of the kinds before it (read only here)."""
    deferred = [each for each in desired if kind.name not in READABLE_BEFORE_PARENT and any(_is_new(planned.get(parent)) for parent in each.depends_on)]
    readable = [each for each in desired if each not in deferred]
    live = kind.read_all(readable) if readable else {}
    result = {each.address: kind.plan(each, live[each.address]) for each in readable}
    result.update({each.address: kind.plan_deferred(each) for each in deferred})
    return result


def _is_new(parent):
    # A deferred create is a create; a deferred delete (planned again when applied) is not new. The children
    # of a replaced parent exist: they are read, and replaced with it (_replacements). A parent still being
    # made (a Supervisor CONFIGURING after a run cut short) cannot take children yet: they wait for it.
    return parent is not None and (parent.item.action == CREATE or parent.settling)


def apply_plan(platform_plan, *, parallelism=DEFAULT_PARALLELISM, on_event=lambda event: None, heartbeat=DEFAULT_HEARTBEAT):
    """Apply every item of ``platform_plan`` through its kind, in dependency order (``executor.execute``); return the Outcome.

    Marks go on before an object is made or changed and come off after it is
    gone, so that a run cut short leaves no object its topology does not own.
    """
    kinds, planned, replacing = platform_plan.kinds, platform_plan.planned, platform_plan.replacing

    def apply_step(item, phase):
        kind, one = kinds[item.kind], planned[item.address]
        if item.address in replacing:
            return _replace_step(kind, one, replacing[item.address], phase)
        if item.action == ADOPT:
            kind.mark(one)
            return one.view
        if item.action != DELETE:
            kind.mark(one)
        result = kind.apply(one, phase) if one.item.changed else one.view
        if item.action == DELETE:
            kind.unmark(one)
        return result

    return execute(platform_plan.plan, apply_step, parallelism=parallelism, on_event=on_event, heartbeat=heartbeat)


def _replace_step(kind, one, teardown, phase):
    """One step of a requested replacement: remove the object as ``teardown`` says, then make it again from what is live then."""
    if phase == REMOVE:
        return kind.apply(kind.plan(teardown, kind.read_all([teardown])[teardown.address]), REMOVE)
    return kind.apply(replace(one, deferred=True), PUT)
