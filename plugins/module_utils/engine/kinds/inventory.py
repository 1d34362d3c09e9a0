# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The vim25 inventory a plan reads once for every kind that needs it: clusters, hosts, VMs and where VMs go.

Spherelet and the control planes read the same clusters and hosts; one
PropertyCollector retrieval of what both need serves the planning of both.
What is read again when an object is applied (a control plane planned before
its Supervisor existed) is read fresh, never from this snapshot.
"""

from __future__ import annotations

from ansible_collections.pacific.vsphere.plugins.module_utils.resources import control_plane_vms, host_vib


def merged(*inventories):
    """``{kind: properties}`` holding every property of every kind of ``inventories``."""
    kinds = {}
    for inventory in inventories:
        for kind, properties in inventory.items():
            kinds[kind] = tuple(dict.fromkeys((*kinds.get(kind, ()), *properties)))
    return kinds


def vim_inventory(context):
    """The run's one retrieval of the vim25 inventory the kinds plan from."""
    return context.shared("vim_inventory", lambda: context.sessions.vim().retrieve_many(merged(host_vib.INVENTORY, control_plane_vms.INVENTORY)))
