"""What vCenter tells about clusters for Workload Management, read from vcsim's inventory.

- `GET /api/vcenter/namespace-management/cluster-compatibility`
  (ClusterCompatibility.list, `compatible` and `network_provider` filters):
  `[{cluster, compatible, incompatibility_reasons}]`, a reason per check that
  enable makes too (`supervisor_spec.incompatibilities`), so a cluster
  reported compatible is one enable accepts and the other way round.
  With `network_provider` VSPHERE_NETWORK a cluster also needs a distributed
  switch that connects all of its hosts (vSphere with Tanzu's vSphere
  networking requirement).
- `GET .../distributed-switch-compatibility?cluster=` (DistributedSwitch
  Compatibility.list, `compatible` and `network_provider` filters): the
  distributed switches of the cluster's hosts, `[{distributed_switch,
  compatible, incompatibility_reasons, network_provider,
  compatible_networks}]`; `distributed_switch` is the switch's UUID for NSX
  providers and its managed object id for VSPHERE_NETWORK (as the API
  reference says); `compatible_networks` its port groups but the uplinks.
  The lab has no NSX Manager: for NSX providers every switch is incompatible.
- `GET .../edge-cluster-compatibility` (NSX only): no NSX, so no edge cluster.
- `GET .../cluster-size-info`: the control plane sizes (TINY .. LARGE).
- `Clusters.Stats` of a Supervisor's clusters (`stats` of the clusters'
  summaries and of the Supervisors' summaries): CPU in MHz and memory in MB,
  capacity from the hosts' hardware and use from their quick statistics;
  storage in MB from the clusters' datastores (each counted once).
"""

from dataclasses import dataclass

from pyVmomi import vim

from . import errors
from .inventory import known_filters
from .supervisor_spec import VM_SIZES, incompatibilities

NETWORK_PROVIDERS = ("NSXT_CONTAINER_PLUGIN", "VSPHERE_NETWORK", "NSX_VPC")
MIB = 1024 * 1024
REASON_ID = "vcenter.wcp.cluster.incompatible"  # no source: vCenter's ids are not documented
SWITCH_REASON_ID = "vcenter.wcp.ds.incompatible"  # no source either
# size -> (vCPUs, memory MB, pods, services) of its control plane VMs: VM_SIZES' hardware; no source for the counts.
CLUSTER_SIZES = {size: (cpus, memory, pods, services) for (size, (cpus, memory)), pods, services in zip(
    VM_SIZES.items(), (1000, 2000, 4000, 8000), (1000, 2000, 4000, 8000))}
CONTROL_PLANE_DISK_MB = 32 * 1024


@dataclass(frozen=True)
class Switch:
    moid: str
    uuid: str
    name: str
    hosts: frozenset  # moids of its member hosts
    networks: tuple  # moids of its port groups, the uplinks left out


def switches(vsphere):
    """The distributed switches of vcsim (one read)."""
    found = []
    for switch, props in vsphere.retrieve(vim.DistributedVirtualSwitch, ["name", "uuid", "summary.hostMember", "portgroup",
                                                                          "config.uplinkPortgroup"]):
        uplinks = {pg._moId for pg in props["config.uplinkPortgroup"] or ()}
        found.append(Switch(switch._moId, props["uuid"], props["name"], frozenset(h._moId for h in props["summary.hostMember"] or ()),
                            tuple(pg._moId for pg in props["portgroup"] or () if pg._moId not in uplinks)))
    return found


def switch_problem(cluster_name, hosts, found):
    """Why vSphere networking cannot run on a cluster of `hosts` (moids): "" when a distributed switch connects them all."""
    if any(hosts <= switch.hosts for switch in found):
        return ""
    return f"no distributed switch connects every host of cluster '{cluster_name}' (vSphere networking needs one)"


def compatibility(vsphere, query):
    known_filters(query, "compatible", "network_provider")
    provider, wanted = _provider(query), _compatible(query)
    found = []
    known_switches = switches(vsphere) if provider == "VSPHERE_NETWORK" else []
    for cluster, props in vsphere.retrieve(vim.ClusterComputeResource, ["name", "configurationEx", "host"]):
        reasons = incompatibilities(props["name"], bool(props["configurationEx"].drsConfig.enabled), len(props["host"]))
        if provider == "VSPHERE_NETWORK" and (problem := switch_problem(props["name"], {h._moId for h in props["host"]}, known_switches)):
            reasons.append(problem)
        if wanted == "true" and reasons:
            continue  # "If true, only clusters which are compatible match"; false or unset: all of them
        found.append({"cluster": cluster._moId, "compatible": not reasons,
                      "incompatibility_reasons": [errors.message(REASON_ID, reason) for reason in reasons]})
    return found


def distributed_switch_compatibility(vsphere, query):
    known_filters(query, "cluster", "compatible", "network_provider")
    provider, wanted = _provider(query), _compatible(query)
    cluster_id = query.get("cluster", [None])[-1]
    if not cluster_id:
        raise errors.invalid_argument("cluster: required (the cluster whose hosts' switches are listed)", "cluster")
    cluster = next((props for c, props in vsphere.retrieve(vim.ClusterComputeResource, ["name", "host"]) if c._moId == cluster_id), None)
    if cluster is None:
        raise errors.not_found(f"Cluster {cluster_id} not found.", cluster_id)
    hosts = {h._moId for h in cluster["host"]}
    found = []
    for switch in switches(vsphere):
        if not hosts & switch.hosts:
            continue  # "Only Distributed Switches associated with the vCenter Cluster"
        if provider == "VSPHERE_NETWORK":
            missing = len(hosts - switch.hosts)
            reasons = [f"distributed switch '{switch.name}' does not connect {missing} of the {len(hosts)} hosts of cluster "
                       f"'{cluster['name']}'"] if missing else []
        else:
            reasons = [f"distributed switch '{switch.name}' is not prepared for NSX: no NSX Manager is registered with this vCenter"]
        if (wanted == "true" and reasons) or (wanted == "false" and not reasons):
            continue
        found.append({"distributed_switch": switch.moid if provider == "VSPHERE_NETWORK" else switch.uuid,
                      "compatible": not reasons, "network_provider": provider,
                      "incompatibility_reasons": [errors.message(SWITCH_REASON_ID, reason) for reason in reasons],
                      "compatible_networks": list(switch.networks) if not reasons else []})
    return found


def edge_cluster_compatibility(query):
    """NSX edge clusters: none, with no NSX Manager (the arguments are checked as vCenter's are)."""
    known_filters(query, "cluster", "distributed_switch", "compatible")
    for name in ("cluster", "distributed_switch"):
        if not query.get(name, [None])[-1]:
            raise errors.invalid_argument(f"{name}: required", name)
    _compatible(query)
    return []


def cluster_size_info():
    """ClusterSizeInfo.get: {size: Info} of the control plane sizes."""
    return {size: {"num_supported_pods": pods, "num_supported_services": services,
                   "default_service_cidr": {"address": "10.96.0.0", "prefix": 23},
                   "default_pod_cidr": {"address": "10.244.0.0", "prefix": 20},
                   "master_vm_info": {"count": cpus, "cores_per_socket": 1, "memory": memory, "capacity": CONTROL_PLANE_DISK_MB}}
            for size, (cpus, memory, pods, services) in CLUSTER_SIZES.items()}


def _provider(query):
    provider = query.get("network_provider", ["NSXT_CONTAINER_PLUGIN"])[-1]
    if provider not in NETWORK_PROVIDERS:
        raise errors.invalid_argument(f"network_provider: '{provider}' is not one of {', '.join(NETWORK_PROVIDERS)}")
    return provider


def _compatible(query):
    wanted = query.get("compatible", [None])[-1]
    if wanted not in (None, "true", "false"):
        raise errors.invalid_argument(f"compatible: '{wanted}' is not a boolean")
    return wanted


def stats(vsphere, groups):
    """Clusters.Stats of each group of cluster ids (a Supervisor's clusters, together), in the order given: one read
    each of the hosts, the clusters and the datastores, however many groups."""
    hosts = vsphere.retrieve(vim.HostSystem, ["parent", "summary"])
    datastores_of = {cluster._moId: {datastore._moId for datastore in props["datastore"]}
                     for cluster, props in vsphere.retrieve(vim.ClusterComputeResource, ["datastore"])}
    datastores = {datastore._moId: props["summary"] for datastore, props in vsphere.retrieve(vim.Datastore, ["summary"])}
    found = []
    for group in groups:
        summaries = [props["summary"] for _, props in hosts if props["parent"]._moId in group]
        mounted = [datastores[moid] for moid in set().union(*(datastores_of.get(cluster, set()) for cluster in group))
                   if moid in datastores]
        capacity = sum(summary.capacity // MIB for summary in mounted)
        found.append({"cpu_used": sum(summary.quickStats.overallCpuUsage or 0 for summary in summaries),
                      "cpu_capacity": sum(summary.hardware.cpuMhz * summary.hardware.numCpuCores for summary in summaries),
                      "memory_used": sum(summary.quickStats.overallMemoryUsage or 0 for summary in summaries),
                      "memory_capacity": sum(summary.hardware.memorySize for summary in summaries) // MIB,
                      "storage_used": capacity - sum(summary.freeSpace // MIB for summary in mounted),
                      "storage_capacity": capacity})
    return found

