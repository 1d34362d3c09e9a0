"""Supervisor Services over a fake vCenter 8 REST API that answers in SupervisorServices' and ClusterSupervisorServices' shapes."""

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import VERSION_PATH
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, WaitTimeout
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_service import SERVICES_PATH, ServiceFailed, ServiceSpec, SupervisorServices
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_spec import MASKED
from ansible_collections.pacific.vsphere.tests.unit.plugins.module_utils.resources.fake_clock import Clock
from ansible_collections.pacific.vsphere.tests.unit.plugins.module_utils.resources.fake_services_api import HARBOR, INSTALLED, FakeServicesApi, definition

SECRET = "Harbor-Admin-0"


def installed_at(api, version, **fields):
    api.registry[HARBOR] = {"2.9.1": "ACTIVATED", "2.10.0": "ACTIVATED"}
    api.installed[HARBOR] = {"desired_version": version, "current_version": version, "config_status": "CONFIGURED", "messages": [],
                             "service_namespace": "svc-harbor-domain-c8", "reads": 0, **fields}


def converge(api, spec, *, check_mode=False):
    clock = Clock()
    services = SupervisorServices(api, clock=clock, sleep=clock.sleep)
    live = services.read(spec)
    items = services.plan(spec, live)
    if not check_mode and any(item.changed for item in items):
        services.apply(spec, items, live)
    return items, services.describe(spec, services.read(spec))


def on_c0(version="2.9.1", **fields):
    return ServiceSpec(HARBOR, cluster="C0", version=version, **fields)


def test_a_new_service_is_registered_from_its_definitions_installed_and_waited_for_then_left_alone():
    api = FakeServicesApi()
    spec = on_c0(definitions=(definition("2.9.1"), definition("2.10.0")), values={"harborAdminPassword": SECRET})
    items, found = converge(api, spec)
    assert [(item.address, item.action) for item in items] == [(f"supervisor_service/{HARBOR}", "create"), (f"supervisor_service/{HARBOR}/C0", "create")]
    assert api.mutations() == [("POST", SERVICES_PATH), ("POST", f"{SERVICES_PATH}/{HARBOR}/versions"), ("POST", INSTALLED)]
    install = next(call[2] for call in api.calls if call[1] == INSTALLED)
    assert install == {"supervisor_service": HARBOR, "version": "2.9.1", "yaml_service_config": f"harborAdminPassword: {SECRET}\n"}
    assert found["versions"] == [{"version": "2.9.1", "state": "ACTIVATED"}, {"version": "2.10.0", "state": "ACTIVATED"}]
    assert found["supervisor"] == {"cluster": "C0", "desired_version": "2.9.1", "current_version": "2.9.1", "config_status": "CONFIGURED",
                                   "namespace": "svc-harbor-domain-c8", "messages": []}
    api.calls.clear()
    again, _found = converge(api, spec)
    assert [item.action for item in again] == ["none", "none"] and api.mutations() == []


def test_check_mode_predicts_the_registration_and_install_and_sends_nothing():
    api = FakeServicesApi()
    items, found = converge(api, on_c0(definitions=(definition("2.9.1"),)), check_mode=True)
    assert [item.action for item in items] == ["create", "create"] and items[1].after == {"version": "2.9.1", "values": None}
    assert api.mutations() == [] and found is None


def test_an_upgrade_is_one_patch_of_the_version_keeping_the_values_it_does_not_name():
    api = FakeServicesApi()
    installed_at(api, "2.9.1", yaml_service_config=f"harborAdminPassword: {SECRET}\n")
    items, found = converge(api, on_c0("2.10.0"))
    assert items[1].action == "update" and items[1].reasons == ("version: 2.9.1 -> 2.10.0",)
    assert items[1].before == {"version": "2.9.1", "values": MASKED} == {**items[1].after, "version": "2.9.1"}
    assert api.mutations() == [("PATCH", f"{INSTALLED}/{HARBOR}")] and api.calls[-1][0] == "GET"
    assert next(call[2] for call in api.calls if call[0] == "PATCH") == {"version": "2.10.0"}
    assert found["supervisor"]["current_version"] == "2.10.0"


def test_changed_values_are_a_change_that_never_shows_them():
    api = FakeServicesApi()
    installed_at(api, "2.9.1", yaml_service_config=f"harborAdminPassword: {SECRET}\n")
    items, _found = converge(api, on_c0(values={"harborAdminPassword": "Another-1"}))
    assert items[1].reasons == ("values: (sensitive value) changed",)
    assert SECRET not in repr(items) and "Another-1" not in repr([item.as_dict() for item in items])
    assert api.installed[HARBOR]["yaml_service_config"] == "harborAdminPassword: Another-1\n"
    api.calls.clear()
    assert converge(api, on_c0(values={"harborAdminPassword": "Another-1"}))[0][1].action == "none" and api.mutations() == []


def test_a_service_vcenter_cannot_configure_fails_with_its_message_and_a_rerun_configures_it_again():
    api = FakeServicesApi()
    api.registry[HARBOR] = {"2.9.1": "ACTIVATED"}
    api.failing = "Failed to configure Supervisor Service harbor.tanzu.vmware.com: image pull failed"
    with pytest.raises(ServiceFailed, match="image pull failed") as failed:
        converge(api, on_c0())
    assert failed.value.changed is True
    api.failing = None
    items, found = converge(api, on_c0())
    assert items[1].reasons == ("config_status: ERROR -> CONFIGURED (configured again)",)
    assert api.mutations()[-1] == ("PATCH", f"{INSTALLED}/{HARBOR}") and found["supervisor"]["config_status"] == "CONFIGURED"


def test_a_wait_has_a_deadline():
    api = FakeServicesApi()
    api.registry[HARBOR] = {"2.9.1": "ACTIVATED"}
    api.configure_reads = 10_000
    with pytest.raises(WaitTimeout, match="CONFIGURED at 2.9.1 on cluster 'C0'.*CONFIGURING"):
        converge(api, on_c0(wait_timeout=30))


def test_removal_from_the_supervisor_waits_until_it_is_gone_and_keeps_the_registration():
    api = FakeServicesApi()
    installed_at(api, "2.9.1")
    items, found = converge(api, ServiceSpec(HARBOR, cluster="C0", state="absent"))
    assert [item.action for item in items] == ["delete"] and api.mutations() == [("DELETE", f"{INSTALLED}/{HARBOR}")]
    assert found["supervisor"] is None and HARBOR in api.registry


def test_unregistering_deactivates_then_deletes_and_is_then_left_alone():
    api = FakeServicesApi()
    api.registry[HARBOR] = {"2.9.1": "ACTIVATED"}
    converge(api, ServiceSpec(HARBOR, state="absent"))
    assert api.mutations() == [("POST", f"{SERVICES_PATH}/{HARBOR}?action=deactivate"), ("DELETE", f"{SERVICES_PATH}/{HARBOR}")]
    api.calls.clear()
    items, found = converge(api, ServiceSpec(HARBOR, state="absent"))
    assert items[0].action == "none" and found is None and api.mutations() == []


@pytest.mark.parametrize("text, message", [
    ("kind: [", r"definitions\[0\]: not YAML"),
    (definition("2.9.1").split("---", maxsplit=1)[0], r"definitions\[0\]: .*one PackageMetadata and one Package .*found 1 and 0"),
    (definition("2.9.1", ref_name="contour.tanzu.vmware.com"), r"definitions\[0\]: the Package's spec.refName must be the PackageMetadata's name"),
    (definition("1.2.0", service="contour.tanzu.vmware.com"), r"definitions\[0\]: defines Supervisor Service 'contour.tanzu.vmware.com', not 'harbor"),
])
def test_a_malformed_definition_is_refused_naming_it_before_any_request(text, message):
    api = FakeServicesApi()
    with pytest.raises(InvalidArgumentError, match=message):
        ServiceSpec(HARBOR, definitions=(text,)).definition_versions()
    assert api.calls == []


def test_an_unknown_or_deactivated_version_is_refused_before_any_change():
    api = FakeServicesApi()
    api.registry[HARBOR] = {"2.9.1": "ACTIVATED", "2.8.0": "DEACTIVATED"}
    with pytest.raises(InvalidArgumentError, match=r"version: '3.0.0' is not a version .*registered or defined: 2.8.0, 2.9.1, 2.10.0"):
        converge(api, on_c0("3.0.0", definitions=(definition("2.10.0"),)))
    with pytest.raises(InvalidArgumentError, match="version: '2.8.0' .* is DEACTIVATED: activate it first"):
        converge(api, on_c0("2.8.0"))
    with pytest.raises(InvalidArgumentError, match="definitions: Supervisor Service 'contour' is not registered"):
        converge(api, ServiceSpec("contour"))
    assert api.mutations() == []


def test_vcenter_7_is_told_plainly_that_the_api_is_missing():
    api = FakeServicesApi(version="7.0.3.01000")
    with pytest.raises(InvalidArgumentError, match="need vCenter 8.0 or later; this vCenter is 7.0.3.01000"):
        converge(api, on_c0(definitions=(definition("2.9.1"),)))
    assert api.calls == [("GET", VERSION_PATH, None)]
