"""The example's three-zone Supervisor (vCenter 8, the lab's four clusters): zones made and bound first, the
Supervisor enabled on them, guest-cluster nodes spread over the zones and labelled with theirs, nothing changed by a
second plan, everything of ours gone after destroy; and the zone mistakes a user makes, refused before any change."""

import pytest
from pacific_support import Control, VcenterRest, mutates, pacific, supervisor_virtual_machine_objects, topology_with, vsphere_inventory

ZONES = ["zone-a", "zone-b", "zone-c"]
ZONE_LABEL = "topology.kubernetes.io/zone"


def spread_over_three(document):
    """The example, its zonal Supervisor's guest cluster with three nodes in the pool that names no zone."""
    (platform,) = document["supervisors"][1]["namespaces"]
    (guest,) = platform["guest_clusters"]
    spread = next(pool for pool in guest["node_pools"] if "failure_domain" not in pool)
    spread["replicas"] = 3


@pytest.fixture(scope="module")
def empty_lab():
    control = Control()
    control.call("POST", "/reset")
    control.call("POST", "/time-scale", {"scale": 0.01})
    yield control
    control.call("POST", "/reset")


@pytest.fixture(scope="module")
def zonal_topology(tmp_path_factory):
    return topology_with(tmp_path_factory.mktemp("zones") / "topology.yml", spread_over_three)


def test_a_three_zone_supervisor_is_built_changed_nothing_again_and_destroyed(empty_lab, zonal_topology):
    control = empty_lab
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
    assert [cluster for name, cluster in nodes.items() if "-zone-c-workers-" in name] == ["DC0_C3"]  # failure_domain: zone-c
    spread = sorted(cluster for name, cluster in nodes.items() if "-workers-" in name and "-zone-c-workers-" not in name)
    assert spread == ["DC0_C1", "DC0_C2", "DC0_C3"]
    # Every node carries its zone as VM Operator labels it, placed by a pool's zone or by the Supervisor.
    objects = [vm for vm in supervisor_virtual_machine_objects() if vm["metadata"]["name"].startswith("capi-platform-")]
    assert len(objects) == len(nodes) == 5
    assert all(vm["metadata"]["labels"][ZONE_LABEL] == vm["status"]["zone"] in ZONES for vm in objects), objects

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
    assert [zone for zone in left if zone in ZONES] == [] and len(left) == 1


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
def test_zone_mistakes_are_refused_before_any_change(empty_lab, tmp_path, change, problem):
    empty_lab.call("DELETE", "/requests")
    exit_code, output, errors = pacific("apply", "-auto-approve", topology=topology_with(tmp_path / "topology.yml", change))
    assert exit_code == 1 and problem in errors, output + errors
    assert "Traceback" not in errors
    assert [call for call in empty_lab.client_requests() if mutates(call)] == []
