# Copyright: (c) 2026, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""VM classes, through resources.vm_class.

All classes are one list. The classes of the file are known to the run's
catalog before anything is read, so that a namespace binding a class this run
makes is planned (and made after the class). Classes are planned last: a
class leaves only when nothing outside the plan still uses it, and what the
plan does to the namespaces bound to it (deleting them, or unbinding it) is
known by then. Deleting a class bound to a namespace the plan keeps, or
whose VMs may outlive the plan, is refused before any change, naming them.
"""

from __future__ import annotations

from dataclasses import replace

from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import NAMESPACE, VM_CLASS, Desired, address
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.base import Kind, Planned, readdressed
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.supervisor import catalog
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.ownership import ABSENT, NOT_MARKED, OWNED, Owner
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import DELETE, version_digest
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.catalog import VM_CLASS as CATALOG_VM_CLASS
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.ownership import VM_CLASS_TYPE
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.vm_class import VmClasses, VmClassSpec


class VmClassKind(Kind):
    name = VM_CLASS

    def _classes(self):
        return self.context.shared("vm_classes", lambda: VmClasses(self.context.sessions.rest(), catalog=catalog(self.context)))

    def _live(self):
        return self.context.shared("vm_classes_read", lambda: self._classes().read_all())

    def prepare(self, desired):
        catalog(self.context).expect(CATALOG_VM_CLASS, [each.spec.name for each in desired if each.spec.state == "present"])

    def read_all(self, desired):
        live = self._live()
        return {each.address: live for each in desired}

    def orphans(self, desired, planned):
        gone = sorted(self.context.marked().vm_classes - {each.spec.name for each in desired})
        if not gone:
            return []
        live = self._live()
        return [
            Desired(VM_CLASS, address(VM_CLASS, name), VmClassSpec(name=name, state="absent"), scope={"orphan": True}, path=f"vm_class {name}")
            for name in gone
            if name in live  # marked, then never made (a run cut short) or deleted since: nothing to remove
        ]

    def plan(self, desired, live):
        spec = desired.spec
        if spec.state == "absent" and spec.name in live and self._may_change(spec.name):
            self._refuse_if_used(desired, live[spec.name])
            spec = replace(spec, force=True)  # what uses it goes with the plan
        classes = self._classes()
        item = readdressed(classes.plan(spec, live), desired.address)
        version = None if item.before is None else version_digest(item.before)
        return Planned(replace(desired, spec=spec), item, version, live, classes.describe(live.get(spec.name)))

    def plan_deferred(self, desired):
        raise AssertionError("a VM class has no parent")

    def apply(self, planned, phase):
        classes = self._classes()
        return classes.describe(classes.apply(planned.desired.spec, planned.item, planned.work))

    def owner(self, planned):
        if planned.view is None:
            return Owner(ABSENT)
        marked, name = self.context.marked(), planned.desired.spec.name
        return Owner(OWNED if name in marked.vm_classes else NOT_MARKED, name in marked.protected_vm_classes)

    def mark(self, planned):
        if self.context.ownership is not None:
            self.context.marks().mark(VM_CLASS_TYPE, planned.desired.spec.name, protect=bool(planned.desired.scope.get("protect")))

    def unmark(self, planned):
        if self.context.ownership is not None:
            self.context.marks().unmark(VM_CLASS_TYPE, planned.desired.spec.name)

    def _may_change(self, name):
        """Whether the run may delete the class: a class its topology does not mark is left alone (engine.ownership)."""
        return self.context.ownership is None or name in self.context.marked().vm_classes

    def _refuse_if_used(self, desired, vm_class):
        """Raise when a namespace the plan keeps is still bound to the class, or its VMs may outlive the plan."""
        deleted, unbound = set(), set()
        for one in self.earlier.values():
            if one.desired.kind != NAMESPACE:
                continue
            if one.item.action == DELETE:
                deleted.add(one.desired.spec.name)
            elif one.item.after is not None and vm_class.name not in (one.item.after.get("vm_classes") or ()):
                unbound.add(one.desired.spec.name)
        bound = [name for name in vm_class.namespaces if name not in deleted | unbound]
        # A VM lives in a namespace of the class: it goes when every one of them is deleted, not when one is unbound.
        vms = list(vm_class.vms) if vm_class.vms and not (vm_class.namespaces and set(vm_class.namespaces) <= deleted) else []
        users = []
        if bound:
            users.append("namespaces the plan keeps are bound to it: " + ", ".join(f"'{name}'" for name in bound))
        if vms:
            users.append("VMs are made from it: " + ", ".join(vms))
        if users:
            what = f"{desired.address} (no longer in the topology)" if desired.scope.get("orphan") else f"{desired.path}: {desired.address}"
            raise InvalidArgumentError(
                f"{what} is in use and the plan would delete it ({'; '.join(users)}):"
                " unbind it from those namespaces (their vm_classes) and delete its VMs first, or keep the class"
            )
