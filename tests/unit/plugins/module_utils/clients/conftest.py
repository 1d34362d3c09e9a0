"""Fixtures for the client tests: a scripted HTTPS server with its own CA, connections to it."""

import socket

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.connection import VCenterConnection
from ansible_collections.pacific.vsphere.tests.unit.plugins.module_utils.clients.https_server import ScriptedServer, make_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """``ca``: the CA that signed the server certificate; ``stranger_ca``: one that did not."""
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def https_server(pki):
    server = ScriptedServer(pki)
    yield server
    server.close()


@pytest.fixture
def connection_to(pki):
    """Build a VCenterConnection to a port of 127.0.0.1 trusting the test CA."""

    def build(port, **overrides):
        settings = dict(hostname="127.0.0.1", username="administrator@vsphere.local", password="VMware1!", port=port, validate_certs=True, ca_cert=pki["ca"])
        settings.update(overrides)
        return VCenterConnection(**settings)

    return build


@pytest.fixture
def closed_port():
    """A port on 127.0.0.1 nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
