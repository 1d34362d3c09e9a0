"""The VM class kind: classes of the file known before anything is read, and a class removed only when the plan takes what uses it."""

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import NAMESPACE, VM_CLASS, Desired
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.base import Planned, RunContext
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.supervisor import catalog
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.vm_class import VmClassKind
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import plan_item
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.catalog import VM_CLASS as CATALOG_VM_CLASS
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.catalog import VM_CLASSES_PATH
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.namespace import NamespaceSpec
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.vm_class import VmClassSpec


class FakeRest:
    def __init__(self, classes):
        self.classes = classes
        self.calls = []

    def get(self, path, *, params=None, what=None):
        self.calls.append(path)
        assert path == VM_CLASSES_PATH
        return self.classes


class FakeSessions:
    def __init__(self, rest):
        self._rest = rest

    def rest(self):
        return self._rest


def kind_over(classes):
    rest = FakeRest(classes)
    return VmClassKind(RunContext(FakeSessions(rest), read_descriptor=None)), rest


def used(namespaces=(), vms=()):
    return {"id": "team-a-workers", "cpu_count": 2, "memory_MB": 4096, "namespaces": list(namespaces), "vms": list(vms)}


def removal():
    return Desired(VM_CLASS, "vm_class.team-a-workers", VmClassSpec("team-a-workers", state="absent"), path="vm_classes[0]")


def namespace_plan(name, before, after):
    desired = Desired(NAMESPACE, f"namespace.C1/{name}", NamespaceSpec(name=name))
    return {desired.address: Planned(desired, plan_item(desired.address, before, after))}


def test_a_class_of_the_file_is_known_to_the_namespaces_before_it_exists():
    kind, rest = kind_over([])
    made = Desired(VM_CLASS, "vm_class.team-a-workers", VmClassSpec("team-a-workers", cpu_count=2, memory_mb=4096))

    kind.prepare([made])

    catalog(kind.context).check_names("namespace 'team-a'", vm_classes=["team-a-workers"])  # no "not found"
    with pytest.raises(InvalidArgumentError, match="vm_classes: VM class 'other' not found"):
        catalog(kind.context).check_names("namespace 'team-a'", vm_classes=["other"])
    planned = kind.plan(made, kind.read_all([made])[made.address])
    assert planned.item.action == "create" and rest.calls == [VM_CLASSES_PATH]  # one list, the catalog's
    assert catalog(kind.context).records(CATALOG_VM_CLASS) == []


def test_removing_a_class_a_kept_namespace_binds_is_refused_naming_it_and_its_vms():
    kind, _rest = kind_over([used(["team-a"], ["vm-7"])])
    kind.earlier = namespace_plan("team-a", {"vm_classes": ["team-a-workers"]}, {"vm_classes": ["team-a-workers"]})

    with pytest.raises(InvalidArgumentError) as refused:
        kind.plan(removal(), kind.read_all([removal()])[removal().address])
    assert str(refused.value) == (
        "vm_classes[0]: vm_class.team-a-workers is in use and the plan would delete it (namespaces the plan keeps are bound to it:"
        " 'team-a'; VMs are made from it: vm-7): unbind it from those namespaces (their vm_classes) and delete its VMs first, or keep the class")


def test_a_class_whose_namespaces_the_plan_deletes_goes_with_them_vms_and_all():
    kind, _rest = kind_over([used(["team-a"], ["vm-7"])])
    kind.earlier = namespace_plan("team-a", {"vm_classes": ["team-a-workers"]}, None)

    planned = kind.plan(removal(), kind.read_all([removal()])[removal().address])

    assert planned.item.action == "delete" and planned.desired.spec.force


def test_unbinding_releases_the_namespace_but_not_the_vms_made_in_it():
    kind, _rest = kind_over([used(["team-a"], ["vm-7"])])
    kind.earlier = namespace_plan("team-a", {"vm_classes": ["team-a-workers"]}, {"vm_classes": []})

    with pytest.raises(InvalidArgumentError, match=r"in use and the plan would delete it \(VMs are made from it: vm-7\)"):
        kind.plan(removal(), kind.read_all([removal()])[removal().address])

    kind, _rest = kind_over([used(["team-a"])])
    kind.earlier = namespace_plan("team-a", {"vm_classes": ["team-a-workers"]}, {"vm_classes": []})
    assert kind.plan(removal(), kind.read_all([removal()])[removal().address]).item.action == "delete"
