"""Fixtures for tests that run against a live lab (`cd lab && python3 -m pacific_lab up`)."""

import json
import os
import ssl
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from pyVim.connect import Disconnect, SmartConnect

LAB_DIR = Path(__file__).resolve().parents[1]
ENDPOINTS_FILE = Path(os.environ.get("LAB_RUN_DIR", LAB_DIR / ".run")) / "endpoints.json"


class LabControl:
    """Client of the lab's control API (see lab/README.md)."""

    def __init__(self, url):
        self.url = url

    def health(self):
        return self._call("GET", "/health")

    def requests(self, **filters):
        query = "?" + urllib.parse.urlencode(filters) if filters else ""
        return self._call("GET", "/requests" + query)

    def clear_requests(self):
        self._call("DELETE", "/requests")

    def reset(self, **size):
        """Fresh vcsim, empty request log; `size` is clusters=/hosts= (default: startup size)."""
        return self._call("POST", "/reset", size or None, timeout=120)

    def _call(self, method, path, document=None, timeout=30):
        data = json.dumps(document).encode() if document is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)


@pytest.fixture(scope="session")
def lab():
    """endpoints.json of the running lab; skips the test when no lab is up."""
    if not ENDPOINTS_FILE.exists():
        pytest.skip(f"the lab is not up ({ENDPOINTS_FILE} not found): cd lab && python3 -m pacific_lab up")
    endpoints = json.loads(ENDPOINTS_FILE.read_text())
    try:
        LabControl(endpoints["control"]).health()
    except (urllib.error.URLError, OSError) as error:
        pytest.skip(f"the lab is not answering at {endpoints['control']} ({error}): "
                    "cd lab && python3 -m pacific_lab up")
    return endpoints


@pytest.fixture(scope="session")
def lab_control(lab):
    return LabControl(lab["control"])


@pytest.fixture(scope="session")
def ca_context(lab):
    """TLS context that trusts only the lab CA, with host name checking."""
    return ssl.create_default_context(cafile=lab["vcenter"]["ca_cert"])


@pytest.fixture
def vcenter_connect(lab, ca_context):
    """Factory: a pyVmomi ServiceInstance logged in through the front door (verified TLS)."""
    sessions = []

    def connect(password=None):
        vcenter = lab["vcenter"]
        si = SmartConnect(host=vcenter["hostname"], port=vcenter["port"], user=vcenter["username"],
                          pwd=vcenter["password"] if password is None else password, sslContext=ca_context)
        sessions.append(si)
        return si

    yield connect
    for si in sessions:
        Disconnect(si)
