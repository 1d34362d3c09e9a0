"""A three-zone Supervisor from a topology, on a lab of four clusters (vCenter 8): zones made and bound first, the
Supervisor enabled on them, nothing changed by a second plan, everything of ours gone after destroy; and the
zone mistakes a user makes, refused before any change."""

import pytest
from pacific_support import Control, VcenterRest, mutates, pacific, topology_with, vsphere_inventory

ZONES = [{"name": "zone-a", "cluster": "DC0_C1"}, {"name": "zone-b", "cluster": "DC0_C2"}, {"name": "zone-c", "cluster": "DC0_C3"}]


def on_three_zones(document):
    """The lab's topology with its second Supervisor (DC0_C1's, no guest clusters) moved onto three zones."""
    document["zones"] = [dict(zone, description=f"rack {zone['name'][-1]}") for zone in ZONES]
    zonal = document["supervisors"][1]
    del zonal["cluster"]
    zonal["zones"] = [zone["name"] for zone in ZONES]
    # Its guest cluster: a pool pinned to zone-c, and a pool of three nodes the Supervisor spreads over the zones.
    (platform,) = zonal["namespaces"]
    (guest,) = platform["guest_clusters"]
    pool = guest["node_pools"][0]
    guest["node_pools"] = [dict(pool, name="pinned", failure_domain="zone-c"), dict(pool, name="spread", replicas=3)]


@pytest.fixture(scope="module")
def four_clusters():
    control = Control()
    control.call("POST", "/reset", {"clusters": 4})
    control.call("POST", "/time-scale", {"scale": 0.01})
    yield control
    control.call("POST", "/reset")


@pytest.fixture(scope="module")
def zonal_topology(tmp_path_factory):
    return topology_with(tmp_path_factory.mktemp("zones") / "topology.yml", on_three_zones)


def test_a_three_zone_supervisor_is_built_changed_nothing_again_and_destroyed(four_clusters, zonal_topology):
    control = four_clusters
    exit_code, output, errors = pacific("plan", "-detailed-exitcode", topology=zonal_topology)
    assert exit_code == 2, output + errors
    assert "# zone.zone-a will be created" in output and "# supervisor.DC0_C1 will be created" in output

    control.call("DELETE", "/requests")
    exit_code, output, errors = pacific("apply", "-auto-approve", topology=zonal_topology)
    assert exit_code == 0, output + errors
    operations = [call.get("operation") or "" for call in control.client_requests()]
    assert operations.count("consumption_domains.zones.create") == 3
    assert operations.count("consumption_domains.zones.cluster.associations.add") == 3
    assert operations.count("namespace_management.supervisors.enable_on_zones") == 1
    assert operations.count("namespace_management.supervisors.enable_on_compute_cluster") == 1  # DC0_C0's
    seen = vsphere_inventory()
    control_plane = sorted(cluster for cluster, name in seen["vms"] if name.startswith("SupervisorControlPlaneVM"))
    assert control_plane == ["DC0_C0"] * 3 + ["DC0_C1", "DC0_C2", "DC0_C3"]  # one in each zone's cluster
    assert [seen["rules"][cluster] for cluster in ("DC0_C1", "DC0_C2", "DC0_C3")] == [[], [], []]  # a DRS rule binds VMs of one cluster
    nodes = {name: cluster for cluster, name in seen["vms"] if name.startswith("capi-platform-")}
    assert [cluster for name, cluster in nodes.items() if "-pinned-" in name] == ["DC0_C3"]
    assert sorted(cluster for name, cluster in nodes.items() if "-spread-" in name) == ["DC0_C1", "DC0_C2", "DC0_C3"]

    control.call("DELETE", "/requests")
    exit_code, output, errors = pacific("plan", "-detailed-exitcode", topology=zonal_topology)
    assert (exit_code, output.strip()) == (0, "No changes. Your platform matches the topology."), output + errors
    assert [call for call in control.client_requests() if mutates(call)] == []

    exit_code, output, errors = pacific("destroy", "-auto-approve", topology=zonal_topology)
    assert exit_code == 0, output + errors
    rest = VcenterRest()
    assert rest.request("GET", "/api/vcenter/namespace-management/supervisors/summaries").json() == {"items": []}
    # The topology's zones are gone; what is left is the zone vCenter itself made for DC0_C0 when it enabled its
    # Supervisor on the cluster (enable_on_compute_cluster), which vCenter keeps.
    left = [item["zone"] for item in rest.request("GET", "/api/vcenter/consumption-domains/zones").json()["items"]]
    assert [zone for zone in left if zone in {each["name"] for each in ZONES}] == [] and len(left) == 1


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda d: d["zones"][2].update(cluster="DC0_C1"), "zones[2].cluster: cluster 'DC0_C1' is held by zone 'zone-a' (zones[0])"),
        (lambda d: d["supervisors"][1].update(zones=["zone-a", "zone-b"]), "supervisors[1].zones: 2 zones given; a Supervisor runs on one zone or on three"),
        (lambda d: d["supervisors"][0].update(cluster="DC0_C2"), "supervisors[0].cluster: cluster 'DC0_C2' is held by zone 'zone-b' (zones[1])"),
        (
            lambda d: d["supervisors"][1]["namespaces"][0]["guest_clusters"][0]["node_pools"][0].update(failure_domain="zone-x"),
            "supervisors[1].namespaces[0].guest_clusters[0].node_pools[0].failure_domain: 'zone-x' is not a zone of the Supervisor",
        ),
    ],
)
def test_zone_mistakes_are_refused_before_any_change(four_clusters, tmp_path, change, problem):
    def both(document):
        on_three_zones(document)
        change(document)

    four_clusters.call("DELETE", "/requests")
    exit_code, output, errors = pacific("apply", "-auto-approve", topology=topology_with(tmp_path / "topology.yml", both))
    assert exit_code == 1 and problem in errors, output + errors
    assert "Traceback" not in errors
    assert [call for call in four_clusters.client_requests() if mutates(call)] == []
