"""The shortest apply the lab allows: its simulated durations along a topology's longest dependency chain.

The chain of each Supervisor is Spherelet rollout → enable → control plane →
namespace → guest cluster. On the lab only two links take simulated time
(the rest is vcsim answering within the call):

- enabling Workload Management: the lab's `supervisor_enable_seconds`
  (`lab/pacific_lab/vcenter/settings.py`, read from the running lab);
- building a guest cluster: its VMs boot in `VM_BOOT` simulated seconds each
  (`lab/pacific_lab/supervisor/timing.py`); control-plane nodes join one
  after another, the workers together once the first control-plane node
  answers (`lab/pacific_lab/supervisor/guestclusters.py`).

Supervisors, and the guest clusters of one Supervisor, are independent, so
the critical path is the longest chain, times the lab's time scale.
"""

from __future__ import annotations

from pacific_lab.supervisor.timing import VM_BOOT


def guest_cluster_seconds(cluster):
    """Simulated seconds from a guest cluster's creation to all its nodes Ready."""
    control_plane = cluster["control_plane"]["replicas"]
    workers = any(pool["replicas"] > 0 for pool in cluster.get("node_pools") or [])
    return max(control_plane, 2 if workers else 1) * VM_BOOT


def critical_path_seconds(topology, enable_seconds, time_scale):
    """Real seconds of the longest chain of ``topology`` (with its defaults filled in) at ``time_scale``."""
    chains = []
    for supervisor in topology["supervisors"]:
        longest = max((guest_cluster_seconds(cluster) for namespace in supervisor.get("namespaces") or []
                       for cluster in namespace.get("guest_clusters") or []), default=0)
        chains.append(enable_seconds + longest)
    return max(chains, default=0) * time_scale
