"""The Supervisor's Kubernetes API, as the official `kubernetes` client (typed and
DynamicClient) sees it: login, discovery, the Supervisor's own objects, and
the API server semantics the collection relies on (server-side apply,
optimistic concurrency, validation, patches, finalizers, dry run, selectors,
watch, access control). No guest cluster is built here
(test_supervisor_guest_clusters.py builds them)."""

import copy
import json
import threading

import pytest
import urllib3
from kubernetes import client, watch
from kubernetes.client.rest import ApiException
from supervisor_support import (
    ADMIN,
    DEVOPS,
    RELEASE,
    STORAGE_CLASS,
    STRANGER,
    VIEWER,
    VM_CLASS,
    NamespaceInfo,
    Principal,
    Sessions,
    api_client,
    condition,
    login_response,
    protobuf,
    status_body,
    supervisor_under_test,
    wait_for,
)

TKC_API = "run.tanzu.vmware.com/v1alpha3"
CAPI = "cluster.x-k8s.io/v1beta1"
SERVED_KINDS = [
    ("v1", "Namespace", False), ("v1", "ResourceQuota", True), ("v1", "Secret", True), ("v1", "ConfigMap", True),
    ("v1", "Event", True), ("storage.k8s.io/v1", "StorageClass", False),
    (TKC_API, "TanzuKubernetesCluster", True), (TKC_API, "TanzuKubernetesRelease", False),
    (CAPI, "Cluster", True), (CAPI, "MachineDeployment", True), (CAPI, "ClusterClass", True),
    *((f"vmoperator.vmware.com/{v}", kind, True) for v in ("v1alpha1", "v1alpha2", "v1alpha3")
      for kind in ("VirtualMachine", "VirtualMachineClass")),
]


@pytest.fixture(scope="module")
def supervisor(lab, tmp_path_factory):
    yield from supervisor_under_test(lab, tmp_path_factory.mktemp("supervisor-api"), "DC0_C1")


@pytest.fixture(scope="module")
def admin(supervisor):
    return supervisor.dynamic(ADMIN)


def tkc(name, namespace, vm_class=VM_CLASS, workers=1):
    return {"apiVersion": TKC_API, "kind": "TanzuKubernetesCluster",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"topology": {
                "controlPlane": {"replicas": 1, "vmClass": vm_class, "storageClass": STORAGE_CLASS,
                                 "tkr": {"reference": {"name": RELEASE}}},
                "nodePools": [{"name": "workers", "replicas": workers, "vmClass": vm_class,
                               "storageClass": STORAGE_CLASS}]}}}


def expect_error(code, call, *args, **kwargs):
    with pytest.raises(ApiException) as raised:
        call(*args, **kwargs)
    assert raised.value.status == code, raised.value.body
    body = status_body(raised.value)
    assert body["kind"] == "Status" and body["code"] == code
    return body


# ---- login and discovery ------------------------------------------------------------------

def test_version_and_discovery_find_every_kind(supervisor, admin):
    api = supervisor.client()
    assert client.VersionApi(api).get_code().git_version.startswith("v1.26")
    assert client.CoreApi(api).get_api_versions().versions == ["v1"]
    groups = {g.name: g for g in client.ApisApi(api).get_api_versions().groups}
    assert groups["vmoperator.vmware.com"].preferred_version.version == "v1alpha3"
    assert {"run.tanzu.vmware.com", "cluster.x-k8s.io", "storage.k8s.io"} <= set(groups)
    for api_version, kind, namespaced in SERVED_KINDS:
        found = admin.resources.get(api_version=api_version, kind=kind)
        assert found.namespaced is namespaced, kind
    assert "status" in admin.resources.get(api_version=TKC_API, kind="TanzuKubernetesCluster").subresources


def test_login_gives_a_bearer_token_and_everything_else_needs_one(supervisor):
    refused = login_response(supervisor.url, supervisor.ca_cert, DEVOPS, "wrong")
    assert refused.status == 401
    no_token = api_client(supervisor.url, supervisor.ca_cert, None)
    body = expect_error(401, client.CoreV1Api(no_token).list_namespace)
    assert body["reason"] == "Unauthorized"
    sessions = supervisor.fleet.service(supervisor.info.id).sessions
    principal = Principal(DEVOPS)
    expired = Sessions(sessions.keys, supervisor.directory, supervisor.info.id, lifetime=-1).issue(principal)
    elsewhere = Sessions(sessions.keys, supervisor.directory, "another-supervisor").issue(principal)
    for token in (expired, elsewhere, "not-a-token"):
        expect_error(401, client.CoreV1Api(api_client(supervisor.url, supervisor.ca_cert, token)).list_namespace)
    assert client.CoreV1Api(supervisor.client(DEVOPS)).read_namespace(supervisor.namespace).metadata.name


# ---- what the Supervisor makes of vCenter ------------------------------------------------

def test_vsphere_namespace_objects(supervisor, admin):
    namespace = supervisor.namespace
    core = client.CoreV1Api(supervisor.client())
    assert core.read_namespace(namespace).status.phase == "Active"
    quota = core.read_namespaced_resource_quota(f"{namespace}-quota", namespace)
    assert f"{STORAGE_CLASS}.storageclass.storage.k8s.io/requests.storage" in quota.spec.hard
    storage = client.StorageV1Api(supervisor.client()).read_storage_class(STORAGE_CLASS)
    assert storage.provisioner == "csi.vsphere.vmware.com"
    classes = admin.resources.get(api_version="vmoperator.vmware.com/v1alpha3", kind="VirtualMachineClass")
    assert sorted(c.metadata.name for c in classes.get(namespace=namespace).items) == [
        "best-effort-medium", VM_CLASS]
    cluster_class = admin.resources.get(api_version=CAPI, kind="ClusterClass").get(
        name="tanzukubernetescluster", namespace=namespace)
    assert {v.name for v in cluster_class.spec.variables if v.required} == {"vmClass", "storageClass"}
    releases = admin.resources.get(api_version=TKC_API, kind="TanzuKubernetesRelease").get().to_dict()["items"]
    by_name = {r["metadata"]["name"]: r for r in releases}
    assert by_name[RELEASE]["spec"]["version"] == "v1.26.13+vmware.1-fips.1-tkg.3"
    assert condition(by_name[RELEASE], "Ready")["status"] == condition(by_name[RELEASE], "Compatible")["status"] == "True"
    incompatible = [r for r in releases if condition(r, "Compatible")["status"] == "False"]
    assert incompatible and condition(incompatible[0], "Compatible")["message"]


def test_namespaces_come_and_go_through_vcenter_only(supervisor):
    core = client.CoreV1Api(supervisor.client())
    body = expect_error(403, core.create_namespace, {"metadata": {"name": "from-kubectl"}})
    assert body["reason"] == "Forbidden"
    expect_error(403, core.delete_namespace, supervisor.namespace)
    supervisor.directory.put_namespace(NamespaceInfo("from-vcenter", supervisor.info.id))
    wait_for(lambda: "from-vcenter" in [n.metadata.name for n in core.list_namespace().items], "the new namespace")
    core.create_namespaced_config_map("from-vcenter", {"metadata": {"name": "content"}})
    supervisor.directory.remove_namespace("from-vcenter")
    wait_for(lambda: "from-vcenter" not in [n.metadata.name for n in core.list_namespace().items],
             "the namespace to go with its content")


# ---- API server semantics ------------------------------------------------------------------

def test_server_side_apply_twice_leaves_the_resource_version_alone(supervisor, admin):
    clusters = admin.resources.get(api_version=TKC_API, kind="TanzuKubernetesCluster")
    # A VM class the namespace does not have: the cluster settles at once, building nothing.
    manifest = tkc("apply-twice", supervisor.namespace, vm_class="best-effort-large")
    clusters.server_side_apply(body=manifest, field_manager="ansible")
    settled = wait_for(lambda: (o := clusters.get(name="apply-twice", namespace=supervisor.namespace).to_dict())
                       .get("status", {}).get("phase") == "failed" and o, "the cluster to settle")
    assert condition(settled, "Ready")["reason"] == "VirtualMachineClassNotFound"
    again = clusters.server_side_apply(body=manifest, field_manager="ansible").to_dict()
    assert again["metadata"]["resourceVersion"] == settled["metadata"]["resourceVersion"]
    assert ("ansible", "Apply") in {(m["manager"], m["operation"]) for m in again["metadata"]["managedFields"]}
    clusters.delete(name="apply-twice", namespace=supervisor.namespace)


def test_apply_conflicts_with_another_manager_unless_forced(supervisor, admin):
    maps = admin.resources.get(api_version="v1", kind="ConfigMap")
    manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shared", "namespace": supervisor.namespace},
                "data": {"size": "1"}}
    maps.server_side_apply(body=manifest, field_manager="first")
    taken = copy.deepcopy(manifest)
    taken["data"]["size"] = "2"
    body = expect_error(409, maps.server_side_apply, body=taken, field_manager="second")
    assert body["reason"] == "Conflict"
    assert body["details"]["causes"] == [{"reason": "FieldManagerConflict", "message": 'conflict with "first" using v1',
                                          "field": ".data.size"}]
    forced = maps.server_side_apply(body=taken, field_manager="second", force_conflicts=True).to_dict()
    assert forced["data"]["size"] == "2"
    owners = {m["manager"]: m["fieldsV1"] for m in forced["metadata"]["managedFields"]}
    assert owners["second"] == {"f:data": {"f:size": {}}} and "first" not in owners


def test_a_stale_update_gets_409(supervisor):
    core = client.CoreV1Api(supervisor.client(DEVOPS))
    created = core.create_namespaced_config_map(supervisor.namespace, {"metadata": {"name": "stale"}, "data": {"a": "1"}})
    core.patch_namespaced_config_map("stale", supervisor.namespace, {"data": {"a": "2"}})
    created.data = {"a": "3"}
    body = expect_error(409, core.replace_namespaced_config_map, "stale", supervisor.namespace, created)
    assert body["reason"] == "Conflict" and "has been modified" in body["message"]


def test_an_invalid_tkc_gets_422_naming_the_fields(supervisor, admin):
    clusters = admin.resources.get(api_version=TKC_API, kind="TanzuKubernetesCluster")
    broken = tkc("broken", supervisor.namespace)
    del broken["spec"]["topology"]["controlPlane"]["vmClass"]
    broken["spec"]["topology"]["nodePools"][0]["replicas"] = "three"
    body = expect_error(422, clusters.create, body=broken)
    assert body["reason"] == "Invalid"
    assert {(c["field"], c["reason"]) for c in body["details"]["causes"]} == {
        ("spec.topology.controlPlane.vmClass", "FieldValueRequired"),
        ("spec.topology.nodePools[0].replicas", "FieldValueTypeInvalid")}
    even = tkc("even", supervisor.namespace)
    even["spec"]["topology"]["controlPlane"]["replicas"] = 2
    body = expect_error(422, clusters.create, body=even)
    assert [c["field"] for c in body["details"]["causes"]] == ["spec.topology.controlPlane.replicas"]


def test_an_invalid_cluster_gets_422_naming_the_fields(supervisor, admin):
    clusters = admin.resources.get(api_version=CAPI, kind="Cluster")
    manifest = {"apiVersion": CAPI, "kind": "Cluster", "metadata": {"name": "broken", "namespace": supervisor.namespace},
                "spec": {"topology": {"version": "v1.26.13+vmware.1-fips.1-tkg.3"}}}
    body = expect_error(422, clusters.create, body=manifest)
    assert [c["field"] for c in body["details"]["causes"]] == ["spec.topology.class"]
    manifest["spec"]["topology"].update(
        {"class": "tanzukubernetescluster", "variables": [{"name": "storageClass", "value": STORAGE_CLASS}],
         "workers": {"machineDeployments": [{"class": "gpu-pool", "name": "md-0"}]}})
    body = expect_error(422, clusters.create, body=manifest)
    assert {c["field"] for c in body["details"]["causes"]} == {
        "spec.topology.variables[vmClass]", "spec.topology.workers.machineDeployments[0].class"}


def test_patch_kinds_generation_and_status(supervisor, admin):
    clusters = admin.resources.get(api_version=TKC_API, kind="TanzuKubernetesCluster")
    namespace = supervisor.namespace
    created = clusters.create(body=tkc("patched", namespace, vm_class="best-effort-large")).to_dict()
    assert created["metadata"]["generation"] == 1
    expect_error(415, clusters.patch, body={"metadata": {"labels": {"a": "b"}}}, name="patched", namespace=namespace)
    labelled = clusters.patch(body={"metadata": {"labels": {"a": "b"}}}, name="patched", namespace=namespace,
                              content_type="application/merge-patch+json").to_dict()
    assert labelled["metadata"]["generation"] == 1 and labelled["metadata"]["labels"] == {"a": "b"}
    resized = clusters.patch(body=[{"op": "replace", "path": "/spec/topology/nodePools/0/replicas", "value": 2}],
                             name="patched", namespace=namespace, content_type="application/json-patch+json").to_dict()
    assert resized["metadata"]["generation"] == 2
    ignored = clusters.patch(body={"status": {"phase": "running"}}, name="patched", namespace=namespace,
                             content_type="application/merge-patch+json").to_dict()
    assert (ignored.get("status") or {}).get("phase") != "running"  # status is the status subresource's
    clusters.delete(name="patched", namespace=namespace)


def test_dry_run_persists_nothing(supervisor):
    core = client.CoreV1Api(supervisor.client(DEVOPS))
    answer = core.create_namespaced_config_map(supervisor.namespace, {"metadata": {"name": "dry"}}, dry_run="All")
    assert answer.metadata.name == "dry"
    expect_error(404, core.read_namespaced_config_map, "dry", supervisor.namespace)


def test_selectors_and_list_resource_version(supervisor):
    core = client.CoreV1Api(supervisor.client(DEVOPS))
    namespace = supervisor.namespace
    for name, tier in (("web-1", "web"), ("web-2", "web"), ("db-1", "db")):
        core.create_namespaced_config_map(namespace, {"metadata": {"name": name, "labels": {"tier": tier}}})
    web = core.list_namespaced_config_map(namespace, label_selector="tier=web")
    assert sorted(m.metadata.name for m in web.items) == ["web-1", "web-2"]
    assert int(web.metadata.resource_version) >= max(int(m.metadata.resource_version) for m in web.items)
    not_web = core.list_namespaced_config_map(namespace, label_selector="tier in (db),tier!=web")
    assert [m.metadata.name for m in not_web.items] == ["db-1"]
    by_name = core.list_namespaced_config_map(namespace, field_selector="metadata.name=web-2")
    assert [m.metadata.name for m in by_name.items] == ["web-2"]
    expect_error(400, core.list_namespaced_config_map, namespace, field_selector="data.key=x")


def test_finalizers_hold_a_deleted_object(supervisor):
    core = client.CoreV1Api(supervisor.client(DEVOPS))
    namespace = supervisor.namespace
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "held", "finalizers": ["lab.test/hold"]}})
    core.delete_namespaced_config_map("held", namespace)
    held = core.read_namespaced_config_map("held", namespace)
    assert held.metadata.deletion_timestamp is not None
    core.patch_namespaced_config_map("held", namespace, [{"op": "remove", "path": "/metadata/finalizers"}])
    expect_error(404, core.read_namespaced_config_map, "held", namespace)


def test_access_follows_the_namespace_permissions(supervisor):
    namespace = supervisor.namespace
    stranger = client.CoreV1Api(supervisor.client(STRANGER))
    body = expect_error(403, stranger.list_namespaced_config_map, namespace)
    assert body["reason"] == "Forbidden" and "sso:stranger@vsphere.local" in body["message"]
    viewer = supervisor.dynamic(VIEWER)
    clusters = viewer.resources.get(api_version=TKC_API, kind="TanzuKubernetesCluster")
    clusters.get(namespace=namespace)
    expect_error(403, clusters.create, body=tkc("not-yours", namespace))
    devops = client.CoreV1Api(supervisor.client(DEVOPS))
    devops.create_namespaced_config_map(namespace, {"metadata": {"name": "mine"}})
    expect_error(403, devops.list_config_map_for_all_namespaces)
    expect_error(403, devops.patch_namespaced_resource_quota, f"{namespace}-quota", namespace, {"metadata": {}})
    expect_error(403, devops.patch_namespace_status, namespace, {"status": {"phase": "Terminating"}})


def test_secret_string_data_and_unknown_fields(supervisor):
    core = client.CoreV1Api(supervisor.client(DEVOPS))
    namespace = supervisor.namespace
    secret = core.create_namespaced_secret(namespace, {"metadata": {"name": "token"}, "stringData": {"t": "abc"}})
    assert secret.data == {"t": "YWJj"} and not secret.string_data
    dyn = supervisor.dynamic(DEVOPS)
    maps = dyn.resources.get(api_version="v1", kind="ConfigMap")
    raw = maps.create(body={"metadata": {"name": "extra", "namespace": namespace}, "colour": "red"}, serialize=False)
    assert 'unknown field \\"colour\\"' in raw.headers["Warning"] or 'unknown field "colour"' in raw.headers["Warning"]
    body = expect_error(400, maps.create, body={"metadata": {"name": "strict", "namespace": namespace}, "colour": "red"},
                        query_params=[("fieldValidation", "Strict")])
    assert 'unknown field "colour"' in body["message"]


def test_watch_streams_changes(supervisor):
    core = client.CoreV1Api(supervisor.client(DEVOPS))
    namespace = supervisor.namespace
    start = core.list_namespaced_config_map(namespace).metadata.resource_version

    def change():
        core.create_namespaced_config_map(namespace, {"metadata": {"name": "watched"}})
        core.patch_namespaced_config_map("watched", namespace, {"data": {"k": "v"}})
        core.delete_namespaced_config_map("watched", namespace)

    seen = []
    writer = threading.Timer(0.3, change)
    writer.start()
    for event in watch.Watch().stream(core.list_namespaced_config_map, namespace, resource_version=start,
                                      timeout_seconds=5):
        if event["object"].metadata.name == "watched":
            seen.append(event["type"])
        if event["type"] == "DELETED":
            break
    writer.join()
    assert seen == ["ADDED", "MODIFIED", "DELETED"]


def test_admin_acts_in_every_namespace_others_need_an_entry(supervisor):
    admin = client.CoreV1Api(supervisor.client(ADMIN))
    admin.create_namespaced_config_map(supervisor.namespace, {"metadata": {"name": "by-admin"}})
    body = expect_error(403, client.CoreV1Api(supervisor.client(STRANGER)).read_namespaced_config_map,
                        "by-admin", supervisor.namespace)
    assert body["details"]["name"] == "by-admin"


def test_apply_removes_what_the_manager_stopped_applying(supervisor, admin):
    maps = admin.resources.get(api_version="v1", kind="ConfigMap")
    namespace = supervisor.namespace
    manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "pruned", "namespace": namespace},
                "data": {"keep": "1", "drop": "2"}}
    maps.server_side_apply(body=manifest, field_manager="ansible")
    maps.patch(body={"data": {"theirs": "3"}}, name="pruned", namespace=namespace,
               content_type="application/merge-patch+json")
    del manifest["data"]["drop"]
    after = maps.server_side_apply(body=manifest, field_manager="ansible").to_dict()
    assert after["data"] == {"keep": "1", "theirs": "3"}  # another manager's field stays


def test_deletion_propagates_to_dependents_as_asked(supervisor):
    core = client.CoreV1Api(supervisor.client(DEVOPS))
    namespace = supervisor.namespace

    def family(name):
        owner = core.create_namespaced_config_map(namespace, {"metadata": {"name": name}})
        reference = {"apiVersion": "v1", "kind": "ConfigMap", "name": name, "uid": owner.metadata.uid,
                     "blockOwnerDeletion": True}
        core.create_namespaced_config_map(namespace, {"metadata": {"name": f"{name}-child", "ownerReferences": [reference]}})

    def names():
        return {m.metadata.name for m in core.list_namespaced_config_map(namespace).items}

    family("background")
    core.delete_namespaced_config_map("background", namespace)
    wait_for(lambda: "background-child" not in names(), "the dependent to go with its owner")
    family("orphan")
    core.delete_namespaced_config_map("orphan", namespace, propagation_policy="Orphan")
    wait_for(lambda: "orphan" not in names(), "the owner to go")
    assert not core.read_namespaced_config_map("orphan-child", namespace).metadata.owner_references
    family("foreground")
    maps = supervisor.dynamic(DEVOPS).resources.get(api_version="v1", kind="ConfigMap")
    marked = maps.delete(name="foreground", namespace=namespace, propagation_policy="Foreground")
    assert marked.metadata.deletionTimestamp and "foregroundDeletion" in marked.metadata.finalizers
    wait_for(lambda: not {"foreground", "foreground-child"} & names(), "owner and dependent to go, dependent first")


def test_events_and_their_field_selectors(supervisor):
    core = client.CoreV1Api(supervisor.client(DEVOPS))
    namespace = supervisor.namespace
    for name in ("tkc-a", "tkc-b"):
        core.create_namespaced_event(namespace, {
            "metadata": {"generateName": f"{name}."}, "reason": "Provisioning", "type": "Normal",
            "message": f"{name} is being built",
            "involvedObject": {"kind": "TanzuKubernetesCluster", "name": name, "namespace": namespace}})
    found = core.list_namespaced_event(namespace, field_selector="involvedObject.name=tkc-b,reason=Provisioning")
    assert [e.message for e in found.items] == ["tkc-b is being built"]
    assert found.items[0].metadata.name.startswith("tkc-b.")


def test_injected_faults_reach_the_kubernetes_api(supervisor):
    """The hook the lab's fault injector answers through (rules with `api` "k8s")."""
    endpoint = supervisor.fleet.service(supervisor.info.id).server.endpoint
    core = client.CoreV1Api(supervisor.client(DEVOPS))
    endpoint.fault = lambda operation, path: "503" if operation == "list" else None
    try:
        body = expect_error(503, core.list_namespaced_config_map, supervisor.namespace)
        assert body["reason"] == "ServiceUnavailable" and body["details"]["retryAfterSeconds"] == 1
        endpoint.fault = lambda operation, path: "reset" if path.endswith("/configmaps") else None
        with pytest.raises(urllib3.exceptions.HTTPError):
            core.list_namespaced_config_map(supervisor.namespace, _request_timeout=5)
    finally:
        endpoint.fault = None
    core.list_namespaced_config_map(supervisor.namespace)


def _protobuf_body(api_version, kind, raw):
    """A body in the Kubernetes protobuf envelope, as client-go's typed clients send one."""
    type_meta, unknown = bytearray(), bytearray()
    protobuf.string_field(type_meta, 1, api_version)
    protobuf.string_field(type_meta, 2, kind)
    protobuf.bytes_field(unknown, 1, bytes(type_meta))
    protobuf.bytes_field(unknown, 2, raw)
    return protobuf.ENVELOPE_MAGIC + bytes(unknown)


def test_protobuf_bodies_are_read_for_built_in_kinds_only(supervisor):
    api = supervisor.client()
    namespace = supervisor.namespace

    def post(path, body):
        response = api.rest_client.request("POST", f"{supervisor.url}{path}", body=body, headers={
            "Content-Type": protobuf.KUBERNETES_PROTOBUF, "Accept": "application/json",
            "Authorization": api.configuration.get_api_key_with_prefix("authorization")})
        return response.status, json.loads(response.read())

    meta, entry, config_map = bytearray(), bytearray(), bytearray()
    protobuf.string_field(meta, 1, "from-protobuf")
    protobuf.string_field(entry, 1, "level")
    protobuf.string_field(entry, 2, "debug")
    protobuf.bytes_field(config_map, 1, bytes(meta))
    protobuf.bytes_field(config_map, 2, bytes(entry))
    code, created = post(f"/api/v1/namespaces/{namespace}/configmaps", _protobuf_body("v1", "ConfigMap", bytes(config_map)))
    assert code == 201 and (created["metadata"]["name"], created["data"]) == ("from-protobuf", {"level": "debug"})

    code, status = post(f"/api/v1/namespaces/{namespace}/configmaps", _protobuf_body("v1", "ConfigMap", b"\x0a\x05ab"))
    assert code == 400 and "couldn't decode the protobuf request body" in status["message"]
    code, status = post(f"/apis/{TKC_API}/namespaces/{namespace}/tanzukubernetesclusters",  # CRDs have no protobuf form
                        _protobuf_body(TKC_API, "TanzuKubernetesCluster", bytes(meta)))
    assert code == 415 and status["message"].endswith("accepted media types include: application/json, application/yaml")
