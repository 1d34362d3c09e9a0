"""The vCenter REST API's front door: sessions, error bodies, inventory lookups
(compared with what pyVmomi reads over SOAP), catalog, VM classes, request log."""

import time

from pyVmomi import vim
from rest_support import MANAGEMENT, Rest, control, fast_lab, rest  # noqa: F401 (fixtures)


def _view(si, kind):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [kind], True)
    try:
        return list(view.view)
    finally:
        view.Destroy()


def test_session_create_get_delete(lab, fast_lab):  # noqa: F811
    client = Rest(lab, login=False)
    token = client.login()
    assert isinstance(token, str) and token
    info = client.get("/api/session")
    assert info["user"] == "VSPHERE.LOCAL\\Administrator"
    assert {"created_time", "last_accessed_time"} <= info.keys()
    client.ok("DELETE", "/api/session")
    assert client.request("GET", "/api/session").status_code == 401


def test_wrong_credentials_and_missing_token_are_unauthenticated(lab, fast_lab):  # noqa: F811
    client = Rest(lab, login=False)
    response = client.http.post(client.base + "/api/session", auth=("administrator@vsphere.local", "wrong"))
    assert response.status_code == 401
    assert response.json()["error_type"] == "UNAUTHENTICATED"
    response = client.request("GET", "/api/vcenter/cluster")
    assert response.status_code == 401
    body = response.json()
    assert body["error_type"] == "UNAUTHENTICATED"
    assert {"id", "default_message", "args"} <= body["messages"][0].keys()


def test_idle_session_expires(lab, control, fast_lab):  # noqa: F811
    before = control.call("GET", "/settings")["rest_idle_timeout"]
    control.call("PATCH", "/settings", {"rest_idle_timeout": 1})
    try:
        client = Rest(lab)
        client.get("/api/session")  # in use: the idle timer restarts
        time.sleep(1.3)
        response = client.request("GET", "/api/vcenter/cluster")
        assert response.status_code == 401
        assert response.json()["error_type"] == "UNAUTHENTICATED"
    finally:
        control.call("PATCH", "/settings", {"rest_idle_timeout": before})


def test_unknown_path_is_not_found(rest):  # noqa: F811
    response = rest.request("GET", "/api/vcenter/no-such-service")
    assert response.status_code == 404
    assert response.json()["error_type"] == "NOT_FOUND"


def test_clusters_agree_with_soap(rest, vcenter_connect):  # noqa: F811
    soap = {c._moId: c for c in _view(vcenter_connect(), vim.ClusterComputeResource)}
    listed = rest.get("/api/vcenter/cluster")
    assert {c["cluster"] for c in listed} == set(soap)
    for cluster in listed:
        config = soap[cluster["cluster"]].configurationEx
        assert cluster == {"cluster": cluster["cluster"], "name": soap[cluster["cluster"]].name,
                           "ha_enabled": bool(config.dasConfig.enabled), "drs_enabled": bool(config.drsConfig.enabled)}
    first = listed[0]
    assert rest.get("/api/vcenter/cluster", params={"names": first["name"]}) == [first]
    assert rest.get("/api/vcenter/cluster", params={"clusters": [c["cluster"] for c in listed]}) == listed
    assert rest.get("/api/vcenter/cluster", params={"names": "no-such-cluster"}) == []


def test_hosts_filtered_by_cluster_agree_with_soap(rest, vcenter_connect):  # noqa: F811
    si = vcenter_connect()
    cluster = _view(si, vim.ClusterComputeResource)[0]
    listed = rest.get("/api/vcenter/host", params={"clusters": cluster._moId})
    assert sorted(h["name"] for h in listed) == sorted(h.name for h in cluster.host)
    assert all(h["connection_state"] == "CONNECTED" and h["power_state"] == "POWERED_ON" for h in listed)
    everything = rest.get("/api/vcenter/host")
    assert len(everything) == len(_view(si, vim.HostSystem))
    datacenter = si.content.rootFolder.childEntity[0]._moId
    assert rest.get("/api/vcenter/host", params={"datacenters": datacenter}) == everything
    assert rest.get("/api/vcenter/host", params={"standalone": "true"}) == []


def test_networks_and_datastores_agree_with_soap(rest, vcenter_connect):  # noqa: F811
    si = vcenter_connect()
    networks = {n["network"]: n for n in rest.get("/api/vcenter/network")}
    for network in _view(si, vim.Network):
        expected = ("DISTRIBUTED_PORTGROUP" if isinstance(network, vim.dvs.DistributedVirtualPortgroup)
                    else "STANDARD_PORTGROUP")
        assert networks[network._moId] == {"network": network._moId, "name": network.name, "type": expected}
    portgroups = rest.get("/api/vcenter/network", params={"types": "DISTRIBUTED_PORTGROUP"})
    assert portgroups and all(n["type"] == "DISTRIBUTED_PORTGROUP" for n in portgroups)
    datastores = rest.get("/api/vcenter/datastore")
    assert {d["name"] for d in datastores} == {d.name for d in _view(si, vim.Datastore)}
    assert all(d["capacity"] >= d["free_space"] > 0 for d in datastores)


def test_unknown_filter_is_invalid_argument(rest):  # noqa: F811
    response = rest.request("GET", "/api/vcenter/host", params={"name": "DC0_C0_H0"})  # the filter is `names`
    assert response.status_code == 400
    assert response.json()["error_type"] == "INVALID_ARGUMENT"


def test_inventory_list_is_one_batched_read(rest, control):  # noqa: F811
    control.call("DELETE", "/requests")
    rest.get("/api/vcenter/host")
    soap = [e["operation"] for e in control.requests(api="vim25")]
    assert soap.count("RetrievePropertiesEx") == 1
    assert "Fetch" not in soap  # no per-object property reads


def test_storage_policies_and_content_libraries(rest):  # noqa: F811
    policies = {p["name"]: p for p in rest.get("/api/vcenter/storage/policies")}
    assert {"vSAN Default Storage Policy", "gold", "silver"} <= policies.keys()
    libraries = {rest.get(f"/api/content/library/{lib}")["name"]: rest.get(f"/api/content/library/{lib}")
                 for lib in rest.get("/api/content/library")}
    assert libraries["tkg-content"]["type"] == "SUBSCRIBED"
    assert libraries["tkg-content"]["subscription_info"]["subscription_url"].startswith("https://")
    assert libraries["local-images"]["type"] == "LOCAL"
    assert rest.request("GET", "/api/content/library/no-such-library").status_code == 404


def test_default_vm_classes_are_seeded(rest):  # noqa: F811
    classes = {c["id"]: c for c in rest.get(f"{MANAGEMENT}/virtual-machine-classes")}
    sizes = ("xsmall", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge")
    assert set(classes) == {f"{kind}-{size}" for kind in ("best-effort", "guaranteed") for size in sizes}
    assert (classes["best-effort-small"]["cpu_count"], classes["best-effort-small"]["memory_MB"]) == (2, 4096)
    assert classes["guaranteed-large"]["memory_reservation"] == 100
    assert "cpu_reservation" not in classes["best-effort-large"]


def test_vm_class_create_update_delete(rest):  # noqa: F811
    path = f"{MANAGEMENT}/virtual-machine-classes"
    rest.ok("POST", path, json={"id": "lab-custom", "cpu_count": 3, "memory_MB": 3072, "description": "three"})
    assert rest.request("POST", path, json={"id": "lab-custom", "cpu_count": 1, "memory_MB": 4}).json()[
        "error_type"] == "ALREADY_EXISTS"
    rest.ok("PATCH", f"{path}/lab-custom", json={"cpu_count": 4, "cpu_reservation": 50})
    info = rest.get(f"{path}/lab-custom")
    assert (info["cpu_count"], info["cpu_reservation"], info["memory_MB"], info["description"]) == (4, 50, 3072, "three")
    bad = rest.request("POST", path, json={"id": "Bad_Name", "cpu_count": 0, "memory_MB": "1"})
    assert bad.status_code == 400
    assert {m["args"][0] for m in bad.json()["messages"]} == {"spec.memory_MB"}  # types first
    bad = rest.request("POST", path, json={"id": "Bad_Name", "cpu_count": 0, "memory_MB": 1030})
    assert {m["args"][0] for m in bad.json()["messages"]} == {"spec.id", "spec.cpu_count", "spec.memory_MB"}
    rest.ok("DELETE", f"{path}/lab-custom")
    assert rest.request("GET", f"{path}/lab-custom").status_code == 404


def test_rest_calls_are_in_the_request_log(rest, control):  # noqa: F811
    cluster = rest.get("/api/vcenter/cluster")[0]["cluster"]
    control.call("DELETE", "/requests")
    rest.request("GET", f"{MANAGEMENT}/clusters/{cluster}")  # not enabled: 404
    rest.request("POST", f"{MANAGEMENT}/clusters/{cluster}", params={"action": "enable"}, json={})
    entries = control.requests(api="rest")
    assert [(e["method"], e["path"], e["operation"], e["target"], e["target_type"], e["status"], e["origin"])
            for e in entries] == [
        ("GET", f"{MANAGEMENT}/clusters/{cluster}", "namespace_management.clusters.get", cluster,
         "ClusterComputeResource", 404, "client"),
        ("POST", f"{MANAGEMENT}/clusters/{cluster}", "namespace_management.clusters.enable", cluster,
         "ClusterComputeResource", 400, "client"),
    ]


def test_vim25_and_rest_share_the_front_door_port(lab):
    client = Rest(lab, login=False)
    assert client.http.get(client.base + "/sdk/vimServiceVersions.xml").status_code == 200  # relayed to vcsim
    assert client.http.get(client.base + "/api/session").status_code == 401  # answered by the lab
