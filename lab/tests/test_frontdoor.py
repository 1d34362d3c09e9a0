"""The lab's HTTPS front door and control API, driven with pyVmomi over verified TLS."""

import http.client
import os

import pytest
from pyVmomi import vim, vmodl


def _view(si, kind):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [kind], True)
    try:
        return list(view.view)
    finally:
        view.Destroy()


def test_login_over_verified_tls(vcenter_connect, lab):
    about = vcenter_connect().content.about
    assert about.apiType == "VirtualCenter"
    assert about.fullName.startswith(f"VMware vCenter Server {lab['vcenter']['version']} build-")
    assert about.apiVersion == lab["vcenter"]["version"] + ".0"


def test_wrong_password_is_invalid_login(vcenter_connect, lab):
    with pytest.raises(vim.fault.InvalidLogin):
        vcenter_connect(password=lab["vcenter"]["password"] + "-wrong")


def test_request_log_records_operation_target_and_status(vcenter_connect, lab_control):
    si = vcenter_connect()
    root = si.content.rootFolder
    lab_control.clear_requests()

    si.CurrentTime()
    with pytest.raises(vim.fault.DuplicateName):
        root.CreateFolder(root.childEntity[0].name)  # a datacenter of that name exists

    entries = lab_control.requests()
    assert [(e["operation"], e["target"], e["target_type"], e["status"]) for e in entries] == [
        ("CurrentTime", "ServiceInstance", "ServiceInstance", 200),
        ("Fetch", root._moId, "Folder", 200),  # root.childEntity, read lazily
        ("Fetch", root.childEntity[0]._moId, "Datacenter", 200),  # its name
        ("CreateFolder", root._moId, "Folder", 500),  # a SOAP fault is an HTTP 500
    ]
    assert all(e["api"] == "vim25" and e["method"] == "POST" and e["path"] == "/sdk" for e in entries)
    assert all(isinstance(e["time"], float) for e in entries)
    assert lab_control.requests(operation="CreateFolder", status="500") == entries[-1:]

    lab_control.clear_requests()
    assert lab_control.requests() == []


def test_fetch_of_unset_property_is_none_and_connection_survives(vcenter_connect, lab_control):
    si = vcenter_connect()
    vm = _view(si, vim.VirtualMachine)[0]
    lab_control.clear_requests()

    assert vm.snapshot is None  # vcsim panics on this Fetch; the front door answers for it
    assert vm.parentVApp is None
    assert vm.name  # the same session (and pooled connection) still works

    assert [(e["operation"], e["target"], e["status"]) for e in lab_control.requests()] == [
        ("Fetch", vm._moId, 200)
    ] * 3


def test_fetch_errors_other_than_unset_are_not_masked(vcenter_connect):
    si = vcenter_connect()
    with pytest.raises(vmodl.fault.ManagedObjectNotFound):
        _ = vim.VirtualMachine("vm-does-not-exist", si._stub).name


def test_other_calls_that_break_vcsim_are_a_bad_gateway(vcenter_connect, lab, lab_control, ca_context):
    si = vcenter_connect()
    vm = _view(si, vim.VirtualMachine)[0]
    # An "edit" device change without the device: pyVmomi refuses to send it, vcsim panics on it.
    envelope = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
        f'<ReconfigVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">{vm._moId}</_this>'
        "<spec><deviceChange><operation>edit</operation></deviceChange></spec></ReconfigVM_Task>"
        "</soapenv:Body></soapenv:Envelope>"
    )
    vcenter = lab["vcenter"]
    connection = http.client.HTTPSConnection(vcenter["hostname"], vcenter["port"], context=ca_context)
    lab_control.clear_requests()
    try:
        connection.request("POST", "/sdk", body=envelope, headers={
            "Cookie": si._stub.cookie.split(";", 1)[0], "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": "urn:vim25/7.0.3.0",
        })
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 502
    assert [(e["operation"], e["target"], e["status"]) for e in lab_control.requests()] == [
        ("ReconfigVM_Task", vm._moId, 502)
    ]
    assert vm.name  # vcsim survives its panic


def test_rest_api_answers_not_found_like_vcenter(lab, ca_context):
    vcenter = lab["vcenter"]
    connection = http.client.HTTPSConnection(vcenter["hostname"], vcenter["port"], context=ca_context)
    try:
        connection.request("GET", "/api/vcenter/no-such-service")  # unknown paths: 404 even without a session
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 404
    assert b'"error_type": "NOT_FOUND"' in body


def test_large_datastore_upload_and_download_stream_through(vcenter_connect, lab, ca_context):
    si = vcenter_connect()
    cookie = si._stub.cookie.split(";", 1)[0]
    datastore = _view(si, vim.Datastore)[0].name
    payload = os.urandom(3 << 20)  # over the front door's in-memory limit: streamed
    path = f"/folder/frontdoor-test.bin?dcPath=DC0&dsName={datastore}"
    vcenter = lab["vcenter"]
    connection = http.client.HTTPSConnection(vcenter["hostname"], vcenter["port"], context=ca_context)
    try:
        connection.request("PUT", path, body=payload, headers={"Cookie": cookie})
        upload = connection.getresponse()
        upload.read()
        connection.request("GET", path, headers={"Cookie": cookie})  # same keep-alive connection
        download = connection.getresponse()
        downloaded = download.read()
    finally:
        connection.close()
    assert (upload.status, download.status) == (200, 200)
    assert downloaded == payload


def test_reset_resizes_the_inventory_and_restores_it(vcenter_connect, lab_control):
    startup = lab_control.health()["startup_size"]
    try:
        health = lab_control.reset(clusters=2, hosts=8)
        assert health["size"] == {"clusters": 2, "hosts": 8}
        assert lab_control.requests() == []  # a reset clears the log
        assert len(_view(vcenter_connect(), vim.HostSystem)) == 16
    finally:
        health = lab_control.reset()
    assert health["size"] == startup
    assert len(_view(vcenter_connect(), vim.HostSystem)) == startup["clusters"] * startup["hosts"]
