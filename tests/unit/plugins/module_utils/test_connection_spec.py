"""The connection options: fresh dicts, environment fallbacks, the plain connection value."""

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import VCenterConnection, vcenter_argument_spec, vcenter_connection

ENVIRONMENT = ("VMWARE_HOST", "VMWARE_USER", "VMWARE_PASSWORD", "VMWARE_PORT", "VMWARE_VALIDATE_CERTS", "VMWARE_CA_CERT")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def validate(parameters):
    return ArgumentSpecValidator(vcenter_argument_spec()).validate(parameters)


def test_every_call_returns_a_fresh_spec():
    first = vcenter_argument_spec()
    first["port"]["default"] = 8443

    assert vcenter_argument_spec()["port"]["default"] == 443


def test_defaults_verify_certificates_on_port_443():
    result = validate({"hostname": "vc", "username": "u", "password": "p"})

    assert result.error_messages == []
    assert vcenter_connection(result.validated_parameters) == VCenterConnection("vc", "u", "p", 443, True, None)


def test_the_environment_fills_what_the_task_leaves_out(monkeypatch, tmp_path):
    monkeypatch.setenv("VMWARE_HOST", "vc.example.com")
    monkeypatch.setenv("VMWARE_USER", "administrator@vsphere.local")
    monkeypatch.setenv("VMWARE_PASSWORD", "secret")
    monkeypatch.setenv("VMWARE_PORT", "8443")
    monkeypatch.setenv("VMWARE_VALIDATE_CERTS", "false")
    monkeypatch.setenv("VMWARE_CA_CERT", str(tmp_path / "ca.pem"))

    result = validate({})

    assert result.error_messages == []
    assert vcenter_connection(result.validated_parameters) == VCenterConnection(
        "vc.example.com", "administrator@vsphere.local", "secret", 8443, False, str(tmp_path / "ca.pem")
    )
    assert "secret" in result._no_log_values


def test_the_task_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("VMWARE_HOST", "from-env")

    result = validate({"hostname": "from-task", "username": "u", "password": "p"})

    assert result.validated_parameters["hostname"] == "from-task"


def test_aliases():
    result = validate({"hostname": "vc", "user": "u", "pwd": "p"})

    assert (result.validated_parameters["username"], result.validated_parameters["password"]) == ("u", "p")


def test_hostname_user_and_password_are_required():
    result = validate({})

    assert result.error_messages == ["missing required arguments: hostname, password, username"]


def test_the_password_is_kept_out_of_reprs():
    connection = VCenterConnection("vc", "u", "hunter2")

    assert "hunter2" not in repr(connection)
    assert connection.endpoint == "vc:443"
