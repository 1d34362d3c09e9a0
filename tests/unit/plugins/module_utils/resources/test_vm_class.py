"""VM classes over a fake vCenter REST API that answers in VirtualMachineClasses' shapes (Info, CreateSpec, UpdateSpec)."""

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, NotFoundError
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.vm_class import VM_CLASSES_PATH, VmClasses, VmClassSpec


class FakeVmClassesApi:
    """Classes by id, and who uses them; every call recorded."""

    def __init__(self):
        self.classes = {"best-effort-small": {"id": "best-effort-small", "cpu_count": 2, "memory_MB": 4096, "description": "small"}}
        self.users = {}  # id -> (namespaces, vms)
        self.calls = []

    def _info(self, vm_class):
        namespaces, vms = self.users.get(vm_class["id"], ((), ()))
        return {"devices": {"vgpu_devices": [], "dynamic_direct_path_IO_devices": []}, **vm_class,
                "namespaces": list(namespaces), "vms": list(vms), "config_status": "READY", "messages": []}

    def get(self, path, *, params=None, what=None):
        self.calls.append(("GET", path, None))
        if path == VM_CLASSES_PATH:
            return [self._info(vm_class) for vm_class in self.classes.values()]
        name = path.rsplit("/", 1)[1]
        if name not in self.classes:
            raise NotFoundError(f"Virtual machine class {name} not found.")
        return self._info(self.classes[name])

    def post(self, path, *, params=None, json=None, what=None, idempotent=None, read_back=None):
        self.calls.append(("POST", path, json))
        self.classes[json["id"]] = dict(json)

    def patch(self, path, *, params=None, json=None, what=None):
        self.calls.append(("PATCH", path, json))
        self.classes[path.rsplit("/", 1)[1]].update(json)

    def delete(self, path, *, params=None, what=None):
        self.calls.append(("DELETE", path, None))
        del self.classes[path.rsplit("/", 1)[1]]

    def mutations(self):
        return [call for call in self.calls if call[0] != "GET"]


def converge(api, spec):
    vm_classes = VmClasses(api)
    live = vm_classes.read_all()
    item = vm_classes.plan(spec, live)
    return item, vm_classes.apply(spec, item, live)


def test_a_class_is_created_with_what_is_set_then_left_alone():
    api = FakeVmClassesApi()
    item, made = converge(api, VmClassSpec("team-a-worker", cpu_count=4, memory_mb=8192, memory_reservation=50, vgpu_profiles=("grid_t4-4q",)))
    assert item.action == "create" and item.after == {"cpu_count": 4, "memory_mb": 8192, "cpu_reservation": None, "memory_reservation": 50,
                                                      "description": "", "vgpu_profiles": ["grid_t4-4q"]}
    assert api.mutations() == [("POST", VM_CLASSES_PATH, {"id": "team-a-worker", "cpu_count": 4, "memory_MB": 8192, "memory_reservation": 50,
                                                          "description": "", "devices": {"vgpu_devices": [{"profile_name": "grid_t4-4q"}]}})]
    assert made.vgpu_profiles == ("grid_t4-4q",) and made.memory_mb == 8192
    api.calls.clear()
    again = converge(api, VmClassSpec("team-a-worker", cpu_count=4, memory_mb=8192, memory_reservation=50))[0]
    assert again.action == "none" and api.mutations() == []
    assert [call[:2] for call in api.calls] == [("GET", VM_CLASSES_PATH)]  # one list, whatever the number of classes


def test_a_change_patches_only_the_fields_that_differ_and_keeps_other_devices():
    api = FakeVmClassesApi()
    api.classes["gpu"] = {"id": "gpu", "cpu_count": 8, "memory_MB": 16384,
                          "devices": {"vgpu_devices": [], "dynamic_direct_path_IO_devices": [{"vendor_id": 4318, "device_id": 7864}]}}
    item = converge(api, VmClassSpec("gpu", memory_mb=32768, vgpu_profiles=("grid_a100-8c",)))[0]
    assert item.action == "update" and item.reasons == ("memory_mb: 16384 -> 32768", "vgpu_profiles: [] -> ['grid_a100-8c']")
    assert api.mutations() == [("PATCH", f"{VM_CLASSES_PATH}/gpu", {
        "memory_MB": 32768, "devices": {"dynamic_direct_path_IO_devices": [{"vendor_id": 4318, "device_id": 7864}],
                                        "vgpu_devices": [{"profile_name": "grid_a100-8c"}]}})]


def test_a_used_class_is_deleted_only_with_force_naming_its_users():
    api = FakeVmClassesApi()
    api.users["best-effort-small"] = (("team-a", "team-b"), ("vm-1042",))
    with pytest.raises(InvalidArgumentError) as refused:
        converge(api, VmClassSpec("best-effort-small", state="absent"))
    assert str(refused.value) == ("state: absent: VM class 'best-effort-small' is in use (bound to namespaces 'team-a', 'team-b'; VMs vm-1042); "
                                  "unbind it and delete its VMs first, or set force: true to delete it anyway")
    assert api.mutations() == []
    item, gone = converge(api, VmClassSpec("best-effort-small", state="absent", force=True))
    assert (item.action, gone, api.mutations()) == ("delete", None, [("DELETE", f"{VM_CLASSES_PATH}/best-effort-small", None)])
    assert converge(api, VmClassSpec("best-effort-small", state="absent"))[0].action == "none"


@pytest.mark.parametrize("spec, message", [
    (VmClassSpec("Team_A", cpu_count=2, memory_mb=2048), "name: 'Team_A' is not a VM class name: at most 63 lowercase letters"),
    (VmClassSpec("team-a", cpu_count=0, memory_mb=2048), "cpu_count: 0 is out of range: 1 or more"),
    (VmClassSpec("team-a", cpu_count=2, memory_mb=2050), "memory_mb: 2050 is not a VM class memory: a multiple of 4 from 4 to 25165824 (24 TB)"),
    (VmClassSpec("team-a", cpu_count=2, memory_mb=2048, memory_reservation=101), "memory_reservation: 101 is out of range: from 0 to 100 (percent)"),
    (VmClassSpec("team-a", cpu_count=2, memory_mb=2048, vgpu_profiles=(" ",)), "vgpu_profiles[0]: ' ' is empty"),
    (VmClassSpec("team-a", cpu_count=2), "memory_mb: required to create VM class 'team-a', which does not exist"),
])
def test_bad_input_is_refused_before_any_change_naming_the_option(spec, message):
    api = FakeVmClassesApi()
    with pytest.raises(InvalidArgumentError) as refused:
        converge(api, spec)
    assert message in str(refused.value)
    assert api.mutations() == []
