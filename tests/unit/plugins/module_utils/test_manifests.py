"""The built-in manifests: their shape, their validity against the CRD schemas the Supervisor serves, and reading them back."""

import copy

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.manifests import render, render_file, view_of, without_unset
from ansible_collections.pacific.vsphere.tests.unit.plugins.module_utils.lab_schemas import crd_schema, lab_schema_module

RELEASE = {"name": "v1.27.11---vmware.1-fips.1-tkg.2", "version": "v1.27.11+vmware.1-fips.1-tkg.2"}
VARIABLES = {
    "name": "tkc-01",
    "namespace": "team-a",
    "release": RELEASE,
    "control_plane": {"replicas": 3, "vm_class": "best-effort-small", "storage_class": "gold"},
    "node_pools": [
        {
            "name": "workers",
            "replicas": 2,
            "vm_class": "best-effort-medium",
            "storage_class": "gold",
            "labels": {"tier": "web", "env": "prod"},
            "failure_domain": None,
        },
        {"name": "batch", "replicas": 0, "vm_class": "best-effort-small", "storage_class": "silver", "labels": None, "failure_domain": None},
    ],
    "pods_cidr": "192.168.0.0/16",
    "services_cidr": "10.96.0.0/12",
    "service_domain": "cluster.local",
    "storage_classes": ["gold", "silver"],
}
# What an update that names only the control plane size renders: the rest is left to server-side apply.
ONLY_REPLICAS = {
    "name": "tkc-01",
    "namespace": "team-a",
    "release": None,
    "control_plane": {"replicas": 3, "vm_class": None, "storage_class": None},
    "node_pools": None,
    "pods_cidr": None,
    "services_cidr": None,
    "service_domain": None,
    "storage_classes": None,
}


def test_the_tanzu_kubernetes_cluster_names_the_release_in_the_control_plane_and_every_pool():
    manifest = render("tkc", VARIABLES)

    assert manifest["apiVersion"] == "run.tanzu.vmware.com/v1alpha3" and manifest["kind"] == "TanzuKubernetesCluster"
    assert manifest["metadata"] == {"name": "tkc-01", "namespace": "team-a"}
    topology = manifest["spec"]["topology"]
    assert topology["controlPlane"] == {"replicas": 3, "vmClass": "best-effort-small", "storageClass": "gold", "tkr": {"reference": {"name": RELEASE["name"]}}}
    assert topology["nodePools"][0] == {
        "name": "workers",
        "replicas": 2,
        "vmClass": "best-effort-medium",
        "storageClass": "gold",
        "labels": {"tier": "web", "env": "prod"},
        "tkr": {"reference": {"name": RELEASE["name"]}},
    }
    assert "labels" not in topology["nodePools"][1] and topology["nodePools"][1]["replicas"] == 0
    assert manifest["spec"]["settings"] == {
        "network": {"pods": {"cidrBlocks": ["192.168.0.0/16"]}, "services": {"cidrBlocks": ["10.96.0.0/12"]}, "serviceDomain": "cluster.local"},
        "storage": {"classes": ["gold", "silver"]},
    }


def test_the_cluster_uses_the_class_variables_and_per_pool_overrides():
    manifest = render("cluster", VARIABLES)

    assert manifest["apiVersion"] == "cluster.x-k8s.io/v1beta1" and manifest["kind"] == "Cluster"
    spec = manifest["spec"]
    assert spec["clusterNetwork"] == {
        "pods": {"cidrBlocks": ["192.168.0.0/16"]},
        "services": {"cidrBlocks": ["10.96.0.0/12"]},
        "serviceDomain": "cluster.local",
    }
    topology = spec["topology"]
    assert (topology["class"], topology["version"], topology["controlPlane"]) == ("tanzukubernetescluster", RELEASE["version"], {"replicas": 3})
    assert topology["variables"] == [
        {"name": "vmClass", "value": "best-effort-small"},
        {"name": "storageClass", "value": "gold"},
        {"name": "storageClasses", "value": ["gold", "silver"]},
    ]
    workers = topology["workers"]["machineDeployments"]
    assert workers[0] == {
        "class": "node-pool",
        "name": "workers",
        "replicas": 2,
        "variables": {
            "overrides": [
                {"name": "vmClass", "value": "best-effort-medium"},
                {"name": "storageClass", "value": "gold"},
                {"name": "nodePoolLabels", "value": [{"key": "env", "value": "prod"}, {"key": "tier", "value": "web"}]},
            ]
        },
    }
    assert [override["name"] for override in workers[1]["variables"]["overrides"]] == ["vmClass", "storageClass"]


@pytest.mark.parametrize("api", ["tkc", "cluster"])
def test_options_not_set_are_left_out(api):
    manifest = render(api, ONLY_REPLICAS)

    spec = manifest["spec"]
    if api == "tkc":
        assert spec == {"topology": {"controlPlane": {"replicas": 3}}}
    else:
        assert spec == {"topology": {"class": "tanzukubernetescluster", "controlPlane": {"replicas": 3}}}


@pytest.mark.parametrize("api", ["tkc", "cluster"])
def test_a_manifest_reads_back_as_the_options_it_was_rendered_from(api):
    view = view_of(render(api, VARIABLES)["kind"], render(api, VARIABLES))

    assert view["kubernetes_version"] == (RELEASE["name"] if api == "tkc" else RELEASE["version"])
    assert view["control_plane"] == VARIABLES["control_plane"]
    assert view["node_pools"] == VARIABLES["node_pools"]
    assert {option: view[option] for option in ("pods_cidr", "services_cidr", "service_domain", "storage_classes")} == {
        option: VARIABLES[option] for option in ("pods_cidr", "services_cidr", "service_domain", "storage_classes")
    }


def test_a_cluster_pool_without_overrides_inherits_the_cluster_classes_unless_asked_for_its_own():
    cluster = render("cluster", {**VARIABLES, "node_pools": [{"name": "workers", "replicas": 1, "vm_class": None, "storage_class": None, "labels": None}]})

    assert view_of("Cluster", cluster)["node_pools"][0]["vm_class"] == "best-effort-small"
    assert view_of("Cluster", cluster, inherit=False)["node_pools"][0]["vm_class"] is None


@pytest.mark.parametrize(
    "api, crd, version",
    [("tkc", "run.tanzu.vmware.com_tanzukubernetesclusters.yaml", "v1alpha3"), ("cluster", "cluster.x-k8s.io_clusters.yaml", "v1beta1")],
)
@pytest.mark.parametrize("variables", [VARIABLES, {**VARIABLES, "node_pools": None, "storage_classes": None, "pods_cidr": None}], ids=["full", "minimal"])
def test_rendered_manifests_validate_against_the_crd_schemas(api, crd, version, variables):
    schema_module = lab_schema_module()
    schema = crd_schema(crd, version)
    manifest = copy.deepcopy(render(api, variables))

    unknown = schema_module.prune(manifest, schema)
    causes = schema_module.validate(manifest, schema)

    assert unknown == []
    assert [f"{cause.field}: {cause.message}" for cause in causes] == []
    assert manifest == render(api, variables), "pruning dropped something"


def test_a_user_template_gets_the_same_variables(tmp_path):
    template = tmp_path / "tkc.yaml.j2"
    template.write_text(
        "apiVersion: run.tanzu.vmware.com/v1alpha3\nkind: TanzuKubernetesCluster\nmetadata: {name: {{ name }}, namespace: {{ namespace }}}\n"
        "spec:\n  topology:\n    controlPlane: {replicas: {{ control_plane.replicas }}, vmClass: {{ control_plane.vm_class | tojson }}}\n"
        "  settings: {network: {proxy: null}}\n"
    )

    manifest = render_file(str(template), ONLY_REPLICAS)

    assert manifest["spec"] == {"topology": {"controlPlane": {"replicas": 3}}}


@pytest.mark.parametrize(
    "text, problem",
    [
        ("name: {{ no_such_variable }}", "cannot be rendered (line 1): 'no_such_variable' is undefined"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "cannot be rendered"),
        ("- a\n- b\n", "renders list, not one manifest"),
        ("a: [b\n", "does not render YAML"),
    ],
)
def test_a_broken_user_template_fails_naming_the_file(tmp_path, text, problem):
    template = tmp_path / "broken.j2"
    template.write_text(text)

    with pytest.raises(InvalidArgumentError) as caught:
        render_file(str(template), ONLY_REPLICAS)

    assert caught.value.message.startswith(f"template '{template}'")
    assert problem in caught.value.message


def test_a_missing_template_file_says_where_it_is_looked_for(tmp_path):
    with pytest.raises(InvalidArgumentError) as caught:
        render_file(str(tmp_path / "nope.j2"), ONLY_REPLICAS)

    assert "on the host that runs the module" in caught.value.message


def test_without_unset_drops_nulls_and_emptied_mappings_but_keeps_lists():
    assert without_unset({"a": None, "b": {"c": None}, "d": [], "e": {"f": 0, "g": {}}, "h": [{"i": None}]}) == {"d": [], "e": {"f": 0}, "h": [{}]}
