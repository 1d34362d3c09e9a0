# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Clusters with their ESXi hosts and the VIBs installed on them.

The cost is fixed: one retrieval for clusters (with the datacenters and folders
that place them), one for hosts, whatever the number of hosts. Installed VIBs
are the exception: vSphere has no bulk call for them, so each connected host
costs exactly one FetchSoftwarePackages, run in parallel on a bounded pool.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import ApiError

CLUSTER_PROPERTIES = ("host", "parent", "configurationEx.drsConfig.enabled")
HOST_PROPERTIES = (
    "configManager.imageConfigManager",
    "runtime.connectionState",
    "runtime.inMaintenanceMode",
    "runtime.powerState",
    "summary.config.product.build",
    "summary.config.product.version",
)
# Enough to hide the latency of a few hosts at a time without piling work
# on vCenter, which relays each call to its host agent.
MAX_PARALLEL_VIB_READS = 8
# Faults a host raises when it dropped off between the host read and the VIB read.
_HOST_GONE_FAULTS = frozenset(("HostNotConnected", "HostNotReachable", "HostCommunication"))


class ClusterInventory:
    """Reads clusters and their hosts through a vim client (``clients.vim.VimClient`` or a fake of it)."""

    def __init__(self, client, *, max_parallel_vib_reads=MAX_PARALLEL_VIB_READS):
        self._client = client
        self._max_parallel_vib_reads = max_parallel_vib_reads

    def read(self, names=None, gather_vibs=True):
        """Return the clusters named in ``names`` (all when None), sorted by name.

        An unknown name raises NotFoundError listing the known clusters.
        """
        found = self._client.retrieve_many(
            {"ClusterComputeResource": CLUSTER_PROPERTIES, "Datacenter": (), "Folder": ("parent",)},
            names=None if names is None else {"ClusterComputeResource": names},
        )
        datacenter_of = _datacenter_resolver(found["Datacenter"], found["Folder"])
        clusters = sorted(found["ClusterComputeResource"], key=lambda cluster: (cluster["name"], cluster["moid"]))

        host_moids = [moid for cluster in clusters for moid in cluster["host"] or ()]
        host_records = self._client.retrieve("HostSystem", HOST_PROPERTIES, moids=host_moids) if host_moids else []
        hosts = {record["moid"]: _host(record) for record in host_records}
        image_config_managers = {record["moid"]: record["configManager.imageConfigManager"] for record in host_records}
        self._add_vibs(hosts, image_config_managers, gather_vibs)

        return [
            {
                "name": cluster["name"],
                "moid": cluster["moid"],
                "datacenter": datacenter_of(cluster["parent"]),
                "drs_enabled": bool(cluster["configurationEx.drsConfig.enabled"]),
                "hosts": sorted((hosts[moid] for moid in cluster["host"] or ()), key=lambda host: host["name"]),
            }
            for cluster in clusters
        ]

    def _add_vibs(self, hosts, image_config_managers, gather_vibs):
        readable = []
        for moid, host in hosts.items():
            image_config = image_config_managers[moid]
            if not gather_vibs:
                host.update(vibs=None, vibs_skipped_reason="not gathered: gather_vibs is false")
            elif host["connection_state"] != "connected":
                host.update(vibs=None, vibs_skipped_reason=f"the host is {host['connection_state']}, vCenter cannot ask it")
            elif image_config is None:
                host.update(vibs=None, vibs_skipped_reason="the host has no image configuration manager")
            else:
                readable.append((moid, host["name"], image_config))
        for moid, (packages, skipped_reason) in fetch_software_packages(self._client, readable, self._max_parallel_vib_reads).items():
            vibs = None if packages is None else sorted(map(_vib, packages), key=lambda vib: vib["name"])
            hosts[moid].update(vibs=vibs, vibs_skipped_reason=skipped_reason)


def fetch_software_packages(client, hosts, max_parallel=MAX_PARALLEL_VIB_READS):
    """Read the installed software packages of ``hosts``, ``[(moid, name, image config manager moid)]``, in parallel.

    Returns ``{moid: (packages, None)}``, or ``(None, reason)`` for a host that
    stopped answering meanwhile; any other failure propagates. Packages are
    pyvmomi ``SoftwarePackage`` data objects.
    """
    if not hosts:
        return {}
    with ThreadPoolExecutor(max_workers=min(max_parallel, len(hosts))) as pool:
        futures = {moid: pool.submit(_fetch_packages, client, name, image_config) for moid, name, image_config in hosts}
        try:
            return {moid: future.result() for moid, future in futures.items()}
        except BaseException:
            for future in futures.values():
                future.cancel()
            raise


def _fetch_packages(client, host_name, image_config):
    try:
        packages = client.call(
            "HostImageConfigManager",
            image_config,
            "FetchSoftwarePackages",
            what=f"read the VIBs installed on host '{host_name}'",
        )
    except ApiError as error:
        if error.error_type not in _HOST_GONE_FAULTS:
            raise
        return None, f"the host stopped answering while its VIBs were read ({error.error_type})"
    return list(packages or ()), None


def _vib(package):
    return {"name": package.name, "version": package.version, "vendor": package.vendor}


def _host(record):
    return {
        "name": record["name"],
        "moid": record["moid"],
        "version": record["summary.config.product.version"],
        "build": record["summary.config.product.build"],
        "connection_state": record["runtime.connectionState"],
        "power_state": record["runtime.powerState"],
        "in_maintenance_mode": bool(record["runtime.inMaintenanceMode"]),
    }


def _datacenter_resolver(datacenters, folders):
    """A function from a moid to the name of the datacenter above it (None outside any)."""
    datacenter_names = {datacenter["moid"]: datacenter["name"] for datacenter in datacenters}
    folder_parents = {folder["moid"]: folder["parent"] for folder in folders}

    def datacenter_of(moid):
        # Clusters sit in a datacenter's host folder, possibly in subfolders.
        while moid is not None and moid not in datacenter_names:
            moid = folder_parents.get(moid)
        return datacenter_names.get(moid)

    return datacenter_of
