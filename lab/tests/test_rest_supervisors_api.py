"""vCenter 8.0's Supervisors API and vSphere Zones, held to reference/supervisors.json (the documented fields),
and a lab started as vCenter 7.0.3 that serves neither and says it is 7.0.3."""

import json
import sys
from pathlib import Path

import pytest
from pyVim.task import WaitForTask
from pyVmomi import vim
from rest_support import (  # noqa: F401 (fixtures)
    MANAGEMENT,
    VSAN_POLICY,
    Rest,
    clusters,
    control,
    documented_fields,
    error_fields,
    fast_lab,
    field_path,
    rest,
    wait_for_status,
    with_field,
    wrong_value,
)

REFERENCE = json.loads((Path(__file__).parent / "reference" / "supervisors.json").read_text())
STRUCTURES = REFERENCE["structures"]
ANSWERS = REFERENCE["answers"]
SUPERVISORS = f"{MANAGEMENT}/supervisors"
ZONES = "/api/vcenter/consumption-domains/zones"
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from lab_access import side_by_side_lab  # noqa: E402


def enable_on_compute_cluster_spec(rest, name="sup-a", zone=None):  # noqa: F811
    """A valid EnableOnComputeClusterSpec for the lab (a VSPHERE network, HAProxy), documented fields only."""
    networks = rest.get("/api/vcenter/network")
    management = next(n["network"] for n in networks if n["type"] == "STANDARD_PORTGROUP")
    portgroup = next(n["network"] for n in networks if n["name"] == "DC0_DVPG0")
    spec = {
        "name": name,
        "control_plane": {
            "size": "TINY", "storage_policy": VSAN_POLICY, "login_banner": "lab",
            "network": {
                "backing": {"backing": "NETWORK", "network": management},
                "ip_management": {"dhcp_enabled": False, "gateway_address": "192.168.10.1/24",
                                  "ip_assignments": [{"assignee": "NODE", "ranges": [{"address": "192.168.10.10", "count": 5}]}]},
                "services": {"dns": {"servers": ["192.168.10.2"], "search_domains": ["lab.local"]},
                             "ntp": {"servers": ["pool.ntp.org"]}}}},
        "workloads": {
            "network": {"network": "primary", "network_type": "VSPHERE", "vsphere": {"dvpg": portgroup},
                        "ip_management": {"gateway_address": "192.168.20.1/24", "ip_assignments": [
                            {"assignee": "NODE", "ranges": [{"address": "192.168.20.100", "count": 50}]},
                            {"assignee": "SERVICE", "ranges": [{"address": "10.96.0.0", "count": 512}]}]},
                        "services": {"dns": {"servers": ["192.168.10.2"], "search_domains": ["lab.local"]}}},
            "edge": {"id": "haproxy", "provider": "HAPROXY",
                     "load_balancer_address_ranges": [{"address": "192.168.30.64", "count": 64}],
                     "haproxy": {"servers": [{"host": "192.168.30.5", "port": 5556}], "username": "admin",
                                 "password": "haproxy-secret", "certificate_authority_chain": "PEM"}},
            "kube_API_server_options": {"security": {"certificate_dns_names": ["sup-a.lab.local"]}},
            "storage": {"ephemeral_storage_policy": VSAN_POLICY, "image_storage_policy": VSAN_POLICY},
        },
    }
    if zone is not None:
        spec["zone"] = zone
    return spec


def _enable(rest, cluster, spec):  # noqa: F811
    return rest.request("POST", f"{SUPERVISORS}/{cluster}", params={"action": "enable_on_compute_cluster"}, json=spec)


@pytest.fixture
def fresh(control, rest):  # noqa: F811
    """An empty lab, and a session in it (a reset ends every session)."""
    control.call("POST", "/reset")
    rest.login()


def test_the_lab_says_it_is_vcenter_8_0_3(lab, rest):  # noqa: F811
    assert lab["vcenter"]["version"] == "8.0.3"
    version = rest.get("/api/appliance/system/version")
    assert set(version) == set(ANSWERS["Version.VersionStruct"]["fields"])
    assert (version["version"], version["build"]) == ("8.0.3.00000", "24022515")
    offered = rest.http.get(rest.base + "/sdk/vimServiceVersions.xml").text
    assert "<version>8.0.3.0</version>" in offered


def test_every_documented_field_is_checked_for_its_type_and_presence(rest, fresh):  # noqa: F811
    cluster = clusters(rest)[0]["cluster"]
    spec = enable_on_compute_cluster_spec(rest)
    fields = list(documented_fields(spec, STRUCTURES, "Supervisors.EnableOnComputeClusterSpec", strict=True))
    assert len(fields) > 40  # the body exercises the structures, not a corner of them
    for path, field in fields:
        response = _enable(rest, cluster, with_field(spec, path, wrong_value(field)))
        assert response.status_code == 400 and field_path(path) in error_fields(response), (path, response.text)
        if field["required"]:
            response = _enable(rest, cluster, with_field(spec, path, remove=True))
            assert response.status_code == 400 and field_path(path) in error_fields(response), (path, response.text)
    response = _enable(rest, cluster, with_field(spec, ("workloads", "undocumented"), 1))
    assert error_fields(response) == {"spec.workloads.undocumented"}
    assert rest.get(f"{SUPERVISORS}/summaries") == {"items": []}  # nothing was enabled on the way


def test_values_are_checked_and_named_by_the_field_sent(rest, fresh):  # noqa: F811
    cluster = clusters(rest)[0]["cluster"]
    spec = enable_on_compute_cluster_spec(rest)
    spec = with_field(spec, ("control_plane", "storage_policy"), "no-such-policy")
    spec = with_field(spec, ("workloads", "network", "vsphere", "dvpg"), "network-nope")
    response = _enable(rest, cluster, spec)
    assert error_fields(response) == {"spec.control_plane.storage_policy", "spec.workloads.network.vsphere.dvpg"}


def test_enable_on_compute_cluster_runs_a_supervisor_on_a_zone(rest, fresh):  # noqa: F811
    cluster = clusters(rest)[0]["cluster"]
    response = _enable(rest, cluster, enable_on_compute_cluster_spec(rest))
    assert response.status_code == 200, response.text
    supervisor = response.json()
    assert isinstance(supervisor, str) and supervisor != cluster
    assert _enable(rest, cluster, enable_on_compute_cluster_spec(rest, name="other")).status_code == 400  # one per cluster
    assert wait_for_status(rest, cluster, "RUNNING")[-1] == "RUNNING"  # the Clusters API of vCenter 8 sees it
    (item,) = rest.get(f"{SUPERVISORS}/summaries")["items"]
    assert set(item) == set(ANSWERS["Supervisors.Summary.ListItem"]["fields"])
    assert set(item["info"]) == set(ANSWERS["Supervisors.Summary.Info"]["fields"])
    assert set(item["info"]["stats"]) == set(ANSWERS["Supervisors.Summary.Stats"]["fields"])
    assert (item["supervisor"], item["info"]["name"], item["info"]["config_status"]) == (supervisor, "sup-a", "RUNNING")
    assert rest.get(f"{SUPERVISORS}/{supervisor}/summary") == item["info"]
    (place,) = rest.get(f"{SUPERVISORS}/{supervisor}/topology")
    assert place == {"zone": f"zone-{cluster}", "clusters": [cluster]}  # made for the cluster, which had none
    assert rest.get(f"{ZONES}/cluster/{place['zone']}/associations") == [cluster]
    (listed,) = rest.get(f"{MANAGEMENT}/clusters")
    assert set(listed) == set(ANSWERS["Clusters.Summary"]["fields"])
    assert set(listed["stats"]) == set(ANSWERS["Clusters.Stats"]["fields"]) and listed["stats"] == item["info"]["stats"]
    assert listed["stats"]["cpu_capacity"] > 0 and listed["stats"]["memory_capacity"] > 0 and listed["stats"]["storage_capacity"] > 0
    info = rest.get(f"{MANAGEMENT}/clusters/{cluster}")
    assert (info["size_hint"], info["service_cidr"]) == ("TINY", {"address": "10.96.0.0", "prefix": 23})
    assert "haproxy-secret" not in json.dumps(info)
    assert rest.request("GET", f"{SUPERVISORS}/no-such-supervisor/summary").status_code == 404


def _drs(vcenter_connect, cluster_id, enabled):
    """Turn DRS on or off as a vSphere client does: ReconfigureComputeResource_Task with a ClusterConfigSpecEx."""
    content = vcenter_connect().RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.ClusterComputeResource], True)
    (cluster,) = [each for each in view.view if each._moId == cluster_id]
    view.Destroy()
    task = cluster.ReconfigureComputeResource_Task(vim.cluster.ConfigSpecEx(drsConfig=vim.cluster.DrsConfigInfo(enabled=enabled)), True)
    WaitForTask(task)
    return bool(cluster.configurationEx.drsConfig.enabled), bool(cluster.configuration.drsConfig.enabled)


def test_cluster_compatibility_reports_what_enable_refuses(rest, control, fresh, vcenter_connect):  # noqa: F811
    listed = rest.get(f"{MANAGEMENT}/cluster-compatibility", params={"network_provider": "VSPHERE_NETWORK"})
    assert all(set(item) == set(ANSWERS["ClusterCompatibility.Summary"]["fields"]) for item in listed)
    assert {item["cluster"]: item["compatible"] for item in listed} == {each["cluster"]: True for each in clusters(rest)}
    # DRS turned off through vim25, as an administrator does it: incompatible, and enable refuses the cluster.
    cluster, name = clusters(rest)[0]["cluster"], clusters(rest)[0]["name"]
    assert _drs(vcenter_connect, cluster, False) == (False, False)
    (found,) = [item for item in rest.get(f"{MANAGEMENT}/cluster-compatibility") if item["cluster"] == cluster]
    assert (found["compatible"], [reason["default_message"] for reason in found["incompatibility_reasons"]]) == (
        False, [f"DRS is not enabled on cluster '{name}'"])
    assert error_fields(_enable(rest, cluster, enable_on_compute_cluster_spec(rest))) == {"cluster"}
    assert _drs(vcenter_connect, cluster, True) == (True, True)
    assert all(item["compatible"] for item in rest.get(f"{MANAGEMENT}/cluster-compatibility"))
    # A cluster of two hosts is one vSphere refuses too.
    control.call("POST", "/reset", {"hosts": 2})
    rest.login()  # a reset ends every session
    try:
        cluster, name = clusters(rest)[0]["cluster"], clusters(rest)[0]["name"]
        (found,) = [item for item in rest.get(f"{MANAGEMENT}/cluster-compatibility") if item["cluster"] == cluster]
        assert found["compatible"] is False
        assert [reason["default_message"] for reason in found["incompatibility_reasons"]] == [
            f"cluster '{name}' has 2 hosts; the control plane needs 3"]
        assert rest.get(f"{MANAGEMENT}/cluster-compatibility", params={"compatible": "true"}) == []
        assert error_fields(_enable(rest, cluster, enable_on_compute_cluster_spec(rest))) == {"cluster"}
    finally:
        control.call("POST", "/reset")
        rest.login()
    assert rest.request("GET", f"{MANAGEMENT}/cluster-compatibility", params={"network_provider": "NOPE"}).status_code == 400


def _switch_members(vcenter_connect, cluster_id, operation):
    """Add or remove the cluster's hosts to / from DVS0, as an administrator does it (ReconfigureDvs_Task)."""
    content = vcenter_connect().RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.ClusterComputeResource, vim.DistributedVirtualSwitch], True)
    cluster = next(each for each in view.view if each._moId == cluster_id)
    switch = next(each for each in view.view if isinstance(each, vim.DistributedVirtualSwitch))
    view.Destroy()
    if operation == "remove":  # vCenter takes no host off a switch that its VMs use (ResourceInUse): they go first
        for vm in [vm for host in cluster.host for vm in host.vm]:
            if vm.runtime.powerState == "poweredOn":
                WaitForTask(vm.PowerOffVM_Task())
            WaitForTask(vm.Destroy_Task())
    members = [vim.dvs.HostMember.ConfigSpec(operation=operation, host=host) for host in cluster.host]
    WaitForTask(switch.ReconfigureDvs_Task(vim.DistributedVirtualSwitch.ConfigSpec(configVersion=switch.config.configVersion, host=members)))
    return switch


def test_distributed_switch_compatibility_follows_the_switch_of_the_cluster_hosts(rest, control, fresh, vcenter_connect):  # noqa: F811
    path = f"{MANAGEMENT}/distributed-switch-compatibility"
    cluster, name = clusters(rest)[-1]["cluster"], clusters(rest)[-1]["name"]
    networks = {n["name"]: n["network"] for n in rest.get("/api/vcenter/network")}
    (switch,) = rest.get(path, params={"cluster": cluster, "network_provider": "VSPHERE_NETWORK"})
    assert set(switch) == set(ANSWERS["DistributedSwitchCompatibility.Summary"]["fields"])
    assert (switch["compatible"], switch["network_provider"], switch["incompatibility_reasons"]) == (True, "VSPHERE_NETWORK", [])
    assert switch["distributed_switch"].startswith("dvs-") and switch["compatible_networks"] == [networks["DC0_DVPG0"]]  # no uplinks
    # NSX (the default provider) names the switch by UUID; the lab has no NSX Manager.
    (nsx,) = rest.get(path, params={"cluster": cluster})
    assert nsx["network_provider"] == "NSXT_CONTAINER_PLUGIN" and nsx["compatible"] is False and len(nsx["distributed_switch"]) == 36
    assert rest.get(path, params={"cluster": cluster, "compatible": "true"}) == []
    assert rest.get(f"{MANAGEMENT}/edge-cluster-compatibility", params={"cluster": cluster, "distributed_switch": nsx["distributed_switch"]}) == []
    assert error_fields(rest.request("GET", path)) == {"cluster"}
    sizes = rest.get(f"{MANAGEMENT}/cluster-size-info")
    assert set(sizes) == {"TINY", "SMALL", "MEDIUM", "LARGE"}
    assert set(sizes["TINY"]) == set(ANSWERS["ClusterSizeInfo.Info"]["fields"])
    assert sizes["TINY"]["master_vm_info"] == {"count": 2, "cores_per_socket": 1, "memory": 8192, "capacity": 32768}

    # The cluster's hosts taken off the switch: no switch of its own, the cluster is incompatible, enable refuses it.
    _switch_members(vcenter_connect, cluster, "remove")
    control.call("DELETE", "/requests")
    assert rest.get(path, params={"cluster": cluster, "network_provider": "VSPHERE_NETWORK"}) == []
    (found,) = [item for item in rest.get(f"{MANAGEMENT}/cluster-compatibility", params={"network_provider": "VSPHERE_NETWORK"})
                if item["cluster"] == cluster]
    reason = f"no distributed switch connects every host of cluster '{name}' (vSphere networking needs one)"
    assert (found["compatible"], [r["default_message"] for r in found["incompatibility_reasons"]]) == (False, [reason])
    refused = _enable(rest, cluster, enable_on_compute_cluster_spec(rest))
    assert error_fields(refused) == {"cluster"} and reason in json.dumps(refused.json())
    assert [e for e in control.requests(api="vim25") if (e["operation"] or "").endswith("_Task")] == []
    _switch_members(vcenter_connect, cluster, "add")
    assert rest.get(path, params={"cluster": cluster, "network_provider": "VSPHERE_NETWORK"})[0]["compatible"] is True
    control.call("POST", "/reset")  # the VMs back
    rest.login()


def test_zones_hold_one_cluster_each_and_outlive_no_supervisor(rest, fresh):  # noqa: F811
    first, second = (cluster["cluster"] for cluster in clusters(rest)[:2])
    for bad in ("Zone-A", "-a", "a" * 64):
        assert error_fields(rest.request("POST", ZONES, json={"zone": bad})) == {"spec.zone"}
    created = rest.request("POST", ZONES, json={"zone": "zone-a", "description": "rack A"})
    assert (created.status_code, created.json()) == (201, "zone-a")
    assert rest.request("POST", ZONES, json={"zone": "zone-a"}).json()["error_type"] == "ALREADY_EXISTS"
    assert rest.get(ZONES) == {"items": [{"zone": "zone-a", "info": {"description": "rack A"}}]}
    assert rest.get(f"{ZONES}/zone-a") == {"description": "rack A"}
    add = f"{ZONES}/cluster/zone-a/associations"
    status = rest.request("POST", add, params={"action": "add"}, json=[first]).json()
    assert set(status) == set(ANSWERS["Zones.Cluster.Associations.Status"]["fields"]) and status["success"]
    refused = rest.request("POST", add, params={"action": "add"}, json=[second, "domain-c-none"]).json()
    assert not refused["success"] and set(refused["failed_clusters"]) == {second, "domain-c-none"}
    assert rest.get(add) == [first]
    rest.request("POST", ZONES, json={"zone": "zone-b"})
    taken = rest.request("POST", f"{ZONES}/cluster/zone-b/associations", params={"action": "add"}, json=[first]).json()
    assert taken["failed_clusters"][first]["error_type"] == "ALREADY_EXISTS"
    # A Supervisor on the zone: the zone and its cluster stay bound until it is gone.
    spec = enable_on_compute_cluster_spec(rest, zone="zone-b")
    assert error_fields(_enable(rest, first, spec)) == {"spec.zone"}  # the cluster is zone-a's
    assert _enable(rest, first, enable_on_compute_cluster_spec(rest, zone="zone-a")).status_code == 200
    assert rest.request("DELETE", f"{ZONES}/zone-a").json()["error_type"] == "NOT_ALLOWED_IN_CURRENT_STATE"
    assert not rest.request("POST", add, params={"action": "remove"}, json=[first]).json()["success"]
    wait_for_status(rest, first, "RUNNING")
    rest.ok("POST", f"{MANAGEMENT}/clusters/{first}", params={"action": "disable"})
    wait_for_status(rest, first, 404)
    assert rest.request("POST", add, params={"action": "remove"}, json=[first]).json()["success"]
    rest.ok("DELETE", f"{ZONES}/zone-a")
    assert rest.request("GET", f"{ZONES}/zone-a").status_code == 404


def _zonal_spec(rest, zones, name="sup-z"):  # noqa: F811
    spec = enable_on_compute_cluster_spec(rest, name=name)
    spec["zones"] = zones
    return spec


def _placement(vcenter_connect):
    """{control-plane VM name: (cluster moid, host moid)} and the mandatory rules' VM counts, read through vim25."""
    content = vcenter_connect().RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    vms = {vm.name: (vm.runtime.host.parent._moId, vm.runtime.host._moId) for vm in view.view
           if vm.name.startswith("SupervisorControlPlaneVM")}
    view.Destroy()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.ClusterComputeResource], True)
    rules = {cluster._moId: [len(rule.vm) for rule in cluster.configurationEx.rule if rule.mandatory] for cluster in view.view}
    pools = {cluster._moId: {pool.name: pool.config.cpuAllocation.limit for pool in cluster.resourcePool.resourcePool}
             for cluster in view.view}
    view.Destroy()
    return vms, rules, pools


def test_a_three_zone_supervisor_runs_one_control_plane_vm_in_each_zone(rest, control, vcenter_connect):  # noqa: F811
    control.call("POST", "/reset", {"clusters": 4})
    rest.login()
    try:
        ids = [cluster["cluster"] for cluster in clusters(rest)]
        for index, cluster in enumerate(ids[1:]):
            rest.request("POST", ZONES, json={"zone": f"zone-{index + 1}"})
            assert rest.request("POST", f"{ZONES}/cluster/zone-{index + 1}/associations", params={"action": "add"},
                                json=[cluster]).json()["success"]
        rest.request("POST", ZONES, json={"zone": "empty"})
        enable_zones = f"{SUPERVISORS}?action=enable_on_zones"
        refused = {
            ("zone-1", "zone-2"): {"spec.zones"},  # one zone or three
            ("zone-1", "zone-2", "empty"): {"spec.zones[2]"},
            ("zone-1", "zone-2", "zone-9"): {"spec.zones[2]"},
        }
        for zones, fields in refused.items():
            assert error_fields(rest.request("POST", enable_zones, json=_zonal_spec(rest, list(zones)))) == fields, zones
        assert rest.get(f"{SUPERVISORS}/summaries") == {"items": []}

        response = rest.request("POST", enable_zones, json=_zonal_spec(rest, ["zone-1", "zone-2", "zone-3"]))
        assert response.status_code == 200, response.text
        supervisor = response.json()
        wait_for_status(rest, ids[1], "RUNNING")
        assert rest.get(f"{SUPERVISORS}/{supervisor}/topology") == [
            {"zone": f"zone-{index + 1}", "clusters": [cluster]} for index, cluster in enumerate(ids[1:])]
        vms, rules, _ = _placement(vcenter_connect)
        assert sorted(cluster for cluster, _ in vms.values()) == sorted(ids[1:])  # one per zone's cluster
        assert len({host for _, host in vms.values()}) == 3
        assert all(rules[cluster] == [] for cluster in ids[1:])  # DRS rules bind one cluster's VMs; the zones keep these apart
        # Any of its clusters names it in the Clusters API; a namespace gets a resource pool in each, the limit split.
        assert rest.get(f"{MANAGEMENT}/clusters/{ids[3]}")["config_status"] == "RUNNING"
        created = rest.request("POST", "/api/vcenter/namespaces/instances",
                               json={"cluster": ids[2], "namespace": "zonal", "resource_spec": {"cpu_limit": 3000}})
        assert created.status_code == 204, created.text
        assert rest.get("/api/vcenter/namespaces/instances/zonal")["cluster"] == ids[1]
        _, _, pools = _placement(vcenter_connect)
        assert [pools[cluster].get("zonal") for cluster in ids] == [None, 1000, 1000, 1000]
        rest.ok("POST", f"{MANAGEMENT}/clusters/{ids[2]}", params={"action": "disable"})
        wait_for_status(rest, ids[1], 404)
        vms, _, pools = _placement(vcenter_connect)
        assert vms == {} and all("zonal" not in pools[cluster] for cluster in ids)
    finally:
        control.call("POST", "/reset")
        rest.login()


@pytest.fixture(scope="module")
def lab_7_0_3(lab, tmp_path_factory):
    """A second lab, as vCenter 7.0.3, on ports of its own."""
    run_dir = Path(lab["vcenter"]["ca_cert"]).parents[1]
    with side_by_side_lab(tmp_path_factory.mktemp("lab-7.0.3"), run_dir, LAB_VCENTER_VERSION="7.0.3") as other:
        yield json.loads((other / "endpoints.json").read_text())


def test_a_7_0_3_lab_is_vcenter_7_without_supervisors_or_zones(lab_7_0_3):
    old = Rest(lab_7_0_3)
    assert lab_7_0_3["vcenter"]["version"] == "7.0.3"
    assert old.get("/api/appliance/system/version")["version"] == "7.0.3.00300"
    assert "<version>7.0.3.0</version>" in old.http.get(old.base + "/sdk/vimServiceVersions.xml").text
    for method, path in (("GET", f"{SUPERVISORS}/summaries"), ("GET", ZONES),
                         ("POST", f"{SUPERVISORS}/domain-c8?action=enable_on_compute_cluster")):
        response = old.request(method, path, json={} if method == "POST" else None)
        assert response.status_code == 404, (path, response.text)
    assert old.get(f"{MANAGEMENT}/clusters") == []  # the 7.0 API is there
