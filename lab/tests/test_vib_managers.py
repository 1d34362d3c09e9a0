"""The lab's per-host VIB managers (HostImageConfigManager, HostPatchManager),
driven through pyvmomi and the lab's HTTPS front door, as the collection's
modules drive them.

Every test leaves the hosts as it found them: VIBs it installed are removed and
maintenance mode is restored, so the tests run in any order.
"""

import json
import os
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pyVim.connect import Disconnect, SmartConnect
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

LAB_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(LAB_DIR))
from pacific_lab.depot import make_vib  # noqa: E402

ENDPOINTS = Path(os.environ.get("LAB_RUN_DIR", LAB_DIR / ".run")) / "endpoints.json"

# esx-base of the lab's release (lab/CONTRACT.md): ESXi 8.0 Update 3, or 7.0 Update 3c.
ESX_BASE_VERSIONS = {"8.0.3": "8.0.3-0.0.24022510", "7.0.3": "7.0.3-0.20.19193900"}
ESX_BASE = ("esx-base", ESX_BASE_VERSIONS[json.loads(ENDPOINTS.read_text())["vcenter"]["version"]] if ENDPOINTS.exists() else None)
TEST_VIB = "lab-test-vib"  # requires no maintenance mode; served by vib_server
TEST_VIB_VERSION = "1.0.0-1"
VIB_NAMES = {"spherelet", TEST_VIB}  # what these tests install, hence remove


@pytest.fixture(scope="module")
def endpoints():
    if not ENDPOINTS.exists():
        pytest.skip(f"{ENDPOINTS} not found: start the lab first (make lab-up)")
    return json.loads(ENDPOINTS.read_text())


def connect(vcenter, password=None):
    return SmartConnect(
        host=vcenter["hostname"],
        port=vcenter["port"],
        user=vcenter["username"],
        pwd=vcenter["password"] if password is None else password,
        sslContext=ssl.create_default_context(cafile=vcenter["ca_cert"]),
    )


@pytest.fixture(scope="module")
def si(endpoints):
    si = connect(endpoints["vcenter"])
    yield si
    Disconnect(si)


@pytest.fixture(scope="module")
def hosts(si):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
    try:
        return sorted(view.view, key=lambda h: h.name)
    finally:
        view.Destroy()


@pytest.fixture(scope="module")
def vib_server():
    """A loopback HTTP server for VIBs the depot does not carry."""
    files = {
        f"/{TEST_VIB}.vib": make_vib(TEST_VIB, TEST_VIB_VERSION, vendor="PacificLab", summary="lab test VIB", maintenance_mode=False),
        "/not-a-vib.vib": b"this is not an ar archive\n",
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def packages(host):
    return {p.name: p.version for p in host.configManager.imageConfigManager.FetchSoftwarePackages()}


def run(task):
    """Wait for a task; return its info whatever its outcome."""
    try:
        WaitForTask(task)
    except vmodl.MethodFault:
        pass
    return task.info


def set_maintenance_mode(host, on):
    if host.runtime.inMaintenanceMode != on:
        WaitForTask(host.EnterMaintenanceMode_Task(timeout=0) if on else host.ExitMaintenanceMode_Task(timeout=0))
    assert host.runtime.inMaintenanceMode == on


def assert_task_failed(info, host, *words):
    assert info.state == "error"
    assert info.entity == host
    assert isinstance(info.error, vim.fault.PlatformConfigFault)
    for word in words:
        assert word in info.error.msg


@pytest.fixture
def host(hosts):
    """A host out of maintenance mode without the tests' VIBs; restored after."""
    for h in hosts:
        if not h.runtime.inMaintenanceMode and not VIB_NAMES & packages(h).keys():
            break
    else:
        pytest.skip("every host is in maintenance mode or already carries a test VIB")
    yield h
    leftovers = sorted(VIB_NAMES & packages(h).keys())
    if leftovers:
        set_maintenance_mode(h, True)
        assert run(h.configManager.patchManager.Uninstall(bulletinIds=leftovers)).state == "success"
    set_maintenance_mode(h, False)


def test_each_host_has_its_own_vib_managers(si, hosts):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
    PC = vmodl.query.PropertyCollector
    spec = PC.FilterSpec(
        objectSet=[PC.ObjectSpec(obj=view, skip=True, selectSet=[PC.TraversalSpec(type=vim.view.ContainerView, path="view")])],
        propSet=[PC.PropertySpec(type=vim.HostSystem, pathSet=["name", "configManager.patchManager", "configManager.imageConfigManager"])],
    )
    try:
        result = content.propertyCollector.RetrieveContents([spec])
    finally:
        view.Destroy()

    assert len(result) == len(hosts) > 1
    for oc in result:
        props = {p.name: p.val for p in oc.propSet}
        assert isinstance(props["configManager.patchManager"], vim.host.PatchManager)
        assert props["configManager.patchManager"]._moId == f"patchmanager-{oc.obj._moId}"
        assert isinstance(props["configManager.imageConfigManager"], vim.host.ImageConfigManager)
        assert props["configManager.imageConfigManager"]._moId == f"imageconfig-{oc.obj._moId}"


def test_host_runs_esx_base_and_accepts_partner_vibs(host):
    icm = host.configManager.imageConfigManager
    base = [p for p in icm.FetchSoftwarePackages() if p.name == ESX_BASE[0]]
    assert [(p.version, p.vendor) for p in base] == [(ESX_BASE[1], "VMware")]
    assert icm.HostImageConfigGetAcceptance() == "partner"
    assert icm.HostImageConfigGetProfile().name


def test_spherelet_needs_maintenance_mode(host, endpoints):
    before = packages(host)
    info = run(host.configManager.patchManager.InstallV2(vibUrls=[endpoints["depot"]["spherelet"]["7.0.3-1"]]))
    assert_task_failed(info, host, "MaintenanceModeError", "spherelet", host.name)
    assert info.error.msg.startswith("MaintenanceModeError:")
    assert packages(host) == before


def test_install_upgrade_uninstall_touch_one_host_only(host, hosts, endpoints):
    depot = endpoints["depot"]["spherelet"]
    pm = host.configManager.patchManager
    others = {h.name: packages(h) for h in hosts if h != host}
    set_maintenance_mode(host, True)

    info = run(pm.InstallV2(vibUrls=[depot["7.0.3-1"]]))
    assert info.state == "success", info.error
    assert info.entity == host
    assert info.result.version == "1.40"
    assert "<vibs-installed><vib>VMware_bootbank_spherelet_7.0.3-1</vib></vibs-installed>" in info.result.xmlResult
    spherelet = [p for p in host.configManager.imageConfigManager.FetchSoftwarePackages() if p.name == "spherelet"]
    assert [(p.version, p.vendor, p.summary, p.maintenanceModeRequired) for p in spherelet] == [
        ("7.0.3-1", "VMware", "Spherelet for vSphere with Kubernetes", True)
    ]

    info = run(pm.InstallV2(vibUrls=[depot["7.0.3-2"]]))
    assert info.state == "success", info.error
    assert "<vibs-removed><vib>VMware_bootbank_spherelet_7.0.3-1</vib></vibs-removed>" in info.result.xmlResult
    assert packages(host)["spherelet"] == "7.0.3-2"
    assert {h.name: packages(h) for h in hosts if h != host} == others

    info = run(pm.Uninstall(bulletinIds=["spherelet"]))
    assert info.state == "success", info.error
    assert "spherelet" not in packages(host)


def test_query_lists_installed_vibs(host, vib_server):
    pm = host.configManager.patchManager
    assert run(pm.InstallV2(vibUrls=[f"{vib_server}/{TEST_VIB}.vib"])).state == "success"
    info = run(pm.Query())
    assert info.state == "success", info.error
    assert f"<name>{TEST_VIB}</name><version>{TEST_VIB_VERSION}</version>" in info.result.xmlResult
    assert f"<name>{ESX_BASE[0]}</name><version>{ESX_BASE[1]}</version>" in info.result.xmlResult


def test_vib_without_maintenance_mode_requirement_installs_live(host, vib_server):
    pm = host.configManager.patchManager
    info = run(pm.InstallV2(vibUrls=[f"{vib_server}/{TEST_VIB}.vib"]))
    assert info.state == "success", info.error
    assert packages(host)[TEST_VIB] == TEST_VIB_VERSION
    assert not host.runtime.inMaintenanceMode

    info = run(pm.Uninstall(bulletinIds=[TEST_VIB]))
    assert info.state == "success", info.error
    assert TEST_VIB not in packages(host)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "where, error",
    [("depot", "DownloadError"), ("nowhere", "DownloadError"), ("not-a-vib", "VibFormatError")],
)
def test_bad_vib_url_fails_naming_it(host, endpoints, vib_server, where, error):
    url = {
        "depot": endpoints["depot"]["spherelet"]["7.0.3-1"].rsplit("/", 1)[0] + "/no-such.vib",
        "nowhere": f"http://127.0.0.1:{free_port()}/spherelet.vib",
        "not-a-vib": f"{vib_server}/not-a-vib.vib",
    }[where]
    before = packages(host)
    info = run(host.configManager.patchManager.InstallV2(vibUrls=[url]))
    assert_task_failed(info, host, error, url)
    assert packages(host) == before


def test_uninstall_unknown_vib_fails_naming_it(host):
    info = run(host.configManager.patchManager.Uninstall(bulletinIds=["no-such-vib"]))
    assert_task_failed(info, host, "NoMatchError", "no-such-vib")


def test_uninstall_needs_maintenance_mode(host, endpoints):
    pm = host.configManager.patchManager
    set_maintenance_mode(host, True)
    assert run(pm.InstallV2(vibUrls=[endpoints["depot"]["spherelet"]["7.0.3-2"]])).state == "success"
    set_maintenance_mode(host, False)

    info = run(pm.Uninstall(bulletinIds=["spherelet"]))
    assert_task_failed(info, host, "MaintenanceModeError", "spherelet", host.name)
    assert packages(host)["spherelet"] == "7.0.3-2"


def test_wrong_credentials_are_refused(endpoints):
    with pytest.raises(vim.fault.InvalidLogin):
        connect(endpoints["vcenter"], password=endpoints["vcenter"]["password"] + "-wrong")
