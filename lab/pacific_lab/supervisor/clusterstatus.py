"""What a guest cluster reports: its status from its plan, its nodes and what went wrong.

TanzuKubernetesCluster: `phase` creating → running (updating while nodes
change, deleting, failed when a reference does not resolve), conditions
Ready, ControlPlaneReady, NodePoolsReady, TanzuKubernetesReleaseCompatible,
`apiEndpoints` once a control plane node answers, `totalWorkerReplicas`,
`version`. Cluster: `phase` Provisioning → Provisioned (Deleting),
conditions Ready, ControlPlaneReady, ControlPlaneInitialized,
InfrastructureReady, TopologyReconciled, and `infrastructureReady`,
`controlPlaneReady`, `observedGeneration`. A condition keeps its
lastTransitionTime while its status stays.
"""

import collections

from .apimachinery import meta
from .nodes import group_of, is_deleting, is_ready, ready_nodes, release_of
from .topology import CONTROL_PLANE


def cluster_status(kind, cluster, nodes, plans, problem, endpoint):
    """The status `cluster` (a TKC or a Cluster) should have now; `endpoint`: its API's {"host", "port"}."""
    status = meta.deep_copy(cluster.get("status") or {})
    conditions = status.setdefault("conditions", [])
    deleting = bool(cluster["metadata"].get("deletionTimestamp"))
    by_group = collections.defaultdict(list)
    for vm in nodes:
        if not is_deleting(vm):
            by_group[group_of(vm)].append(vm)
    group_ready = {plan.group.name: _group_ready(plan, by_group[plan.group.name]) for plan in plans}
    control_plane_ready = bool(plans) and group_ready.get(CONTROL_PLANE, False)
    workers_ready = bool(plans) and all(ready for name, ready in group_ready.items() if name != CONTROL_PLANE)
    control_plane_up = bool(ready_nodes(nodes, control_plane=True))
    ready = control_plane_ready and workers_ready and problem is None and not deleting
    _set(conditions, "ControlPlaneReady", control_plane_ready, "ControlPlaneNotReady",
         "the control plane nodes are not all up and current")
    if kind == "TanzuKubernetesCluster":
        _set(conditions, "NodePoolsReady", workers_ready, "NodePoolsNotReady", "the node pools are not all up and current")
        if plans and (problem is None or problem.condition != "TanzuKubernetesReleaseCompatible"):
            meta.set_condition(conditions, "TanzuKubernetesReleaseCompatible", "True")
    else:
        _set(conditions, "ControlPlaneInitialized", control_plane_up, "WaitingForControlPlane",
             "no control plane node is up yet")
        meta.set_condition(conditions, "InfrastructureReady", "True")
        if problem is None or problem.condition != "TopologyReconciled":
            meta.set_condition(conditions, "TopologyReconciled", "True")
    if problem is not None:
        if problem.condition != "Ready":
            meta.set_condition(conditions, problem.condition, "False", problem.reason, problem.message)
        meta.set_condition(conditions, "Ready", "False", problem.reason, problem.message)
    elif deleting:
        meta.set_condition(conditions, "Ready", "False", "Deleting", f"{len(nodes)} nodes left to delete")
    else:
        _set(conditions, "Ready", ready, "WaitingForNodes", _progress(plans, by_group))
    conditions.sort(key=lambda c: (c["type"] != "Ready", c["type"]))
    if kind == "TanzuKubernetesCluster":
        _tkc_fields(status, plans, ready, deleting, problem, control_plane_up, endpoint)
    else:
        _cluster_fields(cluster, status, deleting, control_plane_ready)
    return status


def _tkc_fields(status, plans, ready, deleting, problem, control_plane_up, endpoint):
    previous = status.get("phase")
    if deleting:
        status["phase"] = "deleting"
    elif problem is not None:
        status["phase"] = "failed"
    elif ready:
        status["phase"] = "running"
    elif previous in ("running", "updating"):
        status["phase"] = "updating"
    else:
        status["phase"] = "creating"
    status["totalWorkerReplicas"] = sum(p.group.replicas for p in plans if not p.group.control_plane)
    if plans:
        status["version"] = plans[0].release["spec"]["kubernetes"]["version"]
    if control_plane_up or status.get("apiEndpoints"):
        status["apiEndpoints"] = [endpoint]


def _cluster_fields(cluster, status, deleting, control_plane_ready):
    endpoint_set = bool((cluster["spec"].get("controlPlaneEndpoint") or {}).get("host"))
    status["phase"] = "Deleting" if deleting else "Provisioned" if endpoint_set else "Provisioning"
    status["infrastructureReady"] = True
    status["controlPlaneReady"] = control_plane_ready
    status["observedGeneration"] = cluster["metadata"].get("generation", 1)


def _group_ready(plan, members):
    release = plan.release["metadata"]["name"]
    return len(members) == plan.group.replicas and all(is_ready(vm) and release_of(vm) == release for vm in members)


def _progress(plans, by_group):
    return "; ".join(f"{plan.group.name}: {sum(1 for vm in by_group[plan.group.name] if is_ready(vm))}/"
                     f"{plan.group.replicas} ready" for plan in plans)


def _set(conditions, type_, is_true, reason, message):
    if is_true:
        meta.set_condition(conditions, type_, "True")
    else:
        meta.set_condition(conditions, type_, "False", reason, message)
