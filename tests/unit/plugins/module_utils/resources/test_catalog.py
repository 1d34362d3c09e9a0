"""The catalog over a fake REST client: one list per kind, libraries read only until found."""

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, NotFoundError
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.catalog import (
    CLUSTER,
    CONTENT_LIBRARY,
    NETWORK,
    STORAGE_POLICY,
    VM_CLASS,
    Catalog,
    known_names,
)


class FakeRest:
    def __init__(self):
        self.answers = {
            "/api/vcenter/cluster": [{"cluster": "domain-c1", "name": "C1"}, {"cluster": "domain-c2", "name": "C2"}],
            "/api/vcenter/network": [
                {"network": "network-7", "name": "VM Network", "type": "STANDARD_PORTGROUP"},
                {"network": "dvportgroup-13", "name": "Workload", "type": "DISTRIBUTED_PORTGROUP"},
                {"network": "dvportgroup-14", "name": "twin", "type": "DISTRIBUTED_PORTGROUP"},
                {"network": "dvportgroup-15", "name": "twin", "type": "DISTRIBUTED_PORTGROUP"},
            ],
            "/api/vcenter/storage/policies": [{"policy": "p-1", "name": "gold"}, {"policy": "p-2", "name": "silver"}],
            "/api/vcenter/namespace-management/virtual-machine-classes": [{"id": "best-effort-small"}, {"id": "guaranteed-small"}],
            "/api/content/library": ["lib-1", "lib-2", "lib-3"],
            "/api/content/library/lib-1": {"id": "lib-1", "name": "images"},
            "/api/content/library/lib-2": {"id": "lib-2", "name": "tkg-content"},
            "/api/content/library/lib-3": {"id": "lib-3", "name": "isos"},
        }
        self.gets = []

    def get(self, path, *, params=None, what=None):
        self.gets.append(path)
        return self.answers[path]


@pytest.fixture
def rest():
    return FakeRest()


def test_names_resolve_with_one_list_per_kind(rest):
    catalog = Catalog(rest)

    assert catalog.id_of(CLUSTER, "C2", "cluster") == "domain-c2"
    assert catalog.id_of(STORAGE_POLICY, "gold", "storage_policies.control_plane") == "p-1"
    assert catalog.id_of(STORAGE_POLICY, "silver", "storage_policies.image") == "p-2"
    assert catalog.name_of(STORAGE_POLICY, "p-2") == "silver"
    assert catalog.id_of(NETWORK, "VM Network", "management_network.network") == "network-7"
    assert catalog.id_of(NETWORK, "Workload", "workload_network.portgroup", distributed=True) == "dvportgroup-13"
    assert catalog.name_of(NETWORK, "dvportgroup-13") == "Workload"

    assert rest.gets == ["/api/vcenter/cluster", "/api/vcenter/storage/policies", "/api/vcenter/network"]


def test_an_identifier_is_accepted_for_a_name(rest):
    assert Catalog(rest).id_of(STORAGE_POLICY, "p-2", "storage_policies.control_plane") == "p-2"


def test_an_unknown_name_lists_the_known_ones_under_the_option(rest):
    with pytest.raises(NotFoundError) as raised:
        Catalog(rest).id_of(STORAGE_POLICY, "platinum", "storage_policies.control_plane")

    assert raised.value.message == "storage_policies.control_plane: storage policy 'platinum' not found (known: gold, silver)"
    assert raised.value.known == ["gold", "silver"]


def test_a_workload_network_must_be_a_distributed_port_group(rest):
    with pytest.raises(InvalidArgumentError) as raised:
        Catalog(rest).id_of(NETWORK, "VM Network", "workload_network.portgroup", distributed=True)

    assert raised.value.message == (
        "workload_network.portgroup: 'VM Network' is a standard portgroup, not a distributed port group (known distributed port groups: twin, Workload)"
    )


def test_an_ambiguous_name_asks_for_the_identifier(rest):
    with pytest.raises(InvalidArgumentError, match="2 distributed port groups are named 'twin' .dvportgroup-14, dvportgroup-15.: give the identifier"):
        Catalog(rest).id_of(NETWORK, "twin", "workload_network.portgroup", distributed=True)


def test_libraries_are_read_until_the_name_is_found(rest):
    catalog = Catalog(rest)

    assert catalog.id_of(CONTENT_LIBRARY, "tkg-content", "content_library") == "lib-2"
    assert catalog.name_of(CONTENT_LIBRARY, "lib-2") == "tkg-content"
    assert rest.gets == ["/api/content/library", "/api/content/library/lib-1", "/api/content/library/lib-2"]


def test_a_library_given_by_identifier_costs_no_read_of_libraries(rest):
    assert Catalog(rest).id_of(CONTENT_LIBRARY, "lib-3", "content_library") == "lib-3"
    assert rest.gets == ["/api/content/library"]


def test_an_unknown_library_lists_every_library(rest):
    with pytest.raises(NotFoundError, match=r"^content_library: content library 'tkc' not found \(known: images, isos, tkg-content\)$"):
        Catalog(rest).id_of(CONTENT_LIBRARY, "tkc", "content_library")


def test_known_names_are_summarised_after_twenty():
    assert known_names([f"n{i:02}" for i in range(25)]).endswith("n19, ... (5 more)")
    assert known_names([]) == "none"


def test_an_unknown_name_is_both_not_found_and_input_to_change(rest):
    with pytest.raises(InvalidArgumentError) as raised:
        Catalog(rest, where=" on vCenter vc:443").id_of(VM_CLASS, "huge", "vm_classes")

    assert isinstance(raised.value, NotFoundError)
    assert raised.value.message == "vm_classes: VM class 'huge' not found on vCenter vc:443 (known: best-effort-small, guaranteed-small)"


def test_names_given_for_a_subject_are_all_checked_at_once(rest):
    with pytest.raises(InvalidArgumentError) as raised:
        Catalog(rest).check_names("namespace 'a'", storage_policies=["gold", "platinum"], vm_classes=["huge", "tiny"], content_libraries=["isos"])

    assert raised.value.message == (
        "Cannot manage namespace 'a': storage_policies: storage policy 'platinum' not found (known: gold, silver);"
        " vm_classes: VM class 'huge', 'tiny' not found (known: best-effort-small, guaranteed-small)"
    )


def test_a_name_vcenter_no_longer_lists_stands_for_itself(rest):
    catalog = Catalog(rest)

    assert catalog.known_id(STORAGE_POLICY, "silver") == "p-2"
    assert catalog.known_id(STORAGE_POLICY, "p-9") == "p-9"
    assert catalog.name_of(CLUSTER, "domain-c9") == "domain-c9"
