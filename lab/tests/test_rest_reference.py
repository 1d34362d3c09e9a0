"""The lab accepts exactly the request bodies the vSphere Automation API documents:
tested against reference/namespace_management.json (field names and types from
the official docs), not against the lab's own code.

For the EnableSpec and the namespaces CreateSpec: a body using the documented
fields is accepted; each documented field given a value of the wrong JSON type
is refused with a 400 naming it; each documented required field left out is
refused naming it; an undocumented field is refused.
"""

import json
from pathlib import Path

import pytest
from rest_support import (  # noqa: F401 (fixtures)
    INSTANCES,
    MANAGEMENT,
    VSAN_POLICY,
    clusters,
    control,
    documented_fields,
    enable,
    enable_spec,
    error_fields,
    fast_lab,
    field_path,
    rest,
    wait_for_status,
    with_field,
    wrong_value,
)

REFERENCE = json.loads((Path(__file__).parent / "reference" / "namespace_management.json").read_text())
STRUCTURES = REFERENCE["structures"]
# Documented, but for what the lab does not simulate (NSX-T networking, the AVI load balancer).
NOT_EXERCISED = {"ncp_cluster_network_spec", "avi_config_create_spec"}


def _json_type_matches(value, type_name):
    if type_name.startswith("array<"):
        return isinstance(value, list) and all(_json_type_matches(v, type_name[6:-1]) for v in value)
    if type_name in STRUCTURES:
        return isinstance(value, dict) and set(value) <= set(STRUCTURES[type_name]["fields"])
    return {"string": isinstance(value, str), "enum": isinstance(value, str), "object": isinstance(value, dict),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "boolean": isinstance(value, bool)}[type_name]


def _assert_documented(body, structure):
    """The test's own body uses documented names and types only (so it can stand for the docs)."""
    for path, field in documented_fields(body, STRUCTURES, structure):
        value = body
        for part in path:
            value = value[part]
        assert _json_type_matches(value, field["type"]), f"{field_path(path)} is not a {field['type']}"
        if field["type"] == "enum":
            assert value in field["values"], field_path(path)


@pytest.fixture(scope="module")
def full_enable_spec(rest):  # noqa: F811
    spec = enable_spec(rest)
    spec.update({"login_banner": "Lab Supervisor", "Master_DNS_names": ["supervisor.lab.local"],
                 "workload_ntp_servers": ["pool.ntp.org"], "default_image_repository": "library",
                 "default_image_registry": {"hostname": "registry.lab.local", "port": 443}})
    spec["master_management_network"]["floating_IP"] = "192.168.10.9"
    portgroup = spec["workload_networks_spec"]["supervisor_primary_workload_network"]["vsphere_network"]["portgroup"]
    spec["workload_networks_spec"]["network_list"] = [{
        "network": "secondary", "network_provider": "VSPHERE_NETWORK",
        "vsphere_network": {"portgroup": portgroup, "address_ranges": [{"address": "192.168.40.100", "count": 20}],
                            "gateway": "192.168.40.1", "subnet_mask": "255.255.255.0"}}]
    _assert_documented(spec, "Clusters.EnableSpec")
    return spec


def test_every_documented_enable_field_is_exercised(full_enable_spec):
    present = {path[-1] for path, _ in documented_fields(full_enable_spec, STRUCTURES, "Clusters.EnableSpec")}
    documented = {name for structure, definition in STRUCTURES.items() if structure in ENABLE_STRUCTURES
                  for name in definition["fields"]}
    assert documented - present <= NOT_EXERCISED


ENABLE_STRUCTURES = {"Clusters.EnableSpec", "Ipv4Cidr", "Clusters.NetworkSpec", "Clusters.Ipv4Range",
                     "Clusters.WorkloadNetworksEnableSpec", "Networks.CreateSpec",
                     "Networks.VsphereDVPGNetworkCreateSpec", "IPRange", "LoadBalancers.ConfigSpec",
                     "LoadBalancers.HAProxyConfigCreateSpec", "LoadBalancers.Server", "Clusters.ImageStorageSpec",
                     "Clusters.ImageRegistry"}


def test_documented_enable_spec_is_accepted(rest, full_enable_spec):  # noqa: F811
    cluster = clusters(rest)[1]["cluster"]
    enable(rest, cluster, full_enable_spec)
    info = rest.get(f"{MANAGEMENT}/clusters/{cluster}")
    assert (info["login_banner"], info["Master_DNS_names"]) == ("Lab Supervisor", ["supervisor.lab.local"])
    rest.ok("POST", f"{MANAGEMENT}/clusters/{cluster}", params={"action": "disable"})
    wait_for_status(rest, cluster, 404)


def test_each_documented_enable_field_checks_its_type(rest, full_enable_spec):  # noqa: F811
    cluster = clusters(rest)[1]["cluster"]
    for path, field in documented_fields(full_enable_spec, STRUCTURES, "Clusters.EnableSpec"):
        body = with_field(full_enable_spec, path, wrong_value(field))
        response = rest.request("POST", f"{MANAGEMENT}/clusters/{cluster}", params={"action": "enable"}, json=body)
        assert response.status_code == 400, f"{field_path(path)}: {response.status_code}"
        assert field_path(path) in error_fields(response), field_path(path)


def test_each_documented_required_enable_field_is_required(rest, full_enable_spec):  # noqa: F811
    cluster = clusters(rest)[1]["cluster"]
    for path, field in documented_fields(full_enable_spec, STRUCTURES, "Clusters.EnableSpec"):
        if not field["required"]:
            continue
        response = rest.request("POST", f"{MANAGEMENT}/clusters/{cluster}", params={"action": "enable"},
                                json=with_field(full_enable_spec, path, remove=True))
        assert response.status_code == 400, field_path(path)
        assert field_path(path) in error_fields(response), field_path(path)


def test_undocumented_enable_field_is_refused(rest, full_enable_spec):  # noqa: F811
    cluster = clusters(rest)[1]["cluster"]
    body = {**full_enable_spec, "master_dns": ["192.168.10.2"]}  # the documented name is master_DNS
    response = rest.request("POST", f"{MANAGEMENT}/clusters/{cluster}", params={"action": "enable"}, json=body)
    assert error_fields(response) == {"spec.master_dns"}


@pytest.fixture(scope="module")
def full_namespace_spec(rest):  # noqa: F811
    cluster = clusters(rest)[0]["cluster"]
    enable(rest, cluster)
    library = rest.get("/api/content/library")[0]
    spec = {
        "cluster": cluster, "namespace": "reference-ns", "description": "every documented field",
        "resource_spec": {name: 1000 + index for index, name in
                          enumerate(STRUCTURES["ResourceQuotaOptionsV1"]["fields"])},
        "access_list": [{"subject_type": "USER", "subject": "dev", "domain": "vsphere.local", "role": "EDIT"}],
        "storage_specs": [{"policy": VSAN_POLICY, "limit": 10240}],
        "networks": ["primary"],
        "vm_service_spec": {"content_libraries": [library], "vm_classes": ["best-effort-small"]},
    }
    _assert_documented(spec, "Instances.CreateSpec")
    return spec


def test_documented_namespace_spec_is_accepted_and_read_back(rest, full_namespace_spec):  # noqa: F811
    rest.ok("POST", INSTANCES, json=full_namespace_spec)
    info = rest.get(f"{INSTANCES}/reference-ns")
    for name in ("cluster", "description", "resource_spec", "access_list", "storage_specs", "networks",
                 "vm_service_spec"):
        assert info[name] == full_namespace_spec[name], name
    rest.ok("DELETE", f"{INSTANCES}/reference-ns")


def test_each_documented_namespace_field_checks_its_type(rest, full_namespace_spec):  # noqa: F811
    fields = list(documented_fields(full_namespace_spec, STRUCTURES, "Instances.CreateSpec"))
    assert {path[-1] for path, _ in fields} >= set(STRUCTURES["Instances.CreateSpec"]["fields"])
    for path, field in fields:
        response = rest.request("POST", INSTANCES, json=with_field(full_namespace_spec, path, wrong_value(field)))
        assert response.status_code == 400, f"{field_path(path)}: {response.status_code}"
        assert field_path(path) in error_fields(response), field_path(path)
    for path, field in fields:
        if field["required"]:
            response = rest.request("POST", INSTANCES, json=with_field(full_namespace_spec, path, remove=True))
            assert field_path(path) in error_fields(response), field_path(path)
    assert rest.get(INSTANCES) == []


FULL_VM_CLASS_SPEC = {
    "id": "reference-class", "cpu_count": 4, "cpu_reservation": 25, "memory_MB": 8192, "memory_reservation": 100,
    "description": "every documented field",
    "devices": {"vgpu_devices": [{"profile_name": "grid_t4-4q"}],
                "dynamic_direct_path_IO_devices": [{"vendor_id": 4318, "device_id": 7864, "custom_label": "fpga"}]},
}
VM_CLASSES = f"{MANAGEMENT}/virtual-machine-classes"


def test_documented_vm_class_spec_is_accepted_and_read_back(rest):  # noqa: F811
    _assert_documented(FULL_VM_CLASS_SPEC, "VirtualMachineClasses.CreateSpec")
    assert set(FULL_VM_CLASS_SPEC) == set(STRUCTURES["VirtualMachineClasses.CreateSpec"]["fields"])
    rest.ok("POST", VM_CLASSES, json=FULL_VM_CLASS_SPEC)
    info = rest.get(f"{VM_CLASSES}/reference-class")
    assert {name: info[name] for name in FULL_VM_CLASS_SPEC} == FULL_VM_CLASS_SPEC
    assert (info["namespaces"], info["vms"], info["config_status"], info["messages"]) == ([], [], "READY", [])
    rest.ok("DELETE", f"{VM_CLASSES}/reference-class")


def test_each_documented_vm_class_field_checks_its_type_and_presence(rest):  # noqa: F811
    fields = list(documented_fields(FULL_VM_CLASS_SPEC, STRUCTURES, "VirtualMachineClasses.CreateSpec"))
    for path, field in fields:
        response = rest.request("POST", VM_CLASSES, json=with_field(FULL_VM_CLASS_SPEC, path, wrong_value(field)))
        assert response.status_code == 400, f"{field_path(path)}: {response.status_code}"
        assert field_path(path) in error_fields(response), field_path(path)
        if field["required"]:
            response = rest.request("POST", VM_CLASSES, json=with_field(FULL_VM_CLASS_SPEC, path, remove=True))
            assert field_path(path) in error_fields(response), field_path(path)
    response = rest.request("POST", VM_CLASSES, json={**FULL_VM_CLASS_SPEC, "memory_mb": 8192})  # the documented name is memory_MB
    assert error_fields(response) == {"spec.memory_mb"}
    assert rest.request("GET", f"{VM_CLASSES}/reference-class").status_code == 404
