"""`GET /api/vcenter/{cluster,host,network,datastore}`: vcsim's inventory in the
REST API's summary shapes, with vCenter's filter query parameters (a list
filter is a repeated parameter: `?names=a&names=b`).

Each listing is one batched PropertyCollector read per kind involved, so
both APIs always agree.
"""

from pyVmomi import vim, vmodl

from . import errors

NETWORK_TYPES = {
    vim.dvs.DistributedVirtualPortgroup: "DISTRIBUTED_PORTGROUP",
    vim.OpaqueNetwork: "OPAQUE_NETWORK",
    vim.Network: "STANDARD_PORTGROUP",
}
CONNECTION_STATES = {"connected": "CONNECTED", "disconnected": "DISCONNECTED", "notResponding": "NOT_RESPONDING"}
POWER_STATES = {"poweredOn": "POWERED_ON", "poweredOff": "POWERED_OFF", "standBy": "STANDBY"}


def list_clusters(vsphere, query):
    known_filters(query, "clusters", "names", "folders", "datacenters")
    within = _containment(vsphere, vim.ClusterComputeResource, query)
    return [
        {"cluster": cluster._moId, "name": props["name"],
         "ha_enabled": bool(props["configurationEx"].dasConfig.enabled),
         "drs_enabled": bool(props["configurationEx"].drsConfig.enabled)}
        for cluster, props in vsphere.retrieve(vim.ClusterComputeResource, ["name", "configurationEx"])
        if _selected(cluster, props, query, "clusters", within)
    ]


def list_hosts(vsphere, query):
    known_filters(query, "hosts", "names", "folders", "datacenters", "standalone", "clusters", "connection_states")
    states = _enum_filter(query, "connection_states", CONNECTION_STATES.values())
    standalone = _boolean_filter(query, "standalone")
    within = _containment(vsphere, vim.HostSystem, query)
    summaries = []
    for host, props in vsphere.retrieve(vim.HostSystem, ["name", "parent", "runtime"]):
        in_cluster = isinstance(props["parent"], vim.ClusterComputeResource)
        state = CONNECTION_STATES[props["runtime"].connectionState]
        if not _selected(host, props, query, "hosts", within):
            continue
        if query.get("clusters") and not (in_cluster and props["parent"]._moId in query["clusters"]):
            continue
        if (states and state not in states) or (standalone is not None and standalone == in_cluster):
            continue
        summaries.append({"host": host._moId, "name": props["name"], "connection_state": state,
                          "power_state": POWER_STATES[props["runtime"].powerState]})
    return summaries


def list_networks(vsphere, query):
    known_filters(query, "networks", "names", "types", "folders", "datacenters")
    types = _enum_filter(query, "types", set(NETWORK_TYPES.values()))
    within = _containment(vsphere, vim.Network, query)
    summaries = []
    for network, props in vsphere.retrieve(vim.Network, ["name"]):
        kind = network_type(network)
        if _selected(network, props, query, "networks", within) and (not types or kind in types):
            summaries.append({"network": network._moId, "name": props["name"], "type": kind})
    return summaries


def list_datastores(vsphere, query):
    known_filters(query, "datastores", "names", "types", "folders", "datacenters")
    within = _containment(vsphere, vim.Datastore, query)
    types = set(query.get("types", ()))
    summaries = []
    for datastore, props in vsphere.retrieve(vim.Datastore, ["name", "summary"]):
        summary = props["summary"]
        if _selected(datastore, props, query, "datastores", within) and (not types or summary.type in types):
            summaries.append({"datastore": datastore._moId, "name": props["name"], "type": summary.type,
                              "free_space": summary.freeSpace, "capacity": summary.capacity})
    return summaries


def network_type(network):
    return next(name for kind, name in NETWORK_TYPES.items() if isinstance(network, kind))


def known_filters(query, *names):
    unknown = sorted(set(query) - set(names))
    if unknown:
        raise errors.invalid_argument(f"Unknown filter parameter(s) {unknown}; this operation takes {list(names)}.",
                                      *unknown)


def _enum_filter(query, name, allowed):
    values = set(query.get(name, ()))
    bad = sorted(values - set(allowed))
    if bad:
        raise errors.invalid_argument(f"Invalid value(s) {bad} for filter '{name}'; allowed: {sorted(allowed)}.",
                                      name)
    return values


def _boolean_filter(query, name):
    values = query.get(name)
    if not values:
        return None
    if values[-1] not in ("true", "false"):
        raise errors.invalid_argument(f"Filter '{name}' must be true or false, got {values[-1]!r}.", name)
    return values[-1] == "true"


def _containment(vsphere, kind, query):
    """Moids of `kind` inside the requested datacenters and folders (None: no such filter)."""
    within = None
    for param, container in (("datacenters", vim.Datacenter), ("folders", vim.Folder)):
        if not query.get(param):
            continue
        inside = set()
        for moid in query[param]:
            root = vsphere.ref(container, moid)
            inside |= {obj._moId for obj, _ in _retrieve_below(vsphere, kind, root)}
        within = inside if within is None else within & inside
    return within


def _retrieve_below(vsphere, kind, root):
    """Objects below a datacenter or folder given by moid; none when it does not exist, as vCenter filters."""
    try:
        return vsphere.retrieve(kind, ["name"], root=root)
    except vmodl.fault.ManagedObjectNotFound:
        return []


def _selected(obj, props, query, id_param, within):
    return ((not query.get(id_param) or obj._moId in query[id_param])
            and (not query.get("names") or props["name"] in query["names"])
            and (within is None or obj._moId in within))
