"""The Supervisor connection options, and finding a Supervisor through vCenter."""

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, NotFoundError, ResourceBusyError
from ansible_collections.pacific.vsphere.plugins.module_utils.supervisor_connection import supervisor_argument_spec, supervisor_connection, supervisor_host

PARAMS = dict(
    supervisor=None,
    cluster=None,
    username="devops@vsphere.local",
    password="pw",
    login_port=443,
    validate_certs=True,
    ca_cert="/ca.pem",
    kubeconfig=None,
    context=None,
    timeout=60,
)


class FakeRest:
    def __init__(self, answers):
        self.answers = answers
        self.paths = []
        self.connection = type("Connection", (), {"endpoint": "vc:443"})()

    def get(self, path, params=None, what=None):
        self.paths.append((path, params))
        answer = self.answers[path]
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_the_vcenter_credentials_are_not_required_but_keep_their_fallbacks():
    spec = supervisor_argument_spec()

    assert [spec[option].get("required") for option in ("hostname", "username", "password")] == [False, False, False]
    assert spec["password"]["no_log"] is True and spec["hostname"]["fallback"][1] == ["VMWARE_HOST"]
    assert spec["login_port"]["default"] == 443


@pytest.mark.parametrize(
    "given, host",
    [("10.0.0.10", "10.0.0.10"), ("https://sv.example.com/", "sv.example.com"), ("fd00::10", "fd00::10"), ("[fd00::10]", "fd00::10")],
)
def test_the_supervisor_is_a_host_or_an_https_url(given, host):
    assert supervisor_connection(dict(PARAMS, supervisor=given)).host == host


def test_a_port_in_the_supervisor_address_is_refused_naming_login_port():
    with pytest.raises(InvalidArgumentError, match="give the host alone: the API is on port 6443, and the login service on login_port"):
        supervisor_connection(dict(PARAMS, supervisor="10.0.0.10:6443"))


def test_the_supervisor_of_a_cluster_is_read_from_workload_management():
    rest = FakeRest(
        {
            "/api/vcenter/cluster": [{"cluster": "domain-c8", "name": "C1"}],
            "/api/vcenter/namespace-management/clusters/domain-c8": {"config_status": "RUNNING", "api_server_cluster_endpoint": "10.0.0.10"},
        }
    )

    assert supervisor_host(rest, "C1") == "10.0.0.10"
    assert rest.paths[0] == ("/api/vcenter/cluster", {"names": "C1"})


@pytest.mark.parametrize(
    "answers, error, problem",
    [
        ({"/api/vcenter/cluster": []}, InvalidArgumentError, "cluster 'C1' not found on vCenter vc:443"),
        (
            {"/api/vcenter/cluster": [{"cluster": "domain-c8"}], "/api/vcenter/namespace-management/clusters/domain-c8": NotFoundError("gone")},
            InvalidArgumentError,
            "Workload Management is not enabled there",
        ),
        (
            {"/api/vcenter/cluster": [{"cluster": "domain-c8"}], "/api/vcenter/namespace-management/clusters/domain-c8": {"config_status": "CONFIGURING"}},
            ResourceBusyError,
            "its Supervisor is CONFIGURING",
        ),
    ],
)
def test_a_cluster_without_a_running_supervisor_says_so(answers, error, problem):
    with pytest.raises(error, match=problem):
        supervisor_host(FakeRest(answers), "C1")
