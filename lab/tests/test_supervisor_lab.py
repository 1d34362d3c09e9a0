"""The lab end to end: a Supervisor enabled through the vCenter REST API gets its
own Kubernetes API endpoint (listed in endpoints.json), the lab's vCenter
user logs in to it, a guest cluster built there lands in the lab's vcsim
(seen through the front door), the request log records the Kubernetes calls,
and all of it survives a restart of the lab."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from kubernetes import dynamic
from pyVmomi import vim
from rest_support import INSTANCES, MANAGEMENT, VSAN_POLICY, clusters, control, enable, fast_lab, rest  # noqa: F401
from supervisor_support import (
    RELEASE,
    STORAGE_CLASS,
    VM_CLASS,
    condition,
    login,
    login_response,
    wait_for,
)
from supervisor_support import api_client as official_client

LAB_DIR = Path(__file__).resolve().parents[1]
ENDPOINTS_FILE = Path(os.environ.get("LAB_RUN_DIR", LAB_DIR / ".run")) / "endpoints.json"
NAMESPACE = "team-k8s"


@pytest.fixture(scope="module")
def wcp(lab):
    """Skip unless the lab serves Workload Management (the vCenter REST side of the Supervisor)."""
    vcenter = lab["vcenter"]
    response = requests.get(f"https://{vcenter['hostname']}:{vcenter['port']}{MANAGEMENT}/clusters",
                            verify=vcenter["ca_cert"], timeout=30)
    if response.status_code == 404:
        pytest.skip(f"this lab does not serve {MANAGEMENT} yet, so no Supervisor can be enabled through it")
    return lab


@pytest.fixture(scope="module")
def supervisor(wcp, rest):  # noqa: F811
    """A RUNNING Supervisor with one namespace, and its API endpoint from endpoints.json."""
    cluster = clusters(rest)[0]["cluster"]
    enable(rest, cluster)
    address = rest.get(f"{MANAGEMENT}/clusters/{cluster}")["api_server_cluster_endpoint"]
    rest.ok("POST", INSTANCES, json={
        "cluster": cluster, "namespace": NAMESPACE,
        "access_list": [{"subject_type": "USER", "subject": "devops", "domain": "vsphere.local", "role": "EDIT"}],
        "storage_specs": [{"policy": VSAN_POLICY}], "vm_service_spec": {"vm_classes": [VM_CLASS]},
        "resource_spec": {"memory_limit": 65536}})
    endpoint = wait_for(lambda: next((s for s in _endpoints().get("supervisors", []) if s["cluster"] == cluster), None),
                        "the Supervisor in endpoints.json")
    assert endpoint["server"] == f"https://{address}:6443"
    # vSphere's ports: the login service on 443 (where the lab may bind it: root or CAP_NET_BIND_SERVICE), the API on 6443.
    assert endpoint["login"] == (f"https://{address}" if _may_bind_443() else endpoint["server"])
    return endpoint


def _may_bind_443():
    return os.geteuid() == 0


def _endpoints():
    return json.loads(ENDPOINTS_FILE.read_text())


def _clusters(server, ca_cert, token):
    dyn = dynamic.DynamicClient(official_client(server, ca_cert, token))
    return dyn.resources.get(api_version="run.tanzu.vmware.com/v1alpha3", kind="TanzuKubernetesCluster")


def _guest_vms(si):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        return sorted(vm.name for vm in view.view if vm.parent.name == NAMESPACE)
    finally:
        view.Destroy()


def _lab_command(command):
    subprocess.run([sys.executable, "-m", "pacific_lab", command], cwd=LAB_DIR, env=os.environ, check=True,
                   stdout=subprocess.DEVNULL, timeout=180)


def test_a_guest_cluster_on_an_enabled_supervisor(lab, supervisor, control, vcenter_connect):  # noqa: F811
    vcenter, server = lab["vcenter"], supervisor["server"]
    assert login_response(supervisor["login"], vcenter["ca_cert"], vcenter["username"], "wrong").status == 401
    token = login(supervisor["login"], vcenter["ca_cert"], vcenter["username"], vcenter["password"])
    if supervisor["login"] != server:
        # The API server logs nobody in: it takes the request as any unauthenticated one.
        assert login_response(server, vcenter["ca_cert"], vcenter["username"], vcenter["password"]).status == 401
    clusters_api = _clusters(server, vcenter["ca_cert"], token)
    # A namespace made through vCenter reaches the Supervisor's API a moment later.
    namespaces = dynamic.DynamicClient(official_client(server, vcenter["ca_cert"], token)).resources.get(api_version="v1", kind="Namespace")
    wait_for(lambda: NAMESPACE in [item.metadata.name for item in namespaces.get().items], f"namespace {NAMESPACE} on the Supervisor")
    manifest = {"apiVersion": "run.tanzu.vmware.com/v1alpha3", "kind": "TanzuKubernetesCluster",
                "metadata": {"name": "tkc-lab", "namespace": NAMESPACE},
                "spec": {"topology": {
                    "controlPlane": {"replicas": 1, "vmClass": VM_CLASS, "storageClass": STORAGE_CLASS,
                                     "tkr": {"reference": {"name": RELEASE}}},
                    "nodePools": [{"name": "workers", "replicas": 1, "vmClass": VM_CLASS,
                                   "storageClass": STORAGE_CLASS}]}}}
    control.call("DELETE", "/requests")
    clusters_api.server_side_apply(body=manifest, field_manager="lab-test")
    wait_for(lambda: condition(clusters_api.get(name="tkc-lab", namespace=NAMESPACE).to_dict(), "Ready") or {},
             "a Ready condition")
    wait_for(lambda: clusters_api.get(name="tkc-lab", namespace=NAMESPACE).to_dict()["status"]["phase"] == "running",
             "tkc-lab to run")
    si = vcenter_connect()
    assert len(_guest_vms(si)) == 2
    applies = control.requests(api="k8s", operation="apply")
    assert [(e["method"], e["target"], e["status"]) for e in applies] == [
        ("PATCH", f"{NAMESPACE}/TanzuKubernetesCluster/tkc-lab", 201)]

    vms_before = _guest_vms(si)
    _lab_command("down")
    _lab_command("up")
    control.call("POST", "/time-scale", {"scale": 0.005})
    server = wait_for(lambda: next((s["server"] for s in _endpoints().get("supervisors", [])
                                    if s["cluster"] == supervisor["cluster"]), None), "the Supervisor after a restart")
    clusters_api = _clusters(server, vcenter["ca_cert"], token)  # the session outlives the restart, as a JWT does
    assert clusters_api.get(name="tkc-lab", namespace=NAMESPACE).to_dict()["status"]["phase"] == "running"
    si = vcenter_connect()
    wait_for(lambda: _guest_vms(si) == vms_before, "the guest VMs back in the new vcsim", timeout=60)

    clusters_api.delete(name="tkc-lab", namespace=NAMESPACE)
    wait_for(lambda: not clusters_api.get(namespace=NAMESPACE).items, "tkc-lab to go")
    assert _guest_vms(si) == []
