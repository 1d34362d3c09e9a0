"""Shared helpers of the Supervisor tests (test_supervisor_*.py).

`supervisor_under_test` runs a Supervisor in the test process: the lab's own
`SupervisorFleet` over an `InMemoryDirectory` the tests fill (users,
namespaces, limits), serving HTTPS on a loopback address of its own with a
CA of its own, and building guest cluster VMs in the running lab's vcsim.
Tests talk to it only through the official `kubernetes` client (typed and
DynamicClient), and look at vcsim through pyVmomi.
"""

import base64
import ipaddress
import json
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from kubernetes import client, dynamic
from pyVmomi import vim

LAB_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(LAB_DIR))
from pacific_lab.pki import ensure_pki  # noqa: E402
from pacific_lab.supervisor.apimachinery import protobuf  # noqa: E402,F401  (re-exported for the tests)
from pacific_lab.supervisor.directory import (  # noqa: E402  (re-exported for the tests)
    AccessEntry,
    InMemoryDirectory,
    NamespaceInfo,
    Principal,
    ResourceLimits,
    StoragePolicy,
    SupervisorInfo,
)
from pacific_lab.supervisor.machines import NAMESPACES_FOLDER, MachinesClosed, MachineSpec, VsphereMachines  # noqa: E402,F401
from pacific_lab.supervisor.service import SupervisorFleet, WatchSettings  # noqa: E402
from pacific_lab.supervisor.sessions import Sessions  # noqa: E402
from pacific_lab.supervisor.supervisor_nodes import NODE_STATUS_SECONDS  # noqa: E402
from pacific_lab.supervisor.timing import TimeScale  # noqa: E402
from pacific_lab.vcenter.vsphere import Vsphere  # noqa: E402

__all__ = ["AccessEntry", "NamespaceInfo", "Principal", "ResourceLimits", "Sessions", "StoragePolicy", "WatchSettings"]

TIME_SCALE = 0.01  # a 60 s VM boot takes 0.6 s
ADDRESS = "127.0.77.1"  # outside the /24 a lab on its usual ports allocates from, so no lab Supervisor is in the way
GUEST_CLUSTER_ENDPOINTS = ipaddress.IPv4Network("127.0.77.128/25")  # the guest clusters' API servers, likewise
PASSWORD = "Lab-Test-1!"
ADMIN = "administrator@vsphere.local"
DEVOPS = "devops@vsphere.local"  # EDIT through the access list
VIEWER = "viewer@vsphere.local"  # VIEW through a group entry
STRANGER = "stranger@vsphere.local"  # on no access list
VM_CLASS = "best-effort-small"
STORAGE_POLICY = StoragePolicy("vSAN Default Storage Policy", "aa6d5a82-1c88-45da-85d3-3d74b91a5bad")
STORAGE_CLASS = "vsan-default-storage-policy"
RELEASE = "v1.26.13---vmware.1-fips.1-tkg.3"
NEWER_RELEASE = "v1.27.11---vmware.1-fips.1-tkg.2"
WAIT_TIMEOUT = 60


@dataclass
class SupervisorUnderTest:
    directory: InMemoryDirectory
    fleet: SupervisorFleet
    info: SupervisorInfo
    url: str
    ca_cert: str
    namespace: str  # a vSphere Namespace where DEVOPS may edit and VIEWER may view
    extra_namespaces: dict  # what the test asked for -> its name (made unique)
    state_dir: Path

    def client(self, username=ADMIN, password=PASSWORD):
        """An official-client ApiClient logged in as the vSphere plugin for kubectl does."""
        return api_client(self.url, self.ca_cert, login(self.url, self.ca_cert, username, password))

    def dynamic(self, username=ADMIN):
        # The discovery cache goes with the test's files (it is per server URL, and the port changes every run).
        return dynamic.DynamicClient(self.client(username), cache_file=str(self.state_dir / f"discovery-{username}.json"))


def configuration(url, ca_cert, token=None):
    config = client.Configuration()
    config.host = url
    config.ssl_ca_cert = ca_cert
    if token is not None:
        config.api_key = {"authorization": token}
        config.api_key_prefix = {"authorization": "Bearer"}
    return config


def api_client(url, ca_cert, token):
    return client.ApiClient(configuration(url, ca_cert, token))


def login(url, ca_cert, username, password):
    """POST /wcp/login with basic credentials (the official client's HTTP layer); the session token."""
    response = login_response(url, ca_cert, username, password)
    assert response.status == 200, response.data
    return json.loads(response.data)["session_id"]


def login_response(url, ca_cert, username, password):
    rest = client.ApiClient(configuration(url, ca_cert)).rest_client
    credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
    response = rest.request("POST", url + "/wcp/login", headers={"Authorization": f"Basic {credentials}"})
    response.read()
    return response


def status_body(error):
    """The Status object of an ApiException (the response body)."""
    return json.loads(error.body)


def wait_for(check, what, timeout=WAIT_TIMEOUT, interval=0.2):
    """Call `check` until it returns something true; that value. Fails naming `what` and the last value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def condition(obj, type_):
    for entry in (obj.get("status") or {}).get("conditions") or []:
        if entry["type"] == type_:
            return entry
    return None


def vcsim_session(lab):
    """A vim25 session straight to the lab's vcsim (where the Supervisor under test puts VMs)."""
    with urllib.request.urlopen(lab["control"] + "/health", timeout=30) as response:
        vcsim_url = json.load(response)["vcsim"]["url"]
    return Vsphere(vcsim_url, lab["vcenter"]["username"], lab["vcenter"]["password"], lambda *_: None)


def vms_in_namespace(vsphere, namespace):
    """{VM name: (host name, power state)} of the vcsim VMs in the folder Namespaces/<namespace>."""
    folders = vsphere.retrieve(vim.Folder, ["name", "parent"])
    parents = {folder._moId for folder, props in folders if props["name"] == NAMESPACES_FOLDER}
    target = next((folder for folder, props in folders
                   if props["name"] == namespace and props["parent"]._moId in parents), None)
    if target is None:
        return {}
    hosts = {host._moId: props["name"] for host, props in vsphere.retrieve(vim.HostSystem, ["name"])}
    return {props["name"]: (hosts[props["runtime.host"]._moId], props["runtime.powerState"])
            for _, props in vsphere.retrieve(vim.VirtualMachine, ["name", "runtime.host", "runtime.powerState"], target)}


def supervisor_under_test(lab, state_dir, cluster_name, extra_namespaces=None, watch=None, node_status_seconds=NODE_STATUS_SECONDS):
    """Start a Supervisor (generator: yields a SupervisorUnderTest, then removes it and its VMs).

    `extra_namespaces`: {name: NamespaceInfo fields} of further vSphere Namespaces; `watch`: its API server's
    watch knobs (the lab's defaults when None); `node_status_seconds`: how often its nodes follow vcsim.
    """
    vsphere = vcsim_session(lab)
    clusters = {props["name"]: cluster._moId for cluster, props in vsphere.retrieve(vim.ClusterComputeResource, ["name"])}
    info = SupervisorInfo(id=f"supervisor-{uuid.uuid4().hex[:8]}", cluster=clusters[cluster_name], host=ADDRESS, port=0)
    directory = InMemoryDirectory()
    directory.add_user(ADMIN, PASSWORD, ["Administrators@vsphere.local"])
    directory.add_user(DEVOPS, PASSWORD)
    directory.add_user(VIEWER, PASSWORD, ["Auditors@vsphere.local"])
    directory.add_user(STRANGER, PASSWORD)
    directory.put_supervisor(info)
    namespace = f"ns-{uuid.uuid4().hex[:6]}"
    directory.put_namespace(NamespaceInfo(
        namespace, info.id, access=(AccessEntry("USER", "devops", "vsphere.local", "EDIT"),
                                    AccessEntry("GROUP", "Auditors", "vsphere.local", "VIEW")),
        storage_policies=(STORAGE_POLICY,), vm_classes=(VM_CLASS, "best-effort-medium")))
    extra = {}
    for wanted, fields in (extra_namespaces or {}).items():
        extra[wanted] = f"{wanted}-{uuid.uuid4().hex[:6]}"
        directory.put_namespace(NamespaceInfo(extra[wanted], info.id, **fields))
    pki_dir = state_dir / "pki"
    ca_cert = str(ensure_pki(pki_dir).ca_cert)
    fleet = SupervisorFleet(directory, state_dir=state_dir, pki_dir=pki_dir, machines=VsphereMachines(lambda: vsphere),
                            time_scale=TimeScale(TIME_SCALE), watch=watch or WatchSettings(),
                            node_status_seconds=node_status_seconds, guest_cluster_endpoints=GUEST_CLUSTER_ENDPOINTS)
    fleet.start()
    try:
        url = fleet.endpoints()[0]["server"]
        yield SupervisorUnderTest(directory, fleet, info, url, ca_cert, namespace, extra, state_dir)
    finally:
        directory.remove_supervisor(info.id)
        fleet.refresh()  # a Supervisor gone from vCenter takes its guest VMs along
        fleet.stop()
        vsphere.close()


@pytest.fixture(scope="module")
def vsphere(lab):
    session = vcsim_session(lab)
    yield session
    session.close()
