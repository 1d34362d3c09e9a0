"""ClusterInventory over a fake of the vim client layer."""

import threading
import time
from types import SimpleNamespace

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vim import select
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import ApiError, NotFoundError
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.cluster_inventory import HOST_PROPERTIES, ClusterInventory


class FakeVimClient:
    """The part of VimClient the inventory uses, over an in-memory inventory.

    ``objects`` maps a kind to records as VimClient returns them. Every call
    is recorded; FetchSoftwarePackages answers from ``vibs`` (host moid →
    packages or an exception) and tracks how many run at once.
    """

    def __init__(self, objects, vibs=None, vib_delay=0.0):
        self.objects = objects
        self.vibs = vibs or {}
        self.vib_delay = vib_delay
        self.calls = []
        self._lock = threading.Lock()
        self._running = 0
        self.max_parallel = 0

    def retrieve_many(self, properties_by_kind, *, names=None, moids=None):
        self.calls.append(("retrieve_many", {kind: tuple(properties) for kind, properties in properties_by_kind.items()}))
        names = names or {}
        moids = moids or {}
        return {
            kind: select([dict(record) for record in self.objects.get(kind, [])], kind, names=names.get(kind), moids=moids.get(kind))
            for kind in properties_by_kind
        }

    def retrieve(self, kind, properties, *, names=None, moids=None):
        self.calls.append(("retrieve", kind, tuple(properties)))
        return select([dict(record) for record in self.objects.get(kind, [])], kind, names=names, moids=moids)

    def call(self, kind, moid, method, *args, what=None, idempotent=True):
        assert (kind, method, args, idempotent) == ("HostImageConfigManager", "FetchSoftwarePackages", (), True)
        host = moid.replace("imageconfig-", "")
        with self._lock:
            self.calls.append(("call", moid))
            self._running += 1
            self.max_parallel = max(self.max_parallel, self._running)
        try:
            time.sleep(self.vib_delay)
            outcome = self.vibs.get(host, [package("esx-base", "7.0.3-0.20.19193900")])
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        finally:
            with self._lock:
                self._running -= 1

    def count(self, name):
        return sum(1 for call in self.calls if call[0] == name)


def package(name, version, vendor="VMware"):
    # FetchSoftwarePackages returns vim.host.SoftwarePackage data objects with many more fields.
    return SimpleNamespace(name=name, version=version, vendor=vendor, acceptanceLevel="VMwareCertified", summary="")


def host(moid, name, cluster, state="connected", maintenance=False):
    return {
        "moid": moid,
        "name": name,
        "parent": cluster,
        "summary.config.product.version": "7.0.3",
        "summary.config.product.build": "19193900",
        "runtime.connectionState": state,
        "runtime.powerState": "poweredOn",
        "runtime.inMaintenanceMode": maintenance,
        "configManager.imageConfigManager": f"imageconfig-{moid}",
    }


def inventory(hosts_per_cluster=2):
    """DC0 with cluster C1 in its host folder and cluster C2 in a subfolder of it."""
    clusters, hosts = [], []
    for index, (name, parent) in enumerate((("C1", "group-h4"), ("C2", "group-h9"))):
        moid = f"domain-c{index + 1}"
        members = [f"host-{index}{n:02d}" for n in range(hosts_per_cluster)]
        clusters.append({"moid": moid, "name": name, "host": members, "parent": parent, "configurationEx.drsConfig.enabled": index == 0})
        # Reversed, to show that the inventory sorts.
        hosts.extend(host(member, f"{name}_H{n}", moid) for n, member in reversed(list(enumerate(members))))
    return {
        "ClusterComputeResource": list(reversed(clusters)),
        "Datacenter": [{"moid": "datacenter-1", "name": "DC0"}],
        "Folder": [
            {"moid": "group-d1", "name": "Datacenters", "parent": None},
            {"moid": "group-h4", "name": "host", "parent": "datacenter-1"},
            {"moid": "group-h9", "name": "nested", "parent": "group-h4"},
        ],
        "HostSystem": hosts,
    }


def test_reads_clusters_hosts_and_vibs():
    objects = inventory()
    client = FakeVimClient(objects, vibs={"host-000": [package("spherelet", "7.0.3-2"), package("esx-base", "7.0.3-0.20.19193900")]})

    clusters = ClusterInventory(client).read()

    assert [(c["name"], c["moid"], c["datacenter"], c["drs_enabled"]) for c in clusters] == [
        ("C1", "domain-c1", "DC0", True),
        ("C2", "domain-c2", "DC0", False),
    ]
    assert clusters[0]["hosts"][0] == {
        "name": "C1_H0",
        "moid": "host-000",
        "version": "7.0.3",
        "build": "19193900",
        "connection_state": "connected",
        "power_state": "poweredOn",
        "in_maintenance_mode": False,
        "vibs": [
            {"name": "esx-base", "version": "7.0.3-0.20.19193900", "vendor": "VMware"},
            {"name": "spherelet", "version": "7.0.3-2", "vendor": "VMware"},
        ],
        "vibs_skipped_reason": None,
    }
    assert [h["name"] for h in clusters[1]["hosts"]] == ["C2_H0", "C2_H1"]


def test_reads_explicit_property_paths():
    client = FakeVimClient(inventory())

    ClusterInventory(client).read()

    assert client.calls[0] == (
        "retrieve_many",
        {"ClusterComputeResource": ("host", "parent", "configurationEx.drsConfig.enabled"), "Datacenter": (), "Folder": ("parent",)},
    )
    assert client.calls[1] == ("retrieve", "HostSystem", HOST_PROPERTIES)


@pytest.mark.parametrize("hosts_per_cluster", [1, 3, 40])
def test_reads_cost_the_same_whatever_the_number_of_hosts_bar_one_vib_call_each(hosts_per_cluster):
    client = FakeVimClient(inventory(hosts_per_cluster))

    ClusterInventory(client).read()

    assert (client.count("retrieve_many"), client.count("retrieve")) == (1, 1)
    assert client.count("call") == 2 * hosts_per_cluster


def test_without_vibs_no_host_is_asked():
    client = FakeVimClient(inventory())

    clusters = ClusterInventory(client).read(gather_vibs=False)

    assert client.count("call") == 0
    hosts = [h for c in clusters for h in c["hosts"]]
    assert {(h["vibs"], h["vibs_skipped_reason"]) for h in hosts} == {(None, "not gathered: gather_vibs is false")}


def test_hosts_vcenter_cannot_reach_are_listed_without_vibs():
    objects = inventory()
    objects["HostSystem"][0] = host("host-001", "C1_H1", "domain-c1", state="notResponding")
    client = FakeVimClient(objects)

    clusters = ClusterInventory(client).read()

    unreachable = clusters[0]["hosts"][1]
    assert (unreachable["connection_state"], unreachable["vibs"]) == ("notResponding", None)
    assert unreachable["vibs_skipped_reason"] == "the host is notResponding, vCenter cannot ask it"
    assert ("call", "imageconfig-host-001") not in client.calls
    assert client.count("call") == 3


def test_a_host_that_drops_off_during_the_read_is_reported_not_fatal():
    gone = ApiError("Failed to read the VIBs", error_type="HostNotConnected")
    client = FakeVimClient(inventory(), vibs={"host-101": gone})

    clusters = ClusterInventory(client).read()

    dropped = clusters[1]["hosts"][1]
    assert dropped["vibs"] is None
    assert dropped["vibs_skipped_reason"] == "the host stopped answering while its VIBs were read (HostNotConnected)"


def test_other_vib_read_failures_fail_the_read():
    client = FakeVimClient(inventory(), vibs={"host-101": ApiError("Failed to read the VIBs installed on host 'C2_H1': boom", error_type="SystemError")})

    with pytest.raises(ApiError, match="boom"):
        ClusterInventory(client).read()


def test_vib_reads_run_in_parallel_within_the_bound():
    client = FakeVimClient(inventory(hosts_per_cluster=6), vib_delay=0.05)

    ClusterInventory(client, max_parallel_vib_reads=4).read()

    assert client.count("call") == 12
    assert 1 < client.max_parallel <= 4


def test_selected_clusters_only():
    client = FakeVimClient(inventory())

    clusters = ClusterInventory(client).read(names=["C2"])

    assert [c["name"] for c in clusters] == ["C2"]
    assert client.count("call") == 2


def test_an_unknown_cluster_lists_the_known_ones():
    client = FakeVimClient(inventory())

    with pytest.raises(NotFoundError) as raised:
        ClusterInventory(client).read(names=["C1", "Nope"])

    assert str(raised.value) == "Cluster 'Nope' not found (known: C1, C2)"
    assert client.count("retrieve") == 0


def test_no_cluster_means_no_host_read():
    client = FakeVimClient({"ClusterComputeResource": [], "Datacenter": [], "Folder": []})

    assert ClusterInventory(client).read() == []
    assert client.count("retrieve") == 0
