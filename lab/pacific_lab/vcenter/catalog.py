"""What a Supervisor and its namespaces refer to by id: storage policies and
content libraries (fixed, as a freshly installed lab vCenter would have them)
and VM classes (seeded with the ones vCenter 7.0 ships, editable)."""

from pyVmomi import vim

from . import errors, specs
from .naming import check_dns_label
from .schema import require

STORAGE_POLICIES = (
    {"policy": "aa6d5a82-1c88-45da-85d3-3d74b91a5bad", "name": "vSAN Default Storage Policy",
     "description": "Storage policy used as default for vSAN datastores"},
    {"policy": "4d5f673c-536f-11e6-beb8-9e71128cae77", "name": "VM Encryption Policy",
     "description": "Sample storage policy for VMware's VM and virtual disk encryption"},
    {"policy": "b3a1c7e2-8d4f-4e5a-9c6b-0f1e2d3c4b5a", "name": "gold",
     "description": "Lab policy: the fast tier"},
    {"policy": "c4b2d8f3-9e5a-4f6b-8d7c-1a2b3c4d5e6f", "name": "silver",
     "description": "Lab policy: the capacity tier"},
)

LIBRARY_TIMESTAMP = "2022-01-27T00:00:00.000Z"
CONTENT_LIBRARIES = (
    {"id": "6d6f2a1e-4c3b-4b8a-9f0e-7a5d3c2b1e0f", "name": "tkg-content", "type": "SUBSCRIBED",
     "description": "Tanzu Kubernetes releases, subscribed from VMware",
     "subscription_info": {"authentication_method": "NONE", "automatic_sync_enabled": True, "on_demand": True,
                           "subscription_url": "https://wp-content.vmware.com/v2/latest/lib.json"}},
    {"id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "name": "local-images", "type": "LOCAL",
     "description": "Lab library for VM images",
     "publish_info": {"authentication_method": "NONE", "published": False, "persist_json_enabled": False}},
)

GIB = 1024
# vCenter 7.0's default classes: (size, vCPUs, memory in MiB); guaranteed-* reserve all of it.
VM_CLASS_SIZES = (
    ("xsmall", 2, 2 * GIB), ("small", 2, 4 * GIB), ("medium", 2, 8 * GIB), ("large", 4, 16 * GIB),
    ("xlarge", 4, 32 * GIB), ("2xlarge", 8, 64 * GIB), ("4xlarge", 16, 128 * GIB), ("8xlarge", 32, 128 * GIB),
)
VM_CLASS = "vm_class"  # store kind


def default_vm_classes():
    classes = []
    for size, cpus, memory in VM_CLASS_SIZES:
        classes.append({"id": f"best-effort-{size}", "cpu_count": cpus, "memory_MB": memory,
                        "description": f"best-effort-{size}: {cpus} vCPU, {memory // GIB} GiB memory"})
        classes.append({"id": f"guaranteed-{size}", "cpu_count": cpus, "memory_MB": memory,
                        "cpu_reservation": 100, "memory_reservation": 100,
                        "description": f"guaranteed-{size}: {cpus} vCPU, {memory // GIB} GiB memory, all reserved"})
    return classes


class Catalog:
    def __init__(self, store):
        self._store = store
        self.vms_of_class = lambda class_id: []  # the moids of a class's VMs: the Supervisors' VM Service knows them

    def seed(self):
        """Put the default VM classes in an empty store (a new lab, or after a reset)."""
        if not self._store.all(VM_CLASS):
            for vm_class in default_vm_classes():
                self._store.put(VM_CLASS, vm_class["id"], vm_class)

    # --- storage policies and libraries ---------------------------------------

    @staticmethod
    def policy_ids():
        return {policy["policy"] for policy in STORAGE_POLICIES}

    @staticmethod
    def library_ids():
        return {library["id"] for library in CONTENT_LIBRARIES}

    @staticmethod
    def list_policies(query):
        unknown = set(query) - {"policies"}
        if unknown:
            raise errors.invalid_argument(f"Unknown filter parameter(s) {sorted(unknown)}.", *sorted(unknown))
        wanted = set(query.get("policies", ()))
        return [dict(policy) for policy in STORAGE_POLICIES if not wanted or policy["policy"] in wanted]

    @staticmethod
    def list_libraries():
        return [library["id"] for library in CONTENT_LIBRARIES]

    @staticmethod
    def get_library(vsphere, library_id):
        library = next((lib for lib in CONTENT_LIBRARIES if lib["id"] == library_id), None)
        if library is None:
            raise errors.not_found(f"Library {library_id} not found.", library_id)
        datastores = vsphere.retrieve(vim.Datastore, ["name"])
        return {
            **library, "creation_time": LIBRARY_TIMESTAMP, "last_modified_time": LIBRARY_TIMESTAMP,
            "version": "2", "server_guid": vsphere.content.about.instanceUuid,
            "storage_backings": [{"type": "DATASTORE", "datastore_id": ds._moId} for ds, _ in datastores[:1]],
        }

    # --- VM classes -----------------------------------------------------------

    def vm_class_ids(self):
        return {vm_class["id"] for vm_class in self.vm_class_specs()}

    def vm_class_specs(self):
        """The classes as created, without what uses them: what a Supervisor's VM operator needs of them."""
        return self._store.all(VM_CLASS)

    def list_vm_classes(self, namespaces):
        return [self._vm_class_info(vm_class, namespaces) for vm_class in self.vm_class_specs()]

    def get_vm_class(self, class_id, namespaces):
        return self._vm_class_info(self._existing_vm_class(class_id), namespaces)

    def create_vm_class(self, spec):
        require(specs.VM_CLASS_CREATE, spec)
        _check_vm_class_values(spec)
        if self._store.get(VM_CLASS, spec["id"]) is not None:
            raise errors.already_exists(f"Virtual machine class {spec['id']} already exists.", spec["id"])
        self._store.put(VM_CLASS, spec["id"], _without_nulls(spec))

    def update_vm_class(self, class_id, spec):
        current = self._existing_vm_class(class_id)
        require(specs.VM_CLASS_UPDATE, spec)
        updated = {**current, **_without_nulls(spec)}
        _check_vm_class_values(updated)
        self._store.put(VM_CLASS, class_id, updated)

    def delete_vm_class(self, class_id):
        self._existing_vm_class(class_id)
        self._store.delete(VM_CLASS, class_id)

    def _existing_vm_class(self, class_id):
        vm_class = self._store.get(VM_CLASS, class_id)
        if vm_class is None:
            raise errors.not_found(f"Virtual machine class {class_id} not found.", class_id)
        return vm_class

    def _vm_class_info(self, vm_class, namespaces):
        using = sorted(ns["namespace"] for ns in namespaces
                       if vm_class["id"] in ns.get("vm_service_spec", {}).get("vm_classes", []))
        return {"devices": {"vgpu_devices": [], "dynamic_direct_path_IO_devices": []}, **vm_class,
                "namespaces": using, "vms": self.vms_of_class(vm_class["id"]), "config_status": "READY", "messages": []}


def _check_vm_class_values(spec):
    problems = []
    if "id" in spec and (reason := check_dns_label(spec["id"])):
        problems.append(("spec.id", reason))
    # memory: 4 MB to 24 TB, a multiple of 4 MB (vSphere with Tanzu 7.0, "VM Class Attributes", GUID-F8FE308C)
    for field, low, high in (("cpu_count", 1, None), ("memory_MB", 4, 24 * 1024 * 1024),
                             ("cpu_reservation", 0, 100), ("memory_reservation", 0, 100)):
        value = spec.get(field)
        if value is not None and (value < low or (high is not None and value > high)):
            problems.append((f"spec.{field}", f"must be {low}..{high}" if high else f"must be >= {low}"))
    if spec.get("memory_MB") is not None and spec["memory_MB"] % 4:
        problems.append(("spec.memory_MB", "must be a multiple of 4"))
    if problems:
        raise errors.invalid_fields(problems)


def _without_nulls(spec):
    return {key: value for key, value in spec.items() if value is not None}
