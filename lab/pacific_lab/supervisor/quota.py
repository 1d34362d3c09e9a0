"""What VMs cost a vSphere Namespace, measured against its limits.

A node uses its VM class's vCPUs (at the hosts' per-core MHz), its memory,
and storage for its boot disk (the node image) plus any volumes, on its
storage class. vCenter limits CPU (MHz), memory (MiB) and storage (MiB) per
namespace, and storage per storage policy.
"""

from dataclasses import dataclass, field

BOOT_DISK_MIB = 16 * 1024  # the TKR node images' disk


@dataclass
class Usage:
    cpu_mhz: int = 0
    memory_mib: int = 0
    storage_mib: int = 0
    storage_by_class: dict = field(default_factory=dict)

    def add(self, count, cpus, memory_mib, vcpu_mhz, storage_class, storage_mib):
        self.cpu_mhz += count * cpus * vcpu_mhz
        self.memory_mib += count * memory_mib
        self.storage_mib += count * storage_mib
        self.storage_by_class[storage_class] = self.storage_by_class.get(storage_class, 0) + count * storage_mib

    def plus(self, other):
        total = Usage(self.cpu_mhz + other.cpu_mhz, self.memory_mib + other.memory_mib,
                      self.storage_mib + other.storage_mib, dict(self.storage_by_class))
        for storage_class, mib in other.storage_by_class.items():
            total.storage_by_class[storage_class] = total.storage_by_class.get(storage_class, 0) + mib
        return total


def shortfalls(namespace, wanted, others):
    """Why `wanted` (a cluster's usage) does not fit next to `others` in `namespace` (a NamespaceInfo); [] if it fits."""
    limits, total = namespace.limits, wanted.plus(others)
    found = []
    for label, unit, limit, needed, used in (
            ("CPU", "MHz", limits.cpu_mhz, wanted.cpu_mhz, others.cpu_mhz),
            ("memory", "MiB", limits.memory_mib, wanted.memory_mib, others.memory_mib),
            ("storage", "MiB", limits.storage_mib, wanted.storage_mib, others.storage_mib)):
        if limit is not None and needed + used > limit:
            found.append(f"{label}: needs {needed} {unit}, {used} {unit} used by other workloads, "
                         f"namespace limit {limit} {unit}")
    for policy in namespace.storage_policies:
        used_here = total.storage_by_class.get(policy.storage_class, 0)
        if policy.limit_mib is not None and used_here > policy.limit_mib:
            found.append(f"storage class {policy.storage_class}: needs {used_here} MiB in all, "
                         f"limit {policy.limit_mib} MiB")
    return found
