"""Workload Management over REST: enabling a cluster does in vcsim what vCenter
does (Spherelet on every host, three anti-affine control-plane VMs), invalid
specs change nothing, and disabling removes what enabling made."""

import copy
import ipaddress

import pytest
from pyVmomi import vim
from rest_support import MANAGEMENT, VSAN_POLICY, clusters, control, enable, enable_spec, error_fields, fast_lab, mutating_soap_calls, rest, wait_for_status  # noqa: F401 (fixtures)

CONTROL_PLANE = ["SupervisorControlPlaneVM (1)", "SupervisorControlPlaneVM (2)", "SupervisorControlPlaneVM (3)"]


def _cluster_object(si, moid):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.ClusterComputeResource], True)
    try:
        return next(c for c in view.view if c._moId == moid)
    finally:
        view.Destroy()


def _control_plane_vms(si, cluster):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        return {vm.name: vm for vm in view.view
                if vm.name in CONTROL_PLANE and vm.runtime.host.parent._moId == cluster._moId}
    finally:
        view.Destroy()


@pytest.fixture(scope="module")
def supervisor(rest):  # noqa: F811
    """The first cluster with Workload Management enabled (RUNNING)."""
    cluster = clusters(rest)[0]["cluster"]
    statuses = enable(rest, cluster)
    return cluster, statuses


def test_enable_goes_configuring_then_running(supervisor):
    _, statuses = supervisor
    assert statuses == ["CONFIGURING", "RUNNING"]


def test_control_plane_vms_on_distinct_hosts_with_mandatory_rule(supervisor, vcenter_connect):
    si = vcenter_connect()
    cluster = _cluster_object(si, supervisor[0])
    vms = _control_plane_vms(si, cluster)
    assert sorted(vms) == CONTROL_PLANE
    assert len({vm.runtime.host._moId for vm in vms.values()}) == 3
    assert all(vm.runtime.powerState == "poweredOn" for vm in vms.values())
    rules = [rule for rule in cluster.configurationEx.rule if isinstance(rule, vim.cluster.AntiAffinityRuleSpec)]
    assert len(rules) == 1
    assert rules[0].mandatory and rules[0].enabled
    assert sorted(vm.name for vm in rules[0].vm) == CONTROL_PLANE


def test_spherelet_installed_on_every_host_out_of_maintenance_mode(supervisor, vcenter_connect, lab):
    newest = max(lab["depot"]["spherelet"])
    cluster = _cluster_object(vcenter_connect(), supervisor[0])
    for host in cluster.host:
        packages = {p.name: p.version for p in host.configManager.imageConfigManager.FetchSoftwarePackages()}
        assert packages.get("spherelet") == newest, host.name
        assert not host.runtime.inMaintenanceMode


def test_info_and_summary(rest, supervisor, lab):  # noqa: F811
    cluster, _ = supervisor
    info = rest.get(f"{MANAGEMENT}/clusters/{cluster}")
    spec = enable_spec(rest)
    assert (info["config_status"], info["kubernetes_status"]) == ("RUNNING", "READY")
    assert ipaddress.ip_address(info["api_server_cluster_endpoint"]) in ipaddress.ip_network(lab["supervisor_addresses"])
    assert info["api_server_management_endpoint"] == "192.168.10.10"
    assert info["size_hint"] == "TINY"
    assert info["master_storage_policy"] == VSAN_POLICY
    assert info["master_management_network"] == spec["master_management_network"]
    assert info["workload_networks"]["supervisor_primary_workload_network"]["network"] == "primary"
    assert info["load_balancers"][0]["id"] == "haproxy"
    assert "password" not in str(info)  # secrets are never returned
    summary = next(s for s in rest.get(f"{MANAGEMENT}/clusters") if s["cluster"] == cluster)
    stats = summary.pop("stats")  # Clusters.Stats, required: the cluster's hosts and datastores as vcsim has them
    assert summary == {"cluster": cluster, "cluster_name": clusters(rest)[0]["name"],
                       "config_status": "RUNNING", "kubernetes_status": "READY"}
    assert 0 <= stats["cpu_used"] <= stats["cpu_capacity"] and 0 <= stats["memory_used"] <= stats["memory_capacity"]
    assert 0 <= stats["storage_used"] <= stats["storage_capacity"] and stats["storage_capacity"] > 0


def test_enabling_an_enabled_cluster_is_already_exists(rest, supervisor):  # noqa: F811
    response = rest.request("POST", f"{MANAGEMENT}/clusters/{supervisor[0]}", params={"action": "enable"},
                            json=enable_spec(rest))
    assert response.status_code == 400
    assert response.json()["error_type"] == "ALREADY_EXISTS"


def _break(spec, path, value):
    """A copy of spec with the value at a dotted path (list indexes as numbers) replaced or removed."""
    spec = copy.deepcopy(spec)
    *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
    target = spec
    for part in parents:
        target = target[part]
    if value is _REMOVE:
        del target[last]
    else:
        target[last] = value
    return spec


_REMOVE = object()
INVALID_SPECS = [
    ("size_hint", "HUGE", "spec.size_hint"),
    ("master_storage_policy", "no-such-policy", "spec.master_storage_policy"),
    ("image_storage.storage_policy", "no-such-policy", "spec.image_storage.storage_policy"),
    ("master_management_network.network", "network-0", "spec.master_management_network.network"),
    ("master_management_network.address_range.address_count", 3,
     "spec.master_management_network.address_range.address_count"),
    ("master_management_network.address_range.subnet_mask", "24",
     "spec.master_management_network.address_range.subnet_mask"),
    ("service_cidr.address", "10.96.0.300", "spec.service_cidr"),
    ("service_cidr", {"address": "192.168.20.0", "prefix": 24},
     "spec.workload_networks_spec.supervisor_primary_workload_network.vsphere_network.address_ranges[0]"),
    ("load_balancer_config_spec.address_ranges", [{"address": "192.168.10.12", "count": 4}],
     "spec.load_balancer_config_spec.address_ranges[0]"),
    ("workload_networks_spec.supervisor_primary_workload_network.vsphere_network.portgroup", "network-7",
     "spec.workload_networks_spec.supervisor_primary_workload_network.vsphere_network.portgroup"),
    ("default_kubernetes_service_content_library", "no-such-library",
     "spec.default_kubernetes_service_content_library"),
    ("master_DNS", ["not-an-ip"], "spec.master_DNS[0]"),
    ("load_balancer_config_spec.ha_proxy_config_create_spec", _REMOVE,
     "spec.load_balancer_config_spec.ha_proxy_config_create_spec"),
    ("workload_networks_spec", _REMOVE, "spec.workload_networks_spec"),
    ("ephemeral_storage_policy", _REMOVE, "spec.ephemeral_storage_policy"),
    ("master_DNS", "192.168.10.2", "spec.master_DNS"),
]


@pytest.mark.parametrize("path, value, field", INVALID_SPECS, ids=[case[2] for case in INVALID_SPECS])
def test_invalid_enable_spec_names_the_field_and_changes_nothing(rest, control, vcenter_connect,  # noqa: F811
                                                                 path, value, field):
    target = clusters(rest)[1]["cluster"]
    si = vcenter_connect()
    cluster = _cluster_object(si, target)
    vms_before = len(_control_plane_vms(si, cluster))
    control.call("DELETE", "/requests")
    response = rest.request("POST", f"{MANAGEMENT}/clusters/{target}", params={"action": "enable"},
                            json=_break(enable_spec(rest), path, value))
    assert response.status_code == 400, response.text
    assert field in error_fields(response)
    assert mutating_soap_calls(control) == []
    assert rest.request("GET", f"{MANAGEMENT}/clusters/{target}").status_code == 404
    assert len(_control_plane_vms(si, cluster)) == vms_before
    assert list(cluster.configurationEx.rule) == []


def test_enable_unknown_cluster_is_not_found(rest):  # noqa: F811
    response = rest.request("POST", f"{MANAGEMENT}/clusters/domain-c999", params={"action": "enable"},
                            json=enable_spec(rest))
    assert (response.status_code, response.json()["error_type"]) == (404, "NOT_FOUND")


def test_update_changes_settings_and_resizes_the_control_plane(rest, supervisor, vcenter_connect):  # noqa: F811
    cluster, _ = supervisor
    rest.ok("PATCH", f"{MANAGEMENT}/clusters/{cluster}", json={"login_banner": "lab only", "master_DNS": ["10.0.0.53"]})
    info = rest.get(f"{MANAGEMENT}/clusters/{cluster}")
    assert (info["login_banner"], info["master_DNS"], info["config_status"]) == ("lab only", ["10.0.0.53"], "RUNNING")
    bad = rest.request("PATCH", f"{MANAGEMENT}/clusters/{cluster}", json={"master_storage_policy": "nope"})
    assert error_fields(bad) == {"spec.master_storage_policy"}
    rest.ok("PATCH", f"{MANAGEMENT}/clusters/{cluster}", json={"size_hint": "SMALL"})
    assert wait_for_status(rest, cluster, "RUNNING") in (["CONFIGURING", "RUNNING"], ["RUNNING"])
    vms = _control_plane_vms(vcenter_connect(), _cluster_object(vcenter_connect(), cluster))
    assert {(vm.config.hardware.numCPU, vm.config.hardware.memoryMB) for vm in vms.values()} == {(4, 16384)}


def test_disable_removes_what_enable_made_but_keeps_spherelet(rest, lab, vcenter_connect):  # noqa: F811
    target = clusters(rest)[1]["cluster"]
    enable(rest, target)
    rest.ok("POST", f"{MANAGEMENT}/clusters/{target}", params={"action": "disable"})
    assert wait_for_status(rest, target, 404)[0] in ("REMOVING", 404)
    si = vcenter_connect()
    cluster = _cluster_object(si, target)
    assert _control_plane_vms(si, cluster) == {}
    assert list(cluster.configurationEx.rule) == []
    newest = max(lab["depot"]["spherelet"])
    for host in cluster.host:
        packages = {p.name: p.version for p in host.configManager.imageConfigManager.FetchSoftwarePackages()}
        assert packages.get("spherelet") == newest
    assert target not in {s["cluster"] for s in rest.get(f"{MANAGEMENT}/clusters")}
