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
                      "incompatibility_reasons": [_message(reason) for reason in reasons]})
    return found


def stats(vsphere, cluster_ids):
    """Clusters.Stats of the clusters `cluster_ids` together: one read each of the hosts, clusters and datastores."""
    wanted = set(cluster_ids)
    hosts = [(host, props) for host, props in vsphere.retrieve(vim.HostSystem, ["parent", "summary"])
             if props["parent"]._moId in wanted]
    cpu_capacity = sum(props["summary"].hardware.cpuMhz * props["summary"].hardware.numCpuCores for _, props in hosts)
    memory_capacity = sum(props["summary"].hardware.memorySize for _, props in hosts) // MIB
    cpu_used = sum(props["summary"].quickStats.overallCpuUsage or 0 for _, props in hosts)
    memory_used = sum(props["summary"].quickStats.overallMemoryUsage or 0 for _, props in hosts)
    mounted = {datastore._moId for cluster, props in vsphere.retrieve(vim.ClusterComputeResource, ["datastore"])
               if cluster._moId in wanted for datastore in props["datastore"]}
    storage_capacity = storage_free = 0
    for datastore, props in vsphere.retrieve(vim.Datastore, ["summary"]):
        if datastore._moId in mounted:
            storage_capacity += props["summary"].capacity // MIB
            storage_free += props["summary"].freeSpace // MIB
    return {"cpu_used": cpu_used, "cpu_capacity": cpu_capacity, "memory_used": memory_used,
            "memory_capacity": memory_capacity, "storage_used": storage_capacity - storage_free,
            "storage_capacity": storage_capacity}


def _message(text):
    return {"id": "vcenter.wcp.cluster.incompatible", "default_message": text, "args": []}
