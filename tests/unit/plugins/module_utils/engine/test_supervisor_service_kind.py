"""The Supervisor Service kinds: one read of a registration for both, refusals naming the entry, a registration kept while installed."""

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import SERVICE, SUPERVISOR_SERVICE, Desired
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.base import RunContext
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.supervisor_service import ServiceKind, SupervisorServiceKind
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_service import SERVICES_PATH, ServiceSpec
from ansible_collections.pacific.vsphere.tests.unit.plugins.module_utils.resources.fake_services_api import HARBOR, INSTALLED, FakeServicesApi, definition


class FakeSessions:
    def __init__(self, rest):
        self._rest = rest

    def rest(self):
        return self._rest


def kinds_over(api):
    context = RunContext(FakeSessions(api), read_descriptor=None)
    return SupervisorServiceKind(context), ServiceKind(context)


HARBOR_2_9 = (definition("2.9.1"),)


def registration(state="present", definitions=HARBOR_2_9):
    return Desired(SUPERVISOR_SERVICE, f"supervisor_service.{HARBOR}", ServiceSpec(HARBOR, definitions=definitions, state=state),
                   path="supervisor_services[0]")


def install(version="2.9.1", state="present", definitions=HARBOR_2_9):
    spec = ServiceSpec(HARBOR, definitions=definitions, cluster="C0", version=version, state=state)
    return Desired(SERVICE, f"service.C0/{HARBOR}", spec, ("supervisor.C0", f"supervisor_service.{HARBOR}"), {"supervisor": "supervisor.C0"},
                   path="supervisors[0].services[0]")


def test_a_new_service_is_planned_registered_and_installed_from_the_documents_definitions_reading_its_registration_once():
    api = FakeServicesApi()
    registry_kind, install_kind = kinds_over(api)

    installing = install_kind.plan(install(), install_kind.read_all([install()])[install().address])
    registering = registry_kind.plan(registration(), registry_kind.read_all([registration()])[registration().address])

    assert (registering.item.action, registering.item.after) == ("create", {"versions": ["2.9.1"]})
    assert (installing.item.action, installing.item.after) == ("create", {"version": "2.9.1", "values": None})
    assert [path for method, path, _body in api.calls if path.startswith(SERVICES_PATH)] == [f"{SERVICES_PATH}/{HARBOR}"]  # one GET: a 404
    registry_kind.apply(registering, "put")
    view = install_kind.apply(installing, "put")
    assert view["config_status"] == "CONFIGURED" and api.mutations() == [("POST", SERVICES_PATH), ("POST", INSTALLED)]


def test_a_version_the_document_does_not_define_is_refused_naming_the_entry():
    api = FakeServicesApi()
    api.registry[HARBOR] = {"2.9.1": "ACTIVATED"}
    _registry_kind, install_kind = kinds_over(api)
    unknown = install("3.0.0", definitions=())

    with pytest.raises(InvalidArgumentError, match=r"^supervisors\[0\]\.services\[0\]\.version: '3.0.0' is not a version"):
        install_kind.plan(unknown, install_kind.read_all([unknown])[unknown.address])
    del api.registry[HARBOR]
    _registry_kind, install_kind = kinds_over(api)
    with pytest.raises(InvalidArgumentError, match=r"^supervisors\[0\]\.services\[0\]\.name: .* not registered in vCenter: register it in supervisor_serv"):
        install_kind.plan(unknown, install_kind.read_all([unknown])[unknown.address])
    with pytest.raises(InvalidArgumentError, match="not registered in vCenter"):  # on a Supervisor the run enables: refused at plan time too
        install_kind.plan_deferred(unknown)
    assert api.mutations() == []


def test_a_registration_the_plan_removes_while_a_supervisor_keeps_the_service_is_refused():
    api = FakeServicesApi()
    api.registry[HARBOR] = {"2.9.1": "ACTIVATED"}
    registry_kind, install_kind = kinds_over(api)
    kept = install(definitions=())
    registry_kind.earlier = {kept.address: install_kind.plan(kept, install_kind.read_all([kept])[kept.address])}
    removal = registration("absent", definitions=())

    with pytest.raises(InvalidArgumentError, match=r"installed on Supervisors the plan keeps \(C0\) and the plan would unregister it"):
        registry_kind.plan(removal, registry_kind.read_all([removal])[removal.address])

    gone = install(state="absent", definitions=())
    registry_kind.earlier = {gone.address: install_kind.plan(gone, install_kind.read_all([gone])[gone.address])}
    assert registry_kind.plan(removal, registry_kind.read_all([removal])[removal.address]).item.action == "delete"
