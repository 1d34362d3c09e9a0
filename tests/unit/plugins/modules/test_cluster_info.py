"""The cluster_info module: parameters in, clusters or a one-line error out."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import AuthenticationError
from ansible_collections.pacific.vsphere.plugins.modules import cluster_info

CONNECTION_ARGS = {"hostname": "vc.example.com", "username": "administrator@vsphere.local", "password": "secret", "ca_cert": "/etc/ca.pem"}
CLUSTERS = [{"name": "C1", "moid": "domain-c1", "datacenter": "DC0", "drs_enabled": True, "hosts": []}]


class FakeClient:
    def __init__(self, connection):
        self.connection = connection
        self.closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.closed = True


@pytest.fixture
def fakes(monkeypatch):
    seen = {}

    def client(connection):
        seen["client"] = FakeClient(connection)
        return seen["client"]

    class FakeInventory:
        def __init__(self, vim_client):
            seen["inventory_client"] = vim_client

        def read(self, names=None, gather_vibs=True):
            seen["read"] = (names, gather_vibs)
            if "error" in seen:
                raise seen["error"]
            return CLUSTERS

    monkeypatch.setattr(cluster_info, "VimClient", client)
    monkeypatch.setattr(cluster_info, "ClusterInventory", FakeInventory)
    return seen


def run(args, capsys):
    with patch_module_args(args), pytest.raises(SystemExit):
        cluster_info.main()
    return json.loads(capsys.readouterr().out)


def test_returns_the_clusters_read(fakes, capsys):
    result = run(dict(CONNECTION_ARGS, clusters=["C1"], gather_vibs=False), capsys)

    assert result["changed"] is False
    assert result["clusters"] == CLUSTERS
    assert fakes["read"] == (["C1"], False)
    connection = fakes["client"].connection
    assert (connection.hostname, connection.port, connection.validate_certs, connection.ca_cert) == ("vc.example.com", 443, True, "/etc/ca.pem")
    assert fakes["inventory_client"] is fakes["client"]
    assert fakes["client"].closed


def test_check_mode_returns_the_same(fakes, capsys):
    result = run(dict(CONNECTION_ARGS, _ansible_check_mode=True), capsys)

    assert result["changed"] is False
    assert result["clusters"] == CLUSTERS
    assert fakes["read"] == (None, True)


def test_errors_fail_with_their_one_line_message(fakes, capsys):
    fakes["error"] = AuthenticationError("Failed to log in as 'administrator@vsphere.local' on vCenter vc.example.com:443: check username and password")

    result = run(CONNECTION_ARGS, capsys)

    assert result["failed"] is True
    assert result["msg"] == "Failed to log in as 'administrator@vsphere.local' on vCenter vc.example.com:443: check username and password"
    assert "exception" not in result
    assert "secret" not in json.dumps(result)


def test_missing_pyvmomi_is_reported(fakes, capsys, monkeypatch):
    monkeypatch.setattr(cluster_info, "PYVMOMI_LIBRARY", ("pyvmomi", False, None))

    result = run(CONNECTION_ARGS, capsys)

    assert result["failed"] is True
    assert "pyvmomi" in result["msg"]
