"""What a guest cluster asks for, whichever API it came through.

A TanzuKubernetesCluster (`run.tanzu.vmware.com/v1alpha3`) and a Cluster of
the `tanzukubernetescluster` ClusterClass (`cluster.x-k8s.io/v1beta1`) both
boil down to node groups: the control plane and the worker pools, each with
a size, a VM class, a storage class and a release.
"""

import re
from dataclasses import dataclass

CONTROL_PLANE = "control-plane"
TKC_CLASS = "tanzukubernetescluster"
WORKER_CLASS = "node-pool"  # the tanzukubernetescluster ClusterClass's MachineDeployment class
REQUIRED_VARIABLES = ("vmClass", "storageClass")
_QUANTITY = re.compile(r"^([0-9.]+)([KMGTPE]i?|[mk])?$")
_UNITS = {None: 1, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50, "Ei": 1 << 60,
          "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18, "m": 1e-3}


@dataclass(frozen=True)
class NodeGroup:
    name: str  # "control-plane" or the pool / MachineDeployment topology name
    control_plane: bool
    replicas: int
    vm_class: str
    storage_class: str
    release: str  # a TKR name (TKC) or version (Cluster); "" = the default release
    failure_domain: str = ""  # the vSphere Zone its nodes go to ("": wherever the VM Operator places them)


@dataclass(frozen=True)
class Topology:
    cluster_class: str
    groups: tuple

    @property
    def control_plane(self):
        return next(g for g in self.groups if g.control_plane)

    @property
    def workers(self):
        return [g for g in self.groups if not g.control_plane]


def quantity_value(quantity):
    """A Kubernetes quantity ("20Gi", "500m", 2) in its base unit (bytes, cores)."""
    if isinstance(quantity, (int, float)):
        return float(quantity)
    match = _QUANTITY.match(str(quantity).strip())
    if not match:
        raise ValueError(f"not a quantity: {quantity!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def quantity_mib(quantity):
    """A Kubernetes quantity ("20Gi", "512Mi", 1073741824) in MiB."""
    return int(quantity_value(quantity) / (1 << 20))


def from_tkc(tkc):
    topology = tkc["spec"]["topology"]
    control_plane = topology["controlPlane"]
    cp_release = ((control_plane.get("tkr") or {}).get("reference") or {}).get("name", "")
    groups = [NodeGroup(CONTROL_PLANE, True, control_plane.get("replicas", 1), control_plane["vmClass"],
                        control_plane["storageClass"], cp_release)]
    for pool in topology.get("nodePools") or []:
        release = ((pool.get("tkr") or {}).get("reference") or {}).get("name") or cp_release
        groups.append(NodeGroup(pool["name"], False, pool.get("replicas", 1), pool["vmClass"], pool["storageClass"],
                                release, pool.get("failureDomain") or ""))
    return Topology(TKC_CLASS, tuple(groups))


def cluster_variables(variables):
    return {v["name"]: v.get("value") for v in variables or []}


def from_cluster(cluster):
    topology = cluster["spec"]["topology"]
    variables = cluster_variables(topology.get("variables"))
    version = topology.get("version", "")
    control_plane = topology.get("controlPlane") or {}
    groups = [NodeGroup(CONTROL_PLANE, True, control_plane.get("replicas", 1), variables.get("vmClass", ""),
                        variables.get("storageClass", ""), version)]
    for deployment in (topology.get("workers") or {}).get("machineDeployments") or []:
        overrides = cluster_variables((deployment.get("variables") or {}).get("overrides"))
        merged = {**variables, **overrides}
        groups.append(NodeGroup(deployment["name"], False, deployment.get("replicas", 1), merged.get("vmClass", ""),
                                merged.get("storageClass", ""), version, deployment.get("failureDomain") or ""))
    return Topology(topology.get("class", ""), tuple(groups))
