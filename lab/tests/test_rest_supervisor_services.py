"""vCenter 8's registry of Supervisor Services, as the vSphere Automation API documents it (reference/supervisor_services.json):
a service registered from a Carvel package definition, a second version added, versions and the service deactivated
and deleted in the order vCenter allows; malformed definitions refused naming the field."""

import base64
import json
import time
from pathlib import Path

import pytest
import yaml
from rest_support import (  # noqa: F401 (fixtures)
    MANAGEMENT,
    clusters,
    control,
    documented_fields,
    enable,
    error_fields,
    fast_lab,
    field_path,
    rest,
    with_field,
    wrong_value,
)

SERVICES = f"{MANAGEMENT}/supervisor-services"
REFERENCE = json.loads((Path(__file__).parent / "reference" / "supervisor_services.json").read_text())
STRUCTURES = REFERENCE["structures"]
SERVICE = "harbor.tanzu.vmware.com"


def carvel(version, service=SERVICE, ref_name=None):
    """A Carvel package definition as a vendor ships one for a Supervisor Service (PackageMetadata and Package), base64."""
    documents = [
        {"apiVersion": "data.packaging.carvel.dev/v1alpha1", "kind": "PackageMetadata", "metadata": {"name": service},
         "spec": {"displayName": "Harbor", "shortDescription": "An open source trusted cloud native registry"}},
        {"apiVersion": "data.packaging.carvel.dev/v1alpha1", "kind": "Package", "metadata": {"name": f"{service}.{version}"},
         "spec": {"refName": ref_name or service, "version": version, "releaseNotes": f"Harbor {version}",
                  "template": {"spec": {"fetch": [{"imgpkgBundle": {"image": f"projects.registry.vmware.com/harbor:{version}"}}]}}}},
    ]
    return base64.b64encode(yaml.safe_dump_all(documents).encode()).decode()


def _assert_documented(body, structure):
    """The test's own body uses documented names only, so that it stands for the docs."""
    assert set(body) <= set(STRUCTURES[structure]["fields"]), sorted(set(body) - set(STRUCTURES[structure]["fields"]))


def create_spec(version="2.9.1"):
    return {"carvel_spec": {"version_spec": {"content": carvel(version)}}}


def test_a_service_is_registered_given_a_version_and_removed_in_the_order_vcenter_allows(rest):  # noqa: F811
    rest.ok("POST", SERVICES, json=create_spec())
    assert rest.get(SERVICES) == [{"supervisor_service": SERVICE, "display_name": "Harbor", "state": "ACTIVATED"}]
    info = rest.get(f"{SERVICES}/{SERVICE}")
    assert set(info) <= set(STRUCTURES["SupervisorServices.Info"]["fields"])
    assert (info["display_name"], info["state"], info["description"]) == ("Harbor", "ACTIVATED", "An open source trusted cloud native registry")
    assert rest.request("POST", SERVICES, json=create_spec("2.9.2")).json()["error_type"] == "ALREADY_EXISTS"

    rest.ok("POST", f"{SERVICES}/{SERVICE}/versions", json={"carvel_spec": {"content": carvel("2.10.0")}})
    assert [(v["version"], v["state"]) for v in rest.get(f"{SERVICES}/{SERVICE}/versions")] == [("2.10.0", "ACTIVATED"), ("2.9.1", "ACTIVATED")]
    version = rest.get(f"{SERVICES}/{SERVICE}/versions/2.10.0")
    assert (version["state"], base64.b64decode(version["content"]).decode().count("kind: Package")) == ("ACTIVATED", 2)

    # An ACTIVATED version or service is not deleted; a deactivated service takes no version and activates none.
    assert rest.request("DELETE", f"{SERVICES}/{SERVICE}/versions/2.9.1").json()["error_type"] == "NOT_ALLOWED_IN_CURRENT_STATE"
    rest.ok("POST", f"{SERVICES}/{SERVICE}/versions/2.9.1", params={"action": "deactivate"})
    rest.ok("DELETE", f"{SERVICES}/{SERVICE}/versions/2.9.1")
    assert rest.request("DELETE", f"{SERVICES}/{SERVICE}").json()["error_type"] == "NOT_ALLOWED_IN_CURRENT_STATE"
    rest.ok("POST", f"{SERVICES}/{SERVICE}", params={"action": "deactivate"})
    assert [v["state"] for v in rest.get(f"{SERVICES}/{SERVICE}/versions")] == ["DEACTIVATED"]
    assert rest.request("POST", f"{SERVICES}/{SERVICE}/versions/2.10.0", params={"action": "activate"}).status_code == 400
    refused = rest.request("POST", f"{SERVICES}/{SERVICE}/versions", json={"carvel_spec": {"content": carvel("2.11.0")}})
    assert refused.json()["error_type"] == "NOT_ALLOWED_IN_CURRENT_STATE"
    rest.ok("DELETE", f"{SERVICES}/{SERVICE}")
    assert rest.request("GET", f"{SERVICES}/{SERVICE}").status_code == 404
    assert rest.get(SERVICES) == []


@pytest.mark.parametrize("content, why", [
    ("not base64!", "not a base64-encoded YAML document"),
    (base64.b64encode(b"kind: [").decode(), "not a base64-encoded YAML document"),
    (base64.b64encode(b"apiVersion: v1\nkind: ConfigMap\n").decode(), "declares one PackageMetadata and one Package"),
    (carvel("1.0.0", ref_name="other.example.com"), "spec.refName 'other.example.com' is not the PackageMetadata's name"),
])
def test_a_malformed_definition_is_refused_naming_the_field(rest, content, why):  # noqa: F811
    response = rest.request("POST", SERVICES, json={"carvel_spec": {"version_spec": {"content": content}}})
    assert response.status_code == 400 and error_fields(response) == {"spec.carvel_spec.version_spec.content"}
    assert why in response.json()["messages"][0]["default_message"]
    assert rest.get(SERVICES) == []


def test_the_create_spec_is_held_to_the_reference(rest):  # noqa: F811
    spec = create_spec()
    for path, field in documented_fields(spec, STRUCTURES, "SupervisorServices.CreateSpec", strict=True):
        response = rest.request("POST", SERVICES, json=with_field(spec, path, wrong_value(field)))
        assert field_path(path) in error_fields(response), field_path(path)
        if field["required"]:
            assert field_path(path) in error_fields(rest.request("POST", SERVICES, json=with_field(spec, path, remove=True)))
    # 7.0.3's formats are not simulated: refused as fields the lab does not know.
    assert error_fields(rest.request("POST", SERVICES, json={"vsphere_spec": {"version_spec": {"content": "x"}}})) >= {"spec.vsphere_spec"}
    assert rest.get(SERVICES) == []


def wait_for_service(rest, path, status, timeout=30):  # noqa: F811
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = rest.get(path)
        if info["config_status"] == status:
            return info
        time.sleep(0.1)
    raise AssertionError(f"{path} is {info['config_status']}, not {status}, after {timeout} s")


def test_a_service_is_installed_upgraded_failed_and_removed_on_a_supervisor(rest, control):  # noqa: F811
    cluster = clusters(rest)[0]["cluster"]
    enable(rest, cluster)
    rest.ok("POST", SERVICES, json=create_spec("2.9.1"))
    rest.ok("POST", f"{SERVICES}/{SERVICE}/versions", json={"carvel_spec": {"content": carvel("2.10.0")}})
    installed = f"{MANAGEMENT}/clusters/{cluster}/supervisor-services"
    spec = {"supervisor_service": SERVICE, "version": "2.9.1", "yaml_service_config": "hostname: harbor.lab.local\n"}
    _assert_documented(spec, "ClusterSupervisorServices.CreateSpec")

    rest.ok("POST", installed, json=spec)
    assert rest.get(installed) == [{"supervisor_service": SERVICE, "desired_version": "2.9.1", "config_status": "CONFIGURING"}]
    assert rest.request("POST", installed, json=spec).json()["error_type"] == "ALREADY_EXISTS"
    info = wait_for_service(rest, f"{installed}/{SERVICE}", "CONFIGURED")
    assert set(info) <= set(STRUCTURES["ClusterSupervisorServices.Info"]["fields"])
    assert (info["current_version"], info["service_namespace"], info["prefix"]) == ("2.9.1", f"svc-harbor-{cluster}", "harbor")
    namespace = rest.get(f"/api/vcenter/namespaces/instances/svc-harbor-{cluster}")
    assert (namespace["cluster"], namespace["config_status"]) == (cluster, "RUNNING")

    rest.ok("PATCH", f"{installed}/{SERVICE}", json={"version": "2.10.0"})
    assert rest.get(f"{installed}/{SERVICE}")["config_status"] == "CONFIGURING"
    assert wait_for_service(rest, f"{installed}/{SERVICE}", "CONFIGURED")["current_version"] == "2.10.0"

    # A failing configuration ends in ERROR with its message; the service keeps the version it ran.
    fault = control.call("POST", "/faults", {"kind": "service", "service": SERVICE, "error": "harbor-core: ImagePullBackOff", "count": 1})
    rest.ok("PATCH", f"{installed}/{SERVICE}", json={"yaml_service_config": "hostname: registry.lab.local\n"})
    failed = wait_for_service(rest, f"{installed}/{SERVICE}", "ERROR")
    assert failed["current_version"] == "2.10.0"
    assert failed["messages"][0]["details"]["default_message"] == f"Failed to configure Supervisor Service {SERVICE}: harbor-core: ImagePullBackOff"
    assert [each for each in control.call("GET", "/faults") if each["id"] == fault["id"]][0]["remaining"] == 0

    rest.ok("POST", f"{SERVICES}/{SERVICE}/versions/2.9.1", params={"action": "deactivate"})
    refused = rest.request("PATCH", f"{installed}/{SERVICE}", json={"version": "2.9.1"})
    assert error_fields(refused) == {"spec.version"}

    rest.ok("DELETE", f"{installed}/{SERVICE}")
    assert rest.get(f"{installed}/{SERVICE}")["config_status"] == "REMOVING"
    deadline = time.monotonic() + 30
    while rest.request("GET", f"{installed}/{SERVICE}").status_code != 404:
        assert time.monotonic() < deadline, "the service was not removed"
        time.sleep(0.1)
    assert rest.request("GET", f"/api/vcenter/namespaces/instances/svc-harbor-{cluster}").status_code == 404
    assert rest.get(installed) == []
