"""vSphere Namespaces over REST: create / update / set / delete round-trip every
field, the resource pool in vcsim follows, access entries work as documented,
and bad specs are refused naming the field."""

import pytest
from pyVmomi import vim
from rest_support import INSTANCES, VSAN_POLICY, clusters, control, enable, error_fields, fast_lab, rest  # noqa: F401 (fixtures)

GOLD = "b3a1c7e2-8d4f-4e5a-9c6b-0f1e2d3c4b5a"


@pytest.fixture(scope="module")
def cluster(rest):  # noqa: F811
    cluster = clusters(rest)[0]["cluster"]
    enable(rest, cluster)
    return cluster


@pytest.fixture(scope="module")
def library(rest):  # noqa: F811
    return rest.get("/api/content/library")[0]


def _pool(si, cluster_moid, name):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.ClusterComputeResource], True)
    try:
        cluster = next(c for c in view.view if c._moId == cluster_moid)
    finally:
        view.Destroy()
    return next((pool for pool in cluster.resourcePool.resourcePool if pool.name == name), None)


def _spec(cluster, library, name="team-a"):
    return {
        "cluster": cluster, "namespace": name, "description": "Team A",
        "resource_spec": {"cpu_limit": 4000, "memory_limit": 8192, "storage_request_limit": 20480,
                          "cpu_limit_default": 500, "memory_limit_default": 512, "pod_count": 50},
        "access_list": [{"subject_type": "USER", "subject": "alice", "domain": "vsphere.local", "role": "OWNER"},
                        {"subject_type": "GROUP", "subject": "devs", "domain": "vsphere.local", "role": "VIEW"}],
        "storage_specs": [{"policy": VSAN_POLICY, "limit": 10240}],
        "vm_service_spec": {"content_libraries": [library], "vm_classes": ["best-effort-small", "guaranteed-large"]},
    }


def test_create_get_update_set_delete_round_trip(rest, cluster, library, vcenter_connect):  # noqa: F811
    spec = _spec(cluster, library)
    rest.ok("POST", INSTANCES, json=spec)
    info = rest.get(f"{INSTANCES}/team-a")
    for field in ("cluster", "description", "resource_spec", "access_list", "storage_specs", "vm_service_spec"):
        assert info[field] == spec[field], field
    assert (info["config_status"], info["networks"]) == ("RUNNING", ["primary"])
    assert info["stats"] == {"cpu_used": 0, "memory_used": 0, "storage_used": 0}
    summary = next(s for s in rest.get(INSTANCES) if s["namespace"] == "team-a")
    assert (summary["cluster"], summary["description"], summary["config_status"]) == (cluster, "Team A", "RUNNING")
    pool = _pool(vcenter_connect(), cluster, "team-a")
    assert (pool.config.cpuAllocation.limit, pool.config.memoryAllocation.limit) == (4000, 8192)

    # PATCH: the fields given change; resource_spec merges and `_unset` removes a limit.
    rest.ok("PATCH", f"{INSTANCES}/team-a", json={
        "description": "Team A (patched)", "resource_spec": {"memory_limit": 16384, "cpu_limit_unset": True},
        "storage_specs": [{"policy": GOLD}], "vm_service_spec": {"vm_classes": ["best-effort-xsmall"]}})
    info = rest.get(f"{INSTANCES}/team-a")
    assert info["description"] == "Team A (patched)"
    assert info["resource_spec"] == {"memory_limit": 16384, "storage_request_limit": 20480, "cpu_limit_default": 500,
                                     "memory_limit_default": 512, "pod_count": 50}
    assert info["storage_specs"] == [{"policy": GOLD}]
    assert info["vm_service_spec"] == {"content_libraries": [], "vm_classes": ["best-effort-xsmall"]}
    assert info["access_list"] == spec["access_list"]
    pool = _pool(vcenter_connect(), cluster, "team-a")
    assert (pool.config.cpuAllocation.limit, pool.config.memoryAllocation.limit) == (-1, 16384)

    # PUT: the whole configuration is replaced; what is left out takes its default.
    rest.ok("PUT", f"{INSTANCES}/team-a", json={"description": "Team A (set)", "resource_spec": {"cpu_limit": 1000}})
    info = rest.get(f"{INSTANCES}/team-a")
    assert (info["description"], info["resource_spec"], info["access_list"], info["storage_specs"]) == (
        "Team A (set)", {"cpu_limit": 1000}, [], [])

    rest.ok("DELETE", f"{INSTANCES}/team-a")
    assert rest.request("GET", f"{INSTANCES}/team-a").status_code == 404
    assert _pool(vcenter_connect(), cluster, "team-a") is None


def test_access_sub_resource(rest, cluster, library):  # noqa: F811
    rest.ok("POST", INSTANCES, json=_spec(cluster, library, "team-b"))
    access = f"{INSTANCES}/team-b/access/vsphere.local"
    assert rest.get(f"{access}/alice", params={"type": "USER"}) == {"role": "OWNER", "inherited": False}
    assert rest.request("GET", f"{access}/alice", params={"type": "GROUP"}).status_code == 404
    rest.ok("POST", f"{access}/bob", params={"type": "USER"}, json={"role": "EDIT"})
    duplicate = rest.request("POST", f"{access}/bob", params={"type": "USER"}, json={"role": "VIEW"})
    assert duplicate.json()["error_type"] == "ALREADY_EXISTS"
    rest.ok("PUT", f"{access}/bob", params={"type": "USER"}, json={"role": "VIEW"})
    assert rest.get(f"{access}/bob", params={"type": "USER"})["role"] == "VIEW"
    assert {"subject_type": "USER", "subject": "bob", "domain": "vsphere.local", "role": "VIEW"} in rest.get(
        f"{INSTANCES}/team-b")["access_list"]
    rest.ok("DELETE", f"{access}/bob", params={"type": "USER"})
    assert rest.request("DELETE", f"{access}/bob", params={"type": "USER"}).status_code == 404
    assert rest.request("GET", f"{access}/alice").status_code == 400  # type is required
    rest.ok("DELETE", f"{INSTANCES}/team-b")


INVALID = [
    ({"namespace": "Team_C"}, "spec.namespace"),
    ({"resource_spec": {"cpu_limit": -1}}, "spec.resource_spec.cpu_limit"),
    ({"storage_specs": [{"policy": "no-such-policy"}]}, "spec.storage_specs[0].policy"),
    ({"vm_service_spec": {"vm_classes": ["no-such-class"]}}, "spec.vm_service_spec.vm_classes[0]"),
    ({"vm_service_spec": {"content_libraries": ["no-such-library"]}}, "spec.vm_service_spec.content_libraries[0]"),
    ({"access_list": [{"subject_type": "ROBOT", "subject": "x", "domain": "d", "role": "OWNER"}]},
     "spec.access_list[0].subject_type"),
    ({"networks": ["no-such-network"]}, "spec.networks[0]"),
    ({"cluster": "domain-c999"}, "spec.cluster"),
]


@pytest.mark.parametrize("change, field", INVALID, ids=[case[1] for case in INVALID])
def test_invalid_namespace_spec_names_the_field_and_changes_nothing(rest, cluster, library, control,  # noqa: F811
                                                                    change, field):
    control.call("DELETE", "/requests")
    response = rest.request("POST", INSTANCES, json={**_spec(cluster, library, "team-c"), **change})
    assert response.status_code == 400
    assert field in error_fields(response)
    assert rest.get(INSTANCES) == []
    assert [e for e in control.requests(api="vim25") if e["operation"] == "CreateResourcePool"] == []


def test_namespace_needs_a_running_supervisor(rest, cluster, library):  # noqa: F811
    other = clusters(rest)[1]["cluster"]
    response = rest.request("POST", INSTANCES, json={**_spec(other, library, "team-d"), "networks": None})
    assert (response.status_code, response.json()["error_type"]) == (400, "NOT_ALLOWED_IN_CURRENT_STATE")


def test_existing_namespace_is_already_exists(rest, cluster, library):  # noqa: F811
    rest.ok("POST", INSTANCES, json=_spec(cluster, library, "team-e"))
    response = rest.request("POST", INSTANCES, json=_spec(cluster, library, "team-e"))
    assert (response.status_code, response.json()["error_type"]) == (400, "ALREADY_EXISTS")
    rest.ok("DELETE", f"{INSTANCES}/team-e")
