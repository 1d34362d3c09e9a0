"""Fault injection through the control API: transient 503s and connection resets
on either API, failing and slow vcsim tasks, forced session expiry."""

import json
import urllib.error

import pytest
import requests
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl
from rest_support import MANAGEMENT, Rest, clusters, control, enable_spec, fast_lab, rest, wait_for_status  # noqa: F401 (fixtures)


@pytest.fixture
def faults(control):  # noqa: F811
    yield lambda spec: control.call("POST", "/faults", spec)
    control.call("DELETE", "/faults")


def test_a_share_of_rest_calls_answer_503(rest, control, faults):  # noqa: F811
    fault = faults({"kind": "transient", "api": "rest", "match": "cluster.list", "share": 0.5})
    control.call("DELETE", "/requests")
    statuses = [rest.request("GET", "/api/vcenter/cluster").status_code for _ in range(40)]
    assert set(statuses) == {200, 503}
    assert rest.request("GET", "/api/vcenter/host").status_code == 200  # another operation: untouched
    unavailable = rest.request("GET", "/api/vcenter/cluster")
    while unavailable.status_code != 503:
        unavailable = rest.request("GET", "/api/vcenter/cluster")
    assert unavailable.json()["error_type"] == "SERVICE_UNAVAILABLE"
    logged = [e["status"] for e in control.requests(api="rest", operation="cluster.list")]
    assert logged.count(503) == statuses.count(503) + 1
    listed = next(f for f in control.call("GET", "/faults") if f["id"] == fault["id"])
    assert listed["hits"] == logged.count(503)


def test_counted_vim25_faults_then_recovery(vcenter_connect, faults):
    si = vcenter_connect()
    faults({"kind": "transient", "api": "vim25", "match": "CurrentTime", "count": 2})
    for _ in range(2):
        with pytest.raises(Exception) as failure:  # pyVmomi raises on a non-SOAP 503
            si.CurrentTime()
        assert "503" in str(failure.value)
    assert si.CurrentTime()  # the count is used up


def test_connection_reset(lab, faults):
    client = Rest(lab)
    faults({"kind": "transient", "api": "rest", "match": "/api/session", "response": "reset", "count": 1})
    with pytest.raises(requests.ConnectionError):
        client.get("/api/session")
    assert client.get("/api/session")["user"]


def test_failing_task_ends_enable_in_error(rest, faults):  # noqa: F811
    cluster = clusters(rest)[0]["cluster"]
    faults({"kind": "task", "operation": "InstallHostPatchV2_Task", "error": "InstallationError: injected by test"})
    rest.ok("POST", f"{MANAGEMENT}/clusters/{cluster}", params={"action": "enable"}, json=enable_spec(rest))
    wait_for_status(rest, cluster, "ERROR")
    info = rest.get(f"{MANAGEMENT}/clusters/{cluster}")
    assert info["kubernetes_status"] == "ERROR"
    assert "InstallationError: injected by test" in info["messages"][0]["details"]["default_message"]
    assert info["messages"][0]["severity"] == "ERROR"
    rest.ok("POST", f"{MANAGEMENT}/clusters/{cluster}", params={"action": "disable"})
    wait_for_status(rest, cluster, 404)


def test_slow_task_runs_in_the_background(lab, vcenter_connect, faults):
    si = vcenter_connect()
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
    host = view.view[0]
    view.Destroy()
    faults({"kind": "task", "operation": "QueryHostPatch_Task", "delay": 200, "count": 1})  # 1 s at the test scale
    task = host.configManager.patchManager.QueryHostPatch_Task()
    assert task.info.state in ("queued", "running")
    WaitForTask(task)
    assert task.info.state == "success"
    quick = host.configManager.patchManager.QueryHostPatch_Task()  # the count is used up
    assert quick.info.state == "success"


def test_session_expiry(lab, vcenter_connect, control):  # noqa: F811
    client = Rest(lab)
    si = vcenter_connect()
    assert si.CurrentTime()
    expired = control.call("POST", "/faults", {"kind": "session_expiry", "api": "all"})["expired"]
    assert expired["rest"] >= 1 and expired["vim25"] >= 1
    assert client.request("GET", "/api/session").status_code == 401
    with pytest.raises(vim.fault.NotAuthenticated):
        si.CurrentTime()
    # Property reads too: vcsim alone would answer them with an empty result.
    with pytest.raises(vim.fault.NotAuthenticated):
        si.content.propertyCollector.RetrievePropertiesEx(
            [vmodl.query.PropertyCollector.FilterSpec(
                objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=si.content.rootFolder)],
                propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.Folder, pathSet=["name"])])],
            vmodl.query.PropertyCollector.RetrieveOptions())
    client.login()
    assert client.get("/api/session")


def test_bad_fault_specs_are_refused(control):  # noqa: F811
    for spec in ({"kind": "nothing"}, {"kind": "transient", "api": "soap"},
                 {"kind": "task", "operation": "CreateVM_Task"}, {"kind": "transient", "api": "rest", "share": 2}):
        with pytest.raises(urllib.error.HTTPError) as refused:
            control.call("POST", "/faults", spec)
        assert refused.value.code == 400
        assert json.load(refused.value)["error"]
