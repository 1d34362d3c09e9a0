"""A guest cluster's nodes (VirtualMachine objects): how they are labelled and what state they are in."""

from .apimachinery import meta
from .topology import CONTROL_PLANE
from .virtualmachines import CLUSTER_LABEL, CONTROL_PLANE_LABEL, GROUP_LABEL, ZONE_LABEL

RELEASE_LABEL = "run.tanzu.vmware.com/tkr"
# What CAPV's vmoperator machine service labels a node's VirtualMachine with (pkg/services/vmoperator: ClusterSelectorKey,
# nodeSelectorKey): clients find a cluster's VMs by them.
CAPV_CLUSTER_LABEL = "capv.vmware.com/cluster.name"
CAPV_ROLE_LABEL = "capv.vmware.com/cluster.role"
API_PORT = 6443


def labels(vm):
    return vm["metadata"].get("labels") or {}


def node_labels(cluster_name, group, release_name):
    """The labels of a new node of `group` (a topology.NodeGroup)."""
    found = {CLUSTER_LABEL: cluster_name, RELEASE_LABEL: release_name, CAPV_CLUSTER_LABEL: cluster_name,
             CAPV_ROLE_LABEL: "controlplane" if group.control_plane else "node"}
    if group.control_plane:
        found[CONTROL_PLANE_LABEL] = ""
    else:
        found[GROUP_LABEL] = group.name
    if group.failure_domain:
        found[ZONE_LABEL] = group.failure_domain  # the VM Operator places the VM in that zone
    return found


def group_of(vm):
    """The node group a node belongs to: "control-plane" or its pool's name."""
    found = labels(vm)
    return CONTROL_PLANE if CONTROL_PLANE_LABEL in found else found.get(GROUP_LABEL)


def release_of(vm):
    return labels(vm).get(RELEASE_LABEL)


def is_ready(vm):
    found = meta.find_condition(vm, "Ready")
    return found is not None and found.get("status") == "True"


def is_deleting(vm):
    return bool(vm["metadata"].get("deletionTimestamp"))


def ready_nodes(nodes, control_plane):
    return [vm for vm in nodes if (CONTROL_PLANE_LABEL in labels(vm)) == control_plane and is_ready(vm)
            and not is_deleting(vm)]


def owner_reference(cluster):
    return {"apiVersion": cluster["apiVersion"], "kind": cluster["kind"], "name": cluster["metadata"]["name"],
            "uid": cluster["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
