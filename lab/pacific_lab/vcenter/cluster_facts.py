"""What vCenter tells about clusters for Workload Management, read from vcsim's inventory.

- `GET /api/vcenter/namespace-management/cluster-compatibility`
  (ClusterCompatibility.list, `compatible` and `network_provider` filters):
  `[{cluster, compatible, incompatibility_reasons}]`, a reason per check that
  enable makes too (`supervisor_spec.incompatibilities`), so a cluster
  reported compatible is one enable accepts and the other way round.
- `Clusters.Stats` of a Supervisor's clusters (`stats` of the clusters'
  summaries and of the Supervisors' summaries): CPU in MHz and memory in MB,
  capacity from the hosts' hardware and use from their quick statistics;
  storage in MB from the clusters' datastores (each counted once).
"""

from pyVmomi import vim

from . import errors
from .inventory import known_filters
from .supervisor_spec import incompatibilities

NETWORK_PROVIDERS = ("NSXT_CONTAINER_PLUGIN", "VSPHERE_NETWORK", "NSX_VPC")
MIB = 1024 * 1024
REASON_ID = "vcenter.wcp.cluster.incompatible"  # no source: vCenter's ids are not documented


def compatibility(vsphere, query):
    known_filters(query, "compatible", "network_provider")
    provider = query.get("network_provider", ["NSXT_CONTAINER_PLUGIN"])[-1]
    if provider not in NETWORK_PROVIDERS:
        raise errors.invalid_argument(f"network_provider: '{provider}' is not one of {', '.join(NETWORK_PROVIDERS)}")
    wanted = query.get("compatible", [None])[-1]
    if wanted not in (None, "true", "false"):
        raise errors.invalid_argument(f"compatible: '{wanted}' is not a boolean")
    found = []
    for cluster, props in vsphere.retrieve(vim.ClusterComputeResource, ["name", "configurationEx", "host"]):
        reasons = incompatibilities(props["name"], bool(props["configurationEx"].drsConfig.enabled), len(props["host"]))
        if wanted == "true" and reasons:
            continue  # "If true, only clusters which are compatible match"; false or unset: all of them
        found.append({"cluster": cluster._moId, "compatible": not reasons,
                      "incompatibility_reasons": [errors.message(REASON_ID, reason) for reason in reasons]})
    return found


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

