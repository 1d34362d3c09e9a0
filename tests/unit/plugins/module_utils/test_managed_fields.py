"""What a field manager owns of a live object, whether an apply could change it, and the reasons of a change."""

import copy

from ansible_collections.pacific.vsphere.plugins.module_utils.managed_fields import changes, needs_apply, owned_configuration, ownership_changes, tracked

API_VERSION = "run.tanzu.vmware.com/v1alpha3"
MANIFEST = {
    "apiVersion": API_VERSION,
    "kind": "TanzuKubernetesCluster",
    "metadata": {"name": "tkc-01", "namespace": "team-a"},
    "spec": {
        "topology": {
            "controlPlane": {"replicas": 1, "vmClass": "small"},
            "nodePools": [{"name": "a", "replicas": 1, "labels": {"tier": "web"}}, {"name": "b", "replicas": 2}],
        }
    },
}
# FieldsV1 of MANIFEST as the API server records it for the applier.
PACIFIC_FIELDS = {
    "f:spec": {
        "f:topology": {
            "f:controlPlane": {"f:replicas": {}, "f:vmClass": {}},
            "f:nodePools": {
                'k:{"name":"a"}': {".": {}, "f:name": {}, "f:replicas": {}, "f:labels": {"f:tier": {}}},
                'k:{"name":"b"}': {".": {}, "f:name": {}, "f:replicas": {}},
            },
        }
    }
}


def live(fields=None, **spec_changes):
    """MANIFEST as stored: server metadata, a finalizer and a field of the controller's, a status."""
    fields = PACIFIC_FIELDS if fields is None else fields
    obj = copy.deepcopy(MANIFEST)
    obj["metadata"].update(
        resourceVersion="42",
        generation=3,
        uid="u-1",
        finalizers=["tanzukubernetescluster.run.tanzu.vmware.com"],
        managedFields=[
            {
                "manager": "pacific",
                "operation": "Apply",
                "apiVersion": API_VERSION,
                "time": "2025-01-01T00:00:00Z",
                "fieldsType": "FieldsV1",
                "fieldsV1": fields,
            },
            {"manager": "tkg-controller", "operation": "Update", "apiVersion": API_VERSION, "fieldsV1": {"f:metadata": {"f:finalizers": {}}}},
            {"manager": "tkg-controller", "operation": "Update", "apiVersion": API_VERSION, "subresource": "status", "fieldsV1": {"f:status": {}}},
        ],
    )
    obj["spec"]["topology"]["controlPlane"]["tkr"] = {"reference": {"name": "defaulted-by-webhook"}}
    obj["spec"]["topology"].update(spec_changes)
    obj["status"] = {"phase": "running"}
    return obj


def test_what_the_manager_applied_is_cut_out_of_the_live_object():
    assert owned_configuration(live(), "pacific") == tracked(MANIFEST)
    assert owned_configuration(live(), "someone-else") == {}
    assert owned_configuration(None, "pacific") == {}


def test_the_same_manifest_again_needs_no_apply():
    assert not needs_apply(MANIFEST, live(), "pacific")


def test_pools_in_another_order_need_no_apply_since_keyed_lists_are_matched_by_key():
    reordered = copy.deepcopy(MANIFEST)
    reordered["spec"]["topology"]["nodePools"].reverse()

    assert not needs_apply(reordered, live(), "pacific")


def test_a_changed_value_needs_an_apply():
    scaled = copy.deepcopy(MANIFEST)
    scaled["spec"]["topology"]["nodePools"][0]["replicas"] = 3

    assert needs_apply(scaled, live(), "pacific")


def test_a_field_no_longer_applied_needs_an_apply_that_removes_it():
    fewer = copy.deepcopy(MANIFEST)
    del fewer["spec"]["topology"]["nodePools"][0]["labels"]

    assert needs_apply(fewer, live(), "pacific")


def test_a_field_someone_else_took_over_needs_an_apply():
    fields = copy.deepcopy(PACIFIC_FIELDS)
    del fields["f:spec"]["f:topology"]["f:controlPlane"]["f:replicas"]

    assert needs_apply(MANIFEST, live(fields), "pacific")


def test_a_new_object_an_object_never_applied_and_another_api_version_need_an_apply():
    assert needs_apply(MANIFEST, None, "pacific")
    assert needs_apply(MANIFEST, live(), "someone-else")
    assert needs_apply({**MANIFEST, "apiVersion": "run.tanzu.vmware.com/v1alpha2"}, live(), "pacific")


def test_set_members_are_kept_and_compared_as_sets():
    manifest = {"apiVersion": "v1", "kind": "X", "metadata": {"name": "x", "finalizers": ["a", "b"]}}
    obj = {
        "apiVersion": "v1",
        "kind": "X",
        "metadata": {
            "name": "x",
            "finalizers": ["b", "a", "c"],
            "managedFields": [
                {"manager": "m", "operation": "Apply", "apiVersion": "v1", "fieldsV1": {"f:metadata": {"f:finalizers": {'v:"a"': {}, 'v:"b"': {}}}}}
            ],
        },
    }

    assert owned_configuration(obj, "m") == {"metadata": {"finalizers": ["b", "a"]}}
    assert not needs_apply(manifest, obj, "m")


def test_ownership_changes_compare_the_managers_fields():
    fields = copy.deepcopy(PACIFIC_FIELDS)
    fields["f:spec"]["f:topology"]["f:controlPlane"]["f:storageClass"] = {}

    assert not ownership_changes(live(), live(), "pacific")
    assert ownership_changes(live(), live(fields), "pacific")
    assert ownership_changes(None, live(), "pacific")


def test_changes_name_each_leaf_and_match_named_items_by_name():
    before = tracked(live())
    after = copy.deepcopy(before)
    after["spec"]["topology"]["nodePools"][1]["replicas"] = 3
    after["spec"]["topology"]["nodePools"].append({"name": "c", "replicas": 1})
    after["spec"]["topology"]["controlPlane"]["tkr"]["reference"]["name"] = "v2"

    assert changes(before, after) == [
        'spec.topology.controlPlane.tkr.reference.name: "defaulted-by-webhook" -> "v2"',
        "spec.topology.nodePools[b].replicas: 2 -> 3",
        'spec.topology.nodePools[c]: (none) -> {"name":"c","replicas":1}',
    ]


def test_tracked_leaves_out_what_the_server_owns():
    assert tracked(live()) == {
        "metadata": {"finalizers": ["tanzukubernetescluster.run.tanzu.vmware.com"]},
        "spec": live()["spec"],
    }
