"""The one mapping from a topology to desired objects: addresses, dependencies, specs as the modules give them."""

import copy

from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import ABSENT, KINDS, desired_specs
from ansible_collections.pacific.vsphere.plugins.module_utils.topology import validate
from sample_topology import LOAD_BALANCER_PASSWORD, TOPOLOGY, supervisor


def by_address(desired):
    return {each.address: each for each in desired}


def test_every_object_has_its_address_and_the_addresses_it_needs_first():
    desired = by_address(desired_specs(TOPOLOGY))

    assert {address: each.depends_on for address, each in desired.items()} == {
        "spherelet.C1": (),
        "supervisor.C1": ("spherelet.C1",),
        "control_plane.C1": ("supervisor.C1",),
        "namespace.C1/team-a": ("supervisor.C1",),
        "guest_cluster.team-a/tkc-a": ("namespace.C1/team-a",),
        "spherelet.C2": (),
        "supervisor.C2": ("spherelet.C2",),
        "control_plane.C2": ("supervisor.C2",),
        "namespace.C2/team-b": ("supervisor.C2",),
    }
    assert desired["guest_cluster.team-a/tkc-a"].scope == {"supervisor_cluster": "C1", "protect": False, "adopt": False}
    assert desired["namespace.C1/team-a"].path == "supervisors[0].namespaces[0]"
    assert desired["namespace.C1/team-a"].scope["protect"] is False


def test_specs_carry_every_sub_option_as_the_modules_do():
    desired = by_address(desired_specs(TOPOLOGY, secrets={LOAD_BALANCER_PASSWORD: "haproxy-secret"}))

    wm = desired["supervisor.C1"].spec
    assert wm.management_network["floating_ip"] is None and wm.management_network["network"] == "VM Network"
    assert wm.load_balancer["password"] == "haproxy-secret"
    assert desired["supervisor.C2"].spec.load_balancer["password"] is None
    assert (wm.wait, wm.wait_timeout) == (True, 1800)
    assert desired["namespace.C1/team-a"].spec.storage_policies == [{"name": "gold", "limit": None}]
    assert desired["guest_cluster.team-a/tkc-a"].spec.node_pools == [
        {"name": "workers", "replicas": 1, "vm_class": "best-effort-small", "storage_class": "gold", "labels": None, "failure_domain": None}
    ]
    assert desired["control_plane.C1"].spec.rule_name == "SupervisorControlPlaneVM anti-affinity"
    assert desired["spherelet.C1"].spec.urls == ("http://depot/spherelet.vib",)


def test_a_teardown_removes_spherelet_only_where_the_topology_says_so():
    desired = by_address(desired_specs(TOPOLOGY, state=ABSENT, force_delete=True))

    assert "spherelet.C1" not in desired and desired["spherelet.C2"].spec.state == "absent"
    assert desired["supervisor.C1"].depends_on == ("spherelet.C1",)
    assert desired["supervisor.C1"].spec.state == "disabled"
    assert (desired["namespace.C1/team-a"].spec.state, desired["namespace.C1/team-a"].spec.force) == ("absent", True)
    assert desired["guest_cluster.team-a/tkc-a"].spec.state == "absent"


def test_kinds_filter_the_objects_and_the_document_is_left_as_it_was():
    before = copy.deepcopy(TOPOLOGY)

    desired = desired_specs(TOPOLOGY, kinds=["guest_cluster"])

    assert [each.address for each in desired] == ["guest_cluster.team-a/tkc-a"]
    assert TOPOLOGY == before
    # The sample has no zones, VM classes nor services.
    assert {each.kind for each in desired_specs(TOPOLOGY)} == set(KINDS) - {"zone", "vm_class", "supervisor_service", "service"}


def test_a_supervisor_on_three_zones_needs_its_zones_and_spherelet_on_each_zones_cluster():
    on_zones = supervisor("C2", namespaces=[{"name": "team-z"}])
    del on_zones["cluster"]
    on_zones.update(zones=["zone-a", "zone-b", "zone-c"], spherelet={"url": "http://depot/spherelet.vib"})
    zones = [{"name": f"zone-{letter}", "cluster": f"C{index + 2}"} for index, letter in enumerate("abc")]
    desired = by_address(desired_specs(validate({"zones": zones, "supervisors": [on_zones]})))

    assert {address: each.depends_on for address, each in desired.items()} == {
        "zone.zone-a": (),
        "zone.zone-b": (),
        "zone.zone-c": (),
        "spherelet.C2": (),
        "spherelet.C3": (),
        "spherelet.C4": (),
        "supervisor.C2": ("spherelet.C2", "spherelet.C3", "spherelet.C4", "zone.zone-a", "zone.zone-b", "zone.zone-c"),
        "namespace.C2/team-z": ("supervisor.C2",),
    }  # no control_plane object: the zones keep the three VMs apart, one in each zone's cluster
    assert desired["supervisor.C2"].spec.zones == ["zone-a", "zone-b", "zone-c"]
    assert desired["zone.zone-b"].spec.cluster == "C3"
    teardown = by_address(desired_specs(validate({"zones": zones, "supervisors": [on_zones]}), state=ABSENT))
    assert teardown["zone.zone-a"].spec.state == "absent"


def test_a_service_is_installed_after_its_supervisor_and_registration_with_its_secret_values_merged():
    definition = (
        "apiVersion: data.packaging.carvel.dev/v1alpha1\nkind: PackageMetadata\nmetadata:\n  name: harbor.tanzu.vmware.com\n---\n"
        "apiVersion: data.packaging.carvel.dev/v1alpha1\nkind: Package\nmetadata:\n  name: harbor.tanzu.vmware.com.2.9.1\n"
        "spec:\n  refName: harbor.tanzu.vmware.com\n  version: 2.9.1\n"
    )
    service = {"name": "harbor.tanzu.vmware.com", "version": "2.9.1", "values": {"hostname": "harbor.example.com"},
               "secret_values": {"harborAdminPassword": {"env": "HARBOR_PASSWORD"}}}
    topology = validate({
        "supervisor_services": [{"name": "harbor.tanzu.vmware.com", "definitions": [definition]}],
        "supervisors": [supervisor("C1", services=[service])],
    })
    secrets = {"supervisors[0].services[0].secret_values.harborAdminPassword": "s3cret"}

    desired = by_address(desired_specs(topology, secrets=secrets))

    registration, install = desired["supervisor_service.harbor.tanzu.vmware.com"], desired["service.C1/harbor.tanzu.vmware.com"]
    assert registration.spec.definitions == (definition,) and registration.path == "supervisor_services[0]"
    assert install.depends_on == ("supervisor.C1", "supervisor_service.harbor.tanzu.vmware.com")
    assert install.spec.values == {"hostname": "harbor.example.com", "harborAdminPassword": "s3cret"}
    assert install.spec.definitions == (definition,)  # its versions are known before vCenter has them
    assert (install.spec.cluster, install.spec.version, install.path) == ("C1", "2.9.1", "supervisors[0].services[0]")
    assert topology["supervisors"][0]["services"][0]["values"] == {"hostname": "harbor.example.com"}  # the document is left as it was
    removed = by_address(desired_specs(topology, state=ABSENT))
    assert removed["service.C1/harbor.tanzu.vmware.com"].spec.state == "absent"
    assert removed["supervisor_service.harbor.tanzu.vmware.com"].spec.state == "absent"
