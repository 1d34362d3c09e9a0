"""The topology schema and validator: structure, values and references, each problem named by its key path."""

import copy
import json

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.topology import SCHEMA, TopologyError, guest_clusters, namespaces, secret_references, validate
from sample_topology import supervisor

TEAM_A = {
    "name": "team-a",
    "cpu_limit": "20GHz",
    "memory_limit": "64Gi",
    "storage_policies": [{"name": "gold", "limit": "500Gi"}, {"name": "vSAN Default Storage Policy"}],
    "access": [{"principal": "admins", "domain": "vsphere.local", "type": "GROUP", "role": "EDIT"}],
    "vm_classes": ["best-effort-small"],
    "content_libraries": ["tkg-content"],
    "guest_clusters": [
        {
            "name": "tkc-a",
            "kubernetes_version": "v1.27",
            "control_plane": {"replicas": 1, "vm_class": "best-effort-small", "storage_class": "gold"},
            "node_pools": [{"name": "workers", "vm_class": "best-effort-small", "storage_class": "vsan-default-storage-policy"}],
        }
    ],
}
DOCUMENT = {
    "vcenter": {"hostname": "vcenter.example.com", "password": {"var": "vault_vcenter_password"}},
    "supervisors": [supervisor("C1", namespaces=[TEAM_A]), supervisor("C2", namespaces=[{"name": "team-b"}])],
}


def document(change=None):
    """A copy of DOCUMENT, changed in place by ``change(doc)``."""
    doc = copy.deepcopy(DOCUMENT)
    if change:
        change(doc)
    return doc


def problems_of(doc, rest=None):
    with pytest.raises(TopologyError) as raised:
        validate(doc, rest)
    return raised.value.problems


class FakeRest:
    """The vCenter lists the references are checked against; records each GET."""

    def __init__(self, hosts=3):
        self.answers = {
            "/api/vcenter/cluster": [
                {"cluster": "domain-c1", "name": "C1", "drs_enabled": True},
                {"cluster": "domain-c2", "name": "C2", "drs_enabled": True},
            ],
            "/api/vcenter/host": [{"host": f"host-{n}", "connection_state": "CONNECTED"} for n in range(hosts)],
            "/api/vcenter/network": [
                {"network": "network-1", "name": "VM Network", "type": "STANDARD_PORTGROUP"},
                {"network": "dvportgroup-2", "name": "Workload", "type": "DISTRIBUTED_PORTGROUP"},
            ],
            "/api/vcenter/storage/policies": [{"policy": "p-1", "name": "gold"}, {"policy": "p-2", "name": "vSAN Default Storage Policy"}],
            "/api/content/library": ["lib-1"],
            "/api/content/library/lib-1": {"id": "lib-1", "name": "tkg-content"},
            "/api/vcenter/namespace-management/virtual-machine-classes": [{"id": "best-effort-small"}, {"id": "best-effort-large"}],
        }
        self.gets = []

    def get(self, path, *, params=None, what=None):
        self.gets.append(path)
        return self.answers[path]


# -- a valid document ---------------------------------------------------------------------


def test_a_valid_document_comes_back_with_its_defaults():
    topology = validate(document(), FakeRest())

    first = topology["supervisors"][0]
    assert first["control_plane"] == {"count": 3, "rule_name": "SupervisorControlPlaneVM anti-affinity", "mandatory": True}
    assert first["workload_management"]["wait_timeout"] == 1800
    cluster = first["namespaces"][0]["guest_clusters"][0]
    assert cluster["api"] == "tkc"
    assert cluster["node_pools"][0]["replicas"] == 1
    assert topology["supervisors"][1]["namespaces"][0]["guest_clusters"] == []
    assert "namespaces" in topology["supervisors"][1]
    assert (first["protect"], first["namespaces"][0]["protect"], cluster["protect"]) == (False, False, False)


def test_the_input_is_not_changed():
    doc = document()
    validate(doc)
    assert doc == DOCUMENT


def test_references_cost_one_list_per_kind_and_one_host_list_per_supervisor():
    rest = FakeRest()
    validate(document(), rest)

    assert sorted(rest.gets) == sorted(
        [
            "/api/vcenter/cluster",
            "/api/vcenter/host",
            "/api/vcenter/host",
            "/api/vcenter/network",
            "/api/vcenter/storage/policies",
            "/api/content/library",
            "/api/content/library/lib-1",
            "/api/vcenter/namespace-management/virtual-machine-classes",
        ]
    )


def test_views_for_the_roles_flatten_namespaces_and_guest_clusters():
    topology = validate(document())

    assert [(n["cluster"], n["name"]) for n in namespaces(topology)] == [("C1", "team-a"), ("C2", "team-b")]
    assert all("guest_clusters" not in n for n in namespaces(topology))
    assert [(c["supervisor_cluster"], c["namespace"], c["name"]) for c in guest_clusters(topology)] == [("C1", "team-a", "tkc-a")]


def test_secret_references_say_where_each_password_is_found():
    assert secret_references(validate(document())) == [
        {"path": "vcenter.password", "var": "vault_vcenter_password"},
        {"path": "supervisors[0].workload_management.load_balancer.password", "env": "HAPROXY_PASSWORD"},
        {"path": "supervisors[1].workload_management.load_balancer.password", "env": "HAPROXY_PASSWORD"},
    ]


def test_the_schema_is_plain_json_schema():
    assert json.loads(json.dumps(SCHEMA))["required"] == ["supervisors"]


# -- structure -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda d: d.pop("supervisors"), "supervisors: required"),
        (lambda d: d.update(supervisors=[]), "supervisors: needs at least 1 item"),
        (lambda d: d["supervisors"][0].update(namespace=[]), "supervisors[0].namespace: unknown key (known: cluster, zones, spherelet, "),
        (
            lambda d: d["supervisors"][0].update(control_plane={"count": "three"}),
            "supervisors[0].control_plane.count: 'three' is a string, expected an integer",
        ),
        (lambda d: d["supervisors"][0].update(control_plane={"count": True}), "supervisors[0].control_plane.count: True is true or false, expected an integer"),
        (lambda d: d["supervisors"][0].update(control_plane={"count": 0}), "supervisors[0].control_plane.count: 0 is less than 1"),
        (
            lambda d: d["supervisors"][0].update(control_plane={"size": "huge"}),
            "supervisors[0].control_plane.size: 'huge' is not one of tiny, small, medium, large",
        ),
        (lambda d: d["supervisors"][0]["workload_management"].pop("load_balancer"), "supervisors[0].workload_management.load_balancer: required"),
        (lambda d: d["supervisors"][0].update(cluster=None), "supervisors[0].cluster: is empty, expected a string"),
        (lambda d: d["supervisors"][0].update(cluster=" "), "supervisors[0].cluster: is empty"),
        (lambda d: d["supervisors"][1]["namespaces"][0].update(name="Team_B"), "supervisors[1].namespaces[0].name: 'Team_B' is not valid: lower-case letters"),
        (lambda d: d["supervisors"][1]["namespaces"][0].update(name="a" * 64), "supervisors[1].namespaces[0].name: '" + "a" * 64 + "' is not valid"),
        (
            lambda d: d["supervisors"][0]["namespaces"][0]["guest_clusters"][0]["control_plane"].update(replicas=2),
            "supervisors[0].namespaces[0].guest_clusters[0].control_plane.replicas: 2 is not one of 1, 3",
        ),
        (
            lambda d: d["supervisors"][0]["namespaces"][0]["guest_clusters"][0].update(api="tkg"),
            "supervisors[0].namespaces[0].guest_clusters[0].api: 'tkg' is not one of tkc, cluster",
        ),
        (
            lambda d: d["supervisors"][0]["namespaces"][0]["guest_clusters"][0].update(kubernetes_version="1.27"),
            "supervisors[0].namespaces[0].guest_clusters[0].kubernetes_version: '1.27' is not valid: give a release name",
        ),
        (
            lambda d: d["supervisors"][0]["namespaces"][0]["guest_clusters"][0]["node_pools"][0].update(labels={"tier": 1}),
            "supervisors[0].namespaces[0].guest_clusters[0].node_pools[0].labels.tier: 1 is an integer, expected a string",
        ),
        (lambda d: d["supervisors"][0].update(spherelet={"url": []}), "supervisors[0].spherelet.url: give the URL of the VIB, or a list of URLs"),
    ],
)
def test_structure_problems_name_their_key_path(change, problem):
    assert any(found.startswith(problem) for found in problems_of(document(change))), problems_of(document(change))


@pytest.mark.parametrize("password", ["VMware1!", {"env": ""}, {"vault": "x"}, {"env": "A", "var": "B"}])
def test_a_password_must_be_a_reference(password):
    doc = document(lambda d: d["vcenter"].update(password=password))

    assert problems_of(doc) == [
        "vcenter.password: give a reference, {env: NAME} (an environment variable) or {var: NAME} (a variable, e.g. kept in Ansible Vault):"
        " the topology never holds a secret itself"
    ]


def test_the_vcenter_section_is_optional():
    validate(document(lambda d: d.pop("vcenter")))


def test_every_structure_problem_is_reported_at_once_without_asking_vcenter():
    def change(doc):
        doc["supervisors"][0]["control_plane"] = {"count": "3"}
        doc["supervisors"][1]["workload_management"]["load_balancer"]["type"] = "f5"
        doc["supervisors"][1]["namespaces"][0]["vm_classes"] = "best-effort-small"

    rest = FakeRest()
    problems = problems_of(document(change), rest)

    assert len(problems) == 3
    assert rest.gets == []


# -- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, problem",
    [
        (
            lambda d: d["supervisors"][0].update(control_plane={"count": 2}),
            "supervisors[0].control_plane.count: 2 is even: a control plane needs an odd number of VMs (1, 3, 5) to keep a quorum",
        ),
        (
            lambda d: d["supervisors"][0]["namespaces"][0].update(memory_limit="-8Gi"),
            "supervisors[0].namespaces[0].memory_limit: '-8Gi' is negative: give a number of MiB",
        ),
        (lambda d: d["supervisors"][0]["namespaces"][0].update(cpu_limit=-1), "supervisors[0].namespaces[0].cpu_limit: -1 is negative"),
        (
            lambda d: d["supervisors"][0]["namespaces"][0].update(storage_limit="1TB"),
            "supervisors[0].namespaces[0].storage_limit: '1TB' has an unknown unit 'TB'",
        ),
        (
            lambda d: d["supervisors"][0]["namespaces"][0]["storage_policies"][0].update(limit="-1Gi"),
            "supervisors[0].namespaces[0].storage_policies[0].limit: '-1Gi' is negative",
        ),
        (
            lambda d: d["supervisors"][1]["namespaces"][0].update(name="team-a"),
            "supervisors[1].namespaces[0].name: namespace 'team-a' is already defined at supervisors[0].namespaces[0].name: names are unique in a vCenter",
        ),
        (
            lambda d: d["supervisors"][1].update(cluster="C1"),
            "supervisors[1].cluster: a Supervisor on cluster 'C1' is already defined at supervisors[0].cluster",
        ),
        (
            lambda d: d["supervisors"][0]["namespaces"][0]["storage_policies"].append({"name": "gold"}),
            "supervisors[0].namespaces[0].storage_policies[2].name: storage policy 'gold' is already defined at"
            " supervisors[0].namespaces[0].storage_policies[0].name",
        ),
        (
            lambda d: d["supervisors"][0]["namespaces"][0]["access"].append(
                {"principal": "ADMINS", "domain": "vsphere.local", "type": "GROUP", "role": "VIEW"}
            ),
            "supervisors[0].namespaces[0].access[1]: access for GROUP vsphere.local\\ADMINS is already defined at supervisors[0].namespaces[0].access[0]",
        ),
        (
            lambda d: d["supervisors"][0]["namespaces"][0]["guest_clusters"].append(copy.deepcopy(TEAM_A["guest_clusters"][0])),
            "supervisors[0].namespaces[0].guest_clusters[1].name: guest cluster 'tkc-a' is already defined at",
        ),
        (
            lambda d: d["supervisors"][0]["namespaces"][0]["guest_clusters"][0]["control_plane"].update(vm_class="best-effort-large"),
            "supervisors[0].namespaces[0].guest_clusters[0].control_plane.vm_class: VM class 'best-effort-large' is not bound to namespace 'team-a'"
            " (its vm_classes: best-effort-small)",
        ),
        (
            lambda d: d["supervisors"][0]["namespaces"][0]["guest_clusters"][0]["node_pools"][0].update(storage_class="silver"),
            "supervisors[0].namespaces[0].guest_clusters[0].node_pools[0].storage_class: storage class 'silver' is not one of namespace 'team-a'"
            " (from its storage_policies: gold, vsan-default-storage-policy)",
        ),
        (
            lambda d: d["supervisors"][0]["namespaces"][0]["guest_clusters"][0].update(pods_cidr="10.96.0.0/12", services_cidr="10.100.0.0/16"),
            "supervisors[0].namespaces[0].guest_clusters[0].services_cidr: 10.100.0.0/16 overlaps pods_cidr 10.96.0.0/12",
        ),
        (
            lambda d: d["supervisors"][0]["namespaces"][0]["guest_clusters"][0].update(pods_cidr="10.300.0.0/16"),
            "supervisors[0].namespaces[0].guest_clusters[0].pods_cidr: '10.300.0.0/16' is not an IPv4 network",
        ),
        (
            lambda d: d["supervisors"][0]["workload_management"].update(service_cidr="10.96.0.0"),
            "supervisors[0].workload_management.service_cidr: '10.96.0.0' has no prefix length",
        ),
        (
            lambda d: d["supervisors"][0]["workload_management"]["workload_network"]["address_ranges"][0].update(address="192.168.21.100"),
            "supervisors[0].workload_management.workload_network.address_ranges: 192.168.21.100-192.168.21.149 is not inside the subnet",
        ),
        (
            lambda d: d["supervisors"][0]["workload_management"]["management_network"].pop("gateway"),
            "supervisors[0].workload_management.management_network.gateway: required in static mode",
        ),
        (
            lambda d: d["supervisors"][0]["workload_management"]["load_balancer"].pop("address_ranges"),
            "supervisors[0].workload_management.load_balancer.address_ranges: required for haproxy",
        ),
    ],
)
def test_value_problems_name_their_key_path(change, problem):
    problems = problems_of(document(change))
    assert any(found.startswith(problem) for found in problems), problems


def test_value_problems_are_found_before_vcenter_is_asked_for_references():
    rest = FakeRest()
    problems = problems_of(document(lambda d: d["supervisors"][0].update(control_plane={"count": 4})), rest)

    assert problems[0].startswith("supervisors[0].control_plane.count: 4 is even")
    # References are still checked, so the user sees every problem at once.
    assert "/api/vcenter/cluster" in rest.gets


# -- references ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, problem",
    [
        (
            lambda d: d["supervisors"][1]["namespaces"][0].update(storage_policies=[{"name": "platinum"}]),
            "supervisors[1].namespaces[0].storage_policies[0].name: storage policy 'platinum' not found (known: gold, vSAN Default Storage Policy)",
        ),
        (lambda d: d["supervisors"][1].update(cluster="C9"), "supervisors[1].cluster: cluster 'C9' not found (known: C1, C2)"),
        (
            lambda d: d["supervisors"][0]["workload_management"]["workload_network"].update(portgroup="VM Network"),
            "supervisors[0].workload_management.workload_network.portgroup: 'VM Network' is a standard portgroup, not a distributed port group"
            " (known distributed port groups: Workload)",
        ),
        (
            lambda d: d["supervisors"][0]["workload_management"]["management_network"].update(network="Mgmt"),
            "supervisors[0].workload_management.management_network.network: network 'Mgmt' not found (known: VM Network, Workload)",
        ),
        (
            lambda d: d["supervisors"][0]["workload_management"].update(content_library="isos"),
            "supervisors[0].workload_management.content_library: content library 'isos' not found (known: tkg-content)",
        ),
        (
            lambda d: d["supervisors"][1]["namespaces"][0].update(vm_classes=["gpu-xl"]),
            "supervisors[1].namespaces[0].vm_classes[0]: VM class 'gpu-xl' not found (known: best-effort-large, best-effort-small)",
        ),
    ],
)
def test_reference_problems_name_their_key_path_and_the_known_names(change, problem):
    assert problem in problems_of(document(change), FakeRest())


def test_a_cluster_needs_drs_and_enough_hosts():
    rest = FakeRest(hosts=2)
    rest.answers["/api/vcenter/cluster"][1]["drs_enabled"] = False

    problems = problems_of(document(), rest)

    assert "supervisors[1].cluster: cluster 'C2' has DRS disabled: Workload Management and the anti-affinity rule need it" in problems
    assert "supervisors[0].cluster: cluster 'C1' has 2 connected hosts, and needs 3 (Workload Management: 3; control_plane.count: one host per VM)" in problems


def test_a_larger_control_plane_needs_as_many_hosts():
    rest = FakeRest(hosts=3)
    problems = problems_of(document(lambda d: d["supervisors"][0].update(control_plane={"count": 5})), rest)

    assert problems == [
        "supervisors[0].cluster: cluster 'C1' has 3 connected hosts, and needs 5 (Workload Management: 3; control_plane.count: one host per VM)"
    ]


def test_the_error_message_lists_every_problem():
    with pytest.raises(TopologyError) as raised:
        validate(document(lambda d: d["supervisors"][0].update(control_plane={"count": 2, "size": "huge"})))

    assert str(raised.value).startswith("Invalid topology (1 problem): supervisors[0].control_plane.size: 'huge'")


# -- vSphere Zones (vCenter 8) ---------------------------------------------------------------

ZONES = [{"name": "zone-a", "cluster": "C2"}, {"name": "zone-b", "cluster": "C3"}, {"name": "zone-c", "cluster": "C4"}]


def zonal(change=None):
    """DOCUMENT with C1's Supervisor and a second one on three zones (C2..C4), changed by ``change(doc)``."""

    def make(doc):
        doc["zones"] = copy.deepcopy(ZONES)
        on_zones = supervisor("C2", namespaces=[{"name": "team-z"}])
        del on_zones["cluster"]
        on_zones["zones"] = ["zone-a", "zone-b", "zone-c"]
        doc["supervisors"][1] = on_zones
        if change:
            change(doc)

    return document(make)


class FakeRest8(FakeRest):
    def __init__(self, version="8.0.3.00000"):
        super().__init__()
        self.version = version
        self.answers["/api/vcenter/cluster"] += [{"cluster": f"domain-c{n}", "name": f"C{n}", "drs_enabled": True} for n in (3, 4)]

    def vcenter_version(self):
        self.gets.append("version")
        return self.version


def test_a_supervisor_on_zones_is_keyed_by_its_first_zones_cluster():
    topology = validate(zonal(), FakeRest8())
    assert topology["supervisors"][1]["cluster"] == "C2"
    assert validate(copy.deepcopy(topology), FakeRest8()) == topology  # validating what validate gave changes nothing
    assert topology["zones"][0] == {"name": "zone-a", "cluster": "C2", "description": "", "protect": False, "adopt": False}


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda d: d["zones"][2].update(cluster="C2"), "zones[2].cluster: cluster 'C2' is held by zone 'zone-a' (zones[0]): a cluster belongs to one zone"),
        (lambda d: d["supervisors"][1].update(zones=["zone-a", "zone-b"]), "supervisors[1].zones: 2 zones given; a Supervisor runs on one zone or on three"),
        (
            lambda d: d["supervisors"][1]["zones"].__setitem__(2, "zone-x"),
            "supervisors[1].zones[2]: zone 'zone-x' is not in zones (declared: zone-a, zone-b, zone-c)",
        ),
        (
            lambda d: d["supervisors"][1].update(cluster="C3"),
            "supervisors[1].cluster: a Supervisor on zones is read through the cluster of its first zone (C2)",
        ),
        (lambda d: d["supervisors"][0].update(cluster="C3"), "supervisors[0].cluster: cluster 'C3' is held by zone 'zone-b' (zones[1])"),
        (lambda d: d["zones"][0].update(name="Zone_A"), "zones[0].name"),
    ],
)
def test_zone_problems_name_their_key_path_before_vcenter_is_asked(change, problem):
    rest = FakeRest8()
    problems = problems_of(zonal(change), rest)
    assert any(found.startswith(problem) for found in problems), problems
    assert rest.gets == []


def test_zones_on_vcenter_7_are_refused_naming_the_release():
    problems = problems_of(zonal(), FakeRest8(version="7.0.3.00300"))
    assert "zones: vSphere Zones need vCenter 8.0 or later; this vCenter is 7.0.3.00300: run each Supervisor on a cluster" in problems


def test_a_zone_cluster_must_exist():
    problems = problems_of(zonal(lambda d: d["zones"][2].update(cluster="C9")), FakeRest8())
    assert "zones[2].cluster: cluster 'C9' not found (known: C1, C2, C3, C4)" in problems


# -- VM classes ------------------------------------------------------------------------------

WORKERS = {"name": "team-a-workers", "cpu_count": 2, "memory_mb": 4096}


def with_workers(d):
    """The document with a class of its own, bound to team-a and used by tkc-a's workers."""
    d["vm_classes"] = [dict(WORKERS)]
    d["supervisors"][0]["namespaces"][0]["vm_classes"].append("team-a-workers")
    d["supervisors"][0]["namespaces"][0]["guest_clusters"][0]["node_pools"][0]["vm_class"] = "team-a-workers"


def test_a_class_of_the_document_is_bound_and_used_without_vcenter_knowing_it_yet():
    rest = FakeRest()
    topology = validate(document(with_workers), rest)

    assert topology["vm_classes"] == [dict(WORKERS, description="", vgpu_profiles=[], protect=False, adopt=False)]
    assert rest.gets.count("/api/vcenter/namespace-management/virtual-machine-classes") == 1  # best-effort-small still checked


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda d: d["vm_classes"][0].update(name="Team_Workers"), "vm_classes[0].name: 'Team_Workers' is not valid: lower-case letters"),
        (lambda d: d["vm_classes"][0].update(cpu_count=0), "vm_classes[0].cpu_count: 0 is less than 1: give 1 to 2147483647"),
        (lambda d: d["vm_classes"][0].update(memory_mb=2050), "vm_classes[0].memory_mb: 2050 is not a VM class memory: a multiple of 4 from 4 to 25165824"),
        (lambda d: d["vm_classes"][0].update(memory_reservation=150), "vm_classes[0].memory_reservation: 150 is more than 100: give 0 to 100"),
        (lambda d: d["vm_classes"][0].pop("memory_mb"), "vm_classes[0].memory_mb: required"),
        (lambda d: d["vm_classes"].append(dict(WORKERS)), "vm_classes[1].name: VM class 'team-a-workers' is already defined at vm_classes[0].name"),
    ],
)
def test_vm_class_problems_name_their_key_path(change, problem):
    assert_problem_after(with_workers, change, problem, FakeRest())


def assert_problem_after(base, change, problem, rest):
    """The document made by ``base`` then ``change`` is refused, one of its problems starting with ``problem``."""
    def changed(d):
        base(d)
        change(d)

    problems = problems_of(document(changed), rest)
    assert any(found.startswith(problem) for found in problems), problems


# -- Supervisor Services --------------------------------------------------------------------------


def carvel(version, service="harbor.tanzu.vmware.com"):
    """A Carvel definition of one version, as vendors ship it: a PackageMetadata and a Package."""
    return (
        f"apiVersion: data.packaging.carvel.dev/v1alpha1\nkind: PackageMetadata\nmetadata:\n  name: {service}\n---\n"
        f"apiVersion: data.packaging.carvel.dev/v1alpha1\nkind: Package\nmetadata:\n  name: {service}.{version}\n"
        f"spec:\n  refName: {service}\n  version: {version}\n"
    )


HARBOR = {
    "name": "harbor.tanzu.vmware.com",
    "version": "2.9.1",
    "values": {"hostname": "harbor.example.com", "tls": {"enabled": True}},
    "secret_values": {"harborAdminPassword": {"var": "vault_harbor_password"}},
}


def with_harbor(d):
    """The document registering Harbor 2.9.1 and 2.10.0, and running 2.9.1 on C1 with a secret value."""
    d["supervisor_services"] = [{"name": "harbor.tanzu.vmware.com", "definitions": [carvel("2.9.1"), carvel("2.10.0")]}]
    d["supervisors"][0]["services"] = [copy.deepcopy(HARBOR)]


def test_a_service_is_registered_and_installed_with_its_values_kept_whole_and_its_secret_as_a_reference():
    rest = FakeRest8()
    topology = validate(document(with_harbor), rest)

    assert topology["supervisor_services"][0]["protect"] is False
    assert topology["supervisors"][0]["services"] == [dict(HARBOR, wait_timeout=600)]  # free-form values kept, nested keys included
    assert topology["supervisors"][1]["services"] == []
    assert {"path": "supervisors[0].services[0].secret_values.harborAdminPassword", "var": "vault_harbor_password"} in secret_references(topology)
    assert rest.gets.count("version") == 1


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda d: d["supervisors"][0]["services"][0].update(version="3.0.0"),
         "supervisors[0].services[0].version: '3.0.0' is not a version of Supervisor Service 'harbor.tanzu.vmware.com'"
         " (its definitions in supervisor_services: 2.9.1, 2.10.0)"),
        (lambda d: d["supervisor_services"][0]["definitions"].append("kind: ["), "supervisor_services[0].definitions[2]: not YAML"),
        (lambda d: d["supervisor_services"][0]["definitions"].append("apiVersion: v1\nkind: ConfigMap\n"),
         "supervisor_services[0].definitions[2]: a Supervisor Service definition declares one PackageMetadata and one Package"),
        (lambda d: d["supervisor_services"][0]["definitions"].append(carvel("1.0.0", "contour.tanzu.vmware.com")),
         "supervisor_services[0].definitions[2]: defines Supervisor Service 'contour.tanzu.vmware.com', not 'harbor.tanzu.vmware.com'"),
        (lambda d: d["supervisor_services"][0]["definitions"].append(carvel("2.9.1")),
         "supervisor_services[0].definitions[2]: version 2.9.1 is already defined at supervisor_services[0].definitions[0]"),
        (lambda d: d["supervisor_services"][0].update(definitions=[]), "supervisor_services[0].definitions: needs at least 1 item"),
        (lambda d: d["supervisors"][0]["services"].append(copy.deepcopy(HARBOR)),
         "supervisors[0].services[1].name: Supervisor Service 'harbor.tanzu.vmware.com' is already defined at supervisors[0].services[0].name"),
        (lambda d: d["supervisors"][0]["services"][0]["values"].update(harborAdminPassword="plain"),
         "supervisors[0].services[0].secret_values.harborAdminPassword: also given in values: give each value once"),
        (lambda d: d["supervisors"][0]["services"][0]["secret_values"].update(token="plain"),
         "supervisors[0].services[0].secret_values.token: give a reference, {env: NAME}"),
    ],
)
def test_supervisor_service_problems_name_their_key_path(change, problem):
    assert_problem_after(with_harbor, change, problem, FakeRest8())


def test_a_malformed_definition_is_named_once_not_again_by_the_install_of_its_service():
    def broken(d):
        with_harbor(d)
        d["supervisor_services"][0]["definitions"] = ["kind: Package\n"]

    problems = problems_of(document(broken), FakeRest8())
    assert [problem for problem in problems if "harbor" in problem or "definitions" in problem] == [
        "supervisor_services[0].definitions[0]: a Supervisor Service definition declares one PackageMetadata and one Package"
        " (data.packaging.carvel.dev/v1alpha1), found 0 and 0"
    ]


def test_supervisor_services_on_vcenter_7_are_refused_naming_the_key():
    problems = problems_of(document(with_harbor), FakeRest8(version="7.0.3.00300"))
    assert "supervisor_services: Supervisor Services from Carvel definitions need vCenter 8.0 or later; this vCenter is 7.0.3.00300" in problems
