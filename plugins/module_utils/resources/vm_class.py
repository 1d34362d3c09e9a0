# Copyright: (c) 2026, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""VM classes: the sizes (vCPUs, memory, reservations, vGPU profiles) a VI admin offers to the namespaces of a vCenter.

A class is vCenter-wide; namespaces are bound to classes (the ``namespace``
module's ``vm_classes``) and VMs of the VM Service, guest clusters' nodes
among them, are made from one. ``read_all()`` is one list: each class's Info
names the namespaces bound to it and the VMs of the class, which is what a
delete must know. A change is a PATCH of the fields that differ; VMs made
before keep their size, VMs made after get the new one. vCenter deletes a
class whatever uses it, so the module refuses to unless ``force`` is set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, NotFoundError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import changed_fields, plan_item
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.catalog import VM_CLASS, VM_CLASSES_PATH, Catalog

# VirtualMachineClasses.CreateSpec.id: a DNS label (RFC 1123), unique in the vCenter.
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DNS_LABEL_RULE = "at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"
# A class's memory: 4 MB to 24 TB, a multiple of 4 MB (vSphere with Tanzu, "VM Class Attributes").
MEMORY_MB_RANGE = (4, 24 * 1024 * 1024)
# What the user sets, in the order plans and diffs show it.
FIELDS = ("cpu_count", "memory_mb", "cpu_reservation", "memory_reservation", "description", "vgpu_profiles")
# The module's names for the API's fields.
API_FIELDS = {"cpu_count": "cpu_count", "memory_mb": "memory_MB", "cpu_reservation": "cpu_reservation",
              "memory_reservation": "memory_reservation", "description": "description"}


@dataclass(frozen=True)
class VmClassSpec:
    """What the user asks of one VM class; None leaves a field as it is (or, on create, to vCenter's default)."""

    name: str
    cpu_count: Optional[int] = None
    memory_mb: Optional[int] = None
    cpu_reservation: Optional[int] = None  # percent of the class's CPUs, at the slowest host's frequency
    memory_reservation: Optional[int] = None  # percent of its memory
    description: Optional[str] = None
    vgpu_profiles: Optional[tuple] = None
    state: str = "present"
    force: bool = False

    def validate(self):
        """Raise InvalidArgumentError, naming every option vCenter would refuse, before any request."""
        problems = self.problems()
        if problems:
            raise InvalidArgumentError("; ".join(problems))

    def problems(self):
        """What vCenter would refuse, one ``option: why`` each (the topology prefixes them with the entry's key path)."""
        problems = []
        if not DNS_LABEL.match(self.name or ""):
            problems.append(f"name: {self.name!r} is not a VM class name: {DNS_LABEL_RULE}")
        if self.cpu_count is not None and self.cpu_count < 1:
            problems.append(f"cpu_count: {self.cpu_count} is out of range: 1 or more")
        if self.memory_mb is not None and not (MEMORY_MB_RANGE[0] <= self.memory_mb <= MEMORY_MB_RANGE[1] and self.memory_mb % 4 == 0):
            problems.append(f"memory_mb: {self.memory_mb} is not a VM class memory: a multiple of 4 from {MEMORY_MB_RANGE[0]} to {MEMORY_MB_RANGE[1]} (24 TB)")
        for option in ("cpu_reservation", "memory_reservation"):
            value = getattr(self, option)
            if value is not None and not 0 <= value <= 100:
                problems.append(f"{option}: {value} is out of range: from 0 to 100 (percent)")
        for index, profile in enumerate(self.vgpu_profiles or ()):
            if not profile or not profile.strip():
                problems.append(f"vgpu_profiles[{index}]: {profile!r} is empty: name an NVIDIA vGPU profile such as 'grid_t4-4q'")
        return problems


@dataclass(frozen=True)
class VmClass:
    """A VM class as vCenter has it."""

    name: str
    cpu_count: int
    memory_mb: int
    cpu_reservation: Optional[int]
    memory_reservation: Optional[int]
    description: str
    vgpu_profiles: tuple
    namespaces: tuple
    vms: tuple
    config_status: str
    other_devices: dict  # the devices the module does not manage (dynamic DirectPath I/O), kept on an update

    @classmethod
    def from_info(cls, info):
        devices = info.get("devices") or {}
        return cls(
            name=info["id"],
            cpu_count=info.get("cpu_count"),
            # memory_MB as 7.0's reference spells it; 8.0's spells it memory_mb (govmomi reads either, case-blind).
            memory_mb=info.get("memory_MB", info.get("memory_mb")),
            cpu_reservation=info.get("cpu_reservation"),
            memory_reservation=info.get("memory_reservation"),
            description=info.get("description") or "",
            vgpu_profiles=tuple(device.get("profile_name") for device in devices.get("vgpu_devices") or ()),
            namespaces=tuple(info.get("namespaces") or ()),
            vms=tuple(info.get("vms") or ()),
            config_status=info.get("config_status") or "",
            other_devices={key: value for key, value in devices.items() if key != "vgpu_devices"},
        )

    def view(self):
        """The user-settable fields, as plans and diffs show them."""
        return {"cpu_count": self.cpu_count, "memory_mb": self.memory_mb, "cpu_reservation": self.cpu_reservation,
                "memory_reservation": self.memory_reservation, "description": self.description, "vgpu_profiles": list(self.vgpu_profiles)}


class VmClasses:
    """The VM classes of one vCenter, through a REST client; listed through ``catalog``, whose list namespaces share."""

    def __init__(self, rest, *, catalog=None):
        self._rest = rest
        self._catalog = catalog or Catalog(rest)

    def read_all(self):
        """``{name: VmClass}``, from one list (the catalog's, read once per run)."""
        return {info["id"]: VmClass.from_info(info) for info in self._catalog.records(VM_CLASS)}

    @staticmethod
    def describe(vm_class):
        """What the modules return for a class (None when it does not exist)."""
        if vm_class is None:
            return None
        return {"name": vm_class.name, **vm_class.view(), "namespaces": list(vm_class.namespaces), "vms": list(vm_class.vms),
                "config_status": vm_class.config_status}

    # -- plan ---------------------------------------------------------------------

    def plan(self, spec, classes):
        """The PlanItem for ``spec`` given ``classes`` (``read_all()``); raises, before any change, on what cannot be done."""
        spec.validate()
        live = classes.get(spec.name)
        before = None if live is None else live.view()
        address = f"vm_class/{spec.name}"
        if spec.state == "absent":
            if live is not None and (live.namespaces or live.vms) and not spec.force:
                raise InvalidArgumentError(f"state: absent: VM class '{spec.name}' is in use ({_users(live)}); "
                                           "unbind it and delete its VMs first, or set force: true to delete it anyway")
            return plan_item(address, before, None)
        if live is None:
            missing = [option for option in ("cpu_count", "memory_mb") if getattr(spec, option) is None]
            if missing:
                raise InvalidArgumentError(f"{' and '.join(missing)}: required to create VM class '{spec.name}', which does not exist")
        after = {}
        for name in FIELDS:
            wanted = getattr(spec, name)
            if name == "vgpu_profiles" and wanted is not None:
                wanted = list(wanted)
            after[name] = wanted if wanted is not None else (before[name] if before is not None else _create_default(name))
        return plan_item(address, before, after, changed_fields(before, after, FIELDS) if before is not None else ())

    # -- apply --------------------------------------------------------------------

    def apply(self, spec, item, classes):
        """Carry out ``item`` (from ``plan``); returns the class as vCenter then has it (None once deleted)."""
        if not item.changed:
            return classes.get(spec.name)
        path = f"{VM_CLASSES_PATH}/{spec.name}"
        if item.action == "delete":
            try:
                self._rest.delete(path, what=f"delete VM class '{spec.name}'")
            except NotFoundError:
                pass  # gone already (a delete sent before, answered too late): what was asked
            return None
        live = classes.get(spec.name)
        if item.action == "create":
            self._rest.post(VM_CLASSES_PATH, json={"id": spec.name, **self._fields(item.after, FIELDS, None)},
                            what=f"create VM class '{spec.name}'", read_back=lambda: self._exists(spec.name))
        else:
            differing = [name for name in FIELDS if item.before[name] != item.after[name]]
            self._rest.patch(path, json=self._fields(item.after, differing, live), what=f"update VM class '{spec.name}'")
        return VmClass.from_info(self._rest.get(path, what=f"read VM class '{spec.name}'"))

    # -- helpers ------------------------------------------------------------------

    @staticmethod
    def _fields(view, names, live):
        """The Create/UpdateSpec fields for ``names`` of ``view``; devices keep what the module does not manage."""
        body = {API_FIELDS[name]: view[name] for name in names if name in API_FIELDS and view[name] is not None}
        if "vgpu_profiles" in names and (view["vgpu_profiles"] or live is not None):
            body["devices"] = {**(live.other_devices if live is not None else {}),
                               "vgpu_devices": [{"profile_name": profile} for profile in view["vgpu_profiles"]]}
        return body

    def _exists(self, name):
        try:
            self._rest.get(f"{VM_CLASSES_PATH}/{name}", what=f"read VM class '{name}'")
        except NotFoundError:
            return False
        return True


def _create_default(name):
    """What a new class has for a field the user leaves unset: no reservation, no description, no vGPU."""
    return {"description": "", "vgpu_profiles": []}.get(name)


def _users(vm_class):
    parts = []
    if vm_class.namespaces:
        parts.append("bound to namespaces " + ", ".join(f"'{name}'" for name in vm_class.namespaces))
    if vm_class.vms:
        parts.append("VMs " + ", ".join(vm_class.vms))
    return "; ".join(parts)
