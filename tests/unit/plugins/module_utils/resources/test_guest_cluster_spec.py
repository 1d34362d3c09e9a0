"""The guest cluster input: checked before anything is sent, and turned into template variables."""

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.guest_cluster_spec import GuestClusterSpec
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.tanzu_releases import Release

CONTROL_PLANE = {"vm_class": "best-effort-small", "storage_class": "gold"}
RELEASE = Release(name="v1.27.11---vmware.1-fips.1-tkg.2", version="v1.27.11+vmware.1-fips.1-tkg.2")
DEFINITION = {"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "Cluster", "metadata": {"name": "cc-01", "namespace": "team-a"}, "spec": {}}


def spec(**options):
    return GuestClusterSpec(**{"name": "tkc-01", "namespace": "team-a", **options})


def view(**fields):
    """A cluster view as manifests.view_of returns it, with nothing set but ``fields``."""
    base = {
        "kubernetes_version": None,
        "control_plane": {"replicas": None, "vm_class": None, "storage_class": None},
        "node_pools": None,
        "pods_cidr": None,
        "services_cidr": None,
        "service_domain": None,
        "storage_classes": None,
    }
    return {**base, **fields}


def problems_of(guest_cluster_spec):
    with pytest.raises(InvalidArgumentError) as caught:
        guest_cluster_spec.validate()
    return caught.value.message


@pytest.mark.parametrize(
    "options, problem",
    [
        (dict(name="Team_A"), "name 'Team_A' is not a valid cluster name: use at most 63 lower-case letters"),
        (dict(name="1tkc"), "name '1tkc' is not a valid cluster name"),
        (dict(name="t" * 64), "is not a valid cluster name"),
        (dict(namespace=None), "namespace is required"),
        (dict(control_plane={"replicas": 2}), "control_plane.replicas 2 is not 1 or 3"),
        (dict(node_pools=[{"name": "a"}, {"name": "a"}]), "node_pools names 'a' twice"),
        (dict(node_pools=[{"name": "A_b"}]), "node_pools[0].name 'A_b' is not a DNS label"),
        (dict(node_pools=[{"name": "a", "replicas": -1}]), "node_pools[0].replicas: -1 is out of range: give a number of nodes, from 0 to 2147483647"),
        (dict(node_pools=[{"name": "a", "replicas": 2**31}]), "node_pools[0].replicas: 2147483648 is out of range"),
        (dict(node_pools=[{"name": "a", "labels": {"tier": True}}]), "the value of 'tier' is not a string (True): quote it"),
        (dict(node_pools=[{"name": "a", "labels": {"bad key!": "x"}}]), "'bad key!' is not a label key"),
        (dict(pods_cidr="10.0.0.1/8"), "pods_cidr '10.0.0.1/8' is not a CIDR block"),
        (dict(pods_cidr="10.0.0.0/8", services_cidr="10.96.0.0/12"), "overlap: give disjoint blocks"),
        (dict(service_domain="Cluster Local"), "service_domain 'Cluster Local' is not a DNS domain"),
        (dict(kubernetes_version=" "), "kubernetes_version is empty"),
        (dict(state="gone"), "state 'gone' is not one of present, absent"),
        (dict(wait_timeout=-1), "wait_timeout: -1 is out of range: give seconds, from 0 to 86400"),
        (dict(wait_timeout=86401), "wait_timeout: 86401 is out of range"),
    ],
)
def test_each_problem_names_the_option_and_what_is_allowed(options, problem):
    message = problems_of(spec(**options))

    assert problem in message


def test_every_problem_is_reported_at_once():
    message = problems_of(spec(name="Bad", control_plane={"replicas": 5}, pods_cidr="x"))

    assert message.count(";") == 2


def test_a_definition_comes_alone_and_names_a_served_kind():
    assert problems_of(GuestClusterSpec(definition=DEFINITION, control_plane=CONTROL_PLANE)).endswith("definition is used as it is: leave out control_plane")
    assert "definition is apps/v1 Deployment: give one of run.tanzu.vmware.com/v1alpha3 TanzuKubernetesCluster" in problems_of(
        GuestClusterSpec(definition={**DEFINITION, "apiVersion": "apps/v1", "kind": "Deployment"})
    )
    assert "name 'other' does not match the definition's metadata.name 'cc-01'" in problems_of(GuestClusterSpec(definition=DEFINITION, name="other"))
    assert "api 'tkc' does not match the definition's kind Cluster" in problems_of(GuestClusterSpec(definition=DEFINITION, api="tkc"))


def test_a_definition_gives_the_api_name_and_namespace():
    definition_spec = GuestClusterSpec(definition=DEFINITION)

    definition_spec.validate()
    assert (definition_spec.effective_api, definition_spec.cluster_namespace, definition_spec.cluster_name) == ("cluster", "team-a", "cc-01")


def test_a_new_cluster_gets_defaults_for_what_is_not_set():
    variables = spec(control_plane=CONTROL_PLANE, node_pools=[{"name": "workers"}]).template_variables({}, None, RELEASE)

    assert variables["control_plane"] == {"replicas": 1, **CONTROL_PLANE}
    assert variables["node_pools"] == [
        {"name": "workers", "replicas": 1, "vm_class": "best-effort-small", "storage_class": "gold", "labels": None, "failure_domain": None}
    ]
    assert variables["release"] == {"name": RELEASE.name, "version": RELEASE.version}
    assert variables["pods_cidr"] is None


def test_a_new_cluster_api_cluster_gets_vsphere_network_defaults():
    variables = spec(api="cluster", control_plane=CONTROL_PLANE).template_variables({}, None, RELEASE)

    assert (variables["pods_cidr"], variables["services_cidr"], variables["service_domain"]) == ("192.168.0.0/16", "10.96.0.0/12", "cluster.local")


def test_a_new_cluster_needs_its_vm_and_storage_class():
    with pytest.raises(InvalidArgumentError) as caught:
        spec().template_variables({}, None, RELEASE)

    assert "control_plane.vm_class is required to create it; control_plane.storage_class is required to create it" in caught.value.message


def test_options_left_out_keep_what_was_applied_and_leave_the_rest_alone():
    owned = view(
        kubernetes_version=RELEASE.name,
        control_plane={"replicas": 1, **CONTROL_PLANE},
        node_pools=[{"name": "workers", "replicas": 1, "vm_class": "best-effort-small", "storage_class": "gold", "labels": {"tier": "web"}}],
    )
    current = view(control_plane={"replicas": 1, **CONTROL_PLANE}, node_pools=owned["node_pools"], pods_cidr="192.168.0.0/16")

    variables = spec(node_pools=[{"name": "workers", "replicas": 3}]).template_variables(owned, current, RELEASE)

    assert variables["control_plane"] == {"replicas": 1, **CONTROL_PLANE}
    assert variables["node_pools"] == [
        {"name": "workers", "replicas": 3, "vm_class": "best-effort-small", "storage_class": "gold", "labels": {"tier": "web"}, "failure_domain": None}
    ]
    # Defaulted by the Supervisor, never applied here: not taken over.
    assert variables["pods_cidr"] is None


def test_a_pool_listed_but_never_applied_keeps_its_live_size():
    current = view(
        control_plane={"replicas": 1, **CONTROL_PLANE},
        node_pools=[{"name": "theirs", "replicas": 5, "vm_class": "big", "storage_class": "gold", "labels": None}],
    )

    variables = spec(node_pools=[{"name": "theirs"}]).template_variables(view(), current, None)

    assert variables["node_pools"][0]["replicas"] == 5 and variables["node_pools"][0]["vm_class"] == "big"


def test_an_existing_cluster_cannot_scale_its_control_plane_in_or_change_its_network():
    current = view(control_plane={"replicas": 3, **CONTROL_PLANE}, pods_cidr="192.168.0.0/16")

    with pytest.raises(InvalidArgumentError) as caught:
        spec(control_plane={"replicas": 1}, pods_cidr="172.16.0.0/16").template_variables(view(), current, None)

    message = caught.value.message
    assert "control_plane.replicas 1: the control plane has 3 nodes, and vSphere cannot scale a control plane in" in message
    assert "pods_cidr '172.16.0.0/16': the cluster has '192.168.0.0/16', which cannot change once it is created" in message
