"""The lab's tagging service answers as vCenter 7.0 U3's `/api/cis/tagging` does:
operations, bodies and answers checked against reference/tagging.json (the
vSphere Automation API docs), through `requests` only."""

import json
import uuid
from pathlib import Path

import pytest
from rest_support import Rest, clusters, control, error_fields, fast_lab, rest  # noqa: F401 (fixtures)

REFERENCE = json.loads((Path(__file__).parent / "reference" / "tagging.json").read_text())
STRUCTURES = REFERENCE["structures"]
TAGGING = "/api/cis/tagging"


def _category_spec(**changes):
    spec = {"name": f"lab-{uuid.uuid4().hex[:8]}", "description": "lab test", "cardinality": "MULTIPLE",
            "associable_types": ["ClusterComputeResource"]}
    spec.update(changes)
    return spec


def _create(rest, path, spec):  # noqa: F811
    response = rest.request("POST", f"{TAGGING}/{path}", json=spec)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture()
def category(rest):  # noqa: F811
    category_id = _create(rest, "category", _category_spec())
    yield category_id
    rest.request("DELETE", f"{TAGGING}/category/{category_id}")


@pytest.fixture()
def tag(rest, category):  # noqa: F811
    return _create(rest, "tag", {"name": "owned", "description": "", "category_id": category})


def _action(rest, path, action, body=None, status=200):  # noqa: F811
    response = rest.request("POST", f"{TAGGING}/{path}", params={"action": action}, json=body)
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def test_every_documented_operation_is_served(rest, tag):  # noqa: F811
    ids = {"category_id": rest.get(f"{TAGGING}/tag/{tag}")["category_id"], "tag_id": tag}
    for method, template, action in REFERENCE["operations"]:
        if method == "DELETE" or (method, action) == ("POST", None):
            continue  # creates and deletes are exercised below
        path = template.format(**ids)
        response = rest.request(method, path, params={"action": action} if action else None, json={})
        # A route the lab does not know answers vCenter's plain 404 "Not found."; a known one checks its body.
        assert response.status_code != 404 or response.json()["messages"][0]["id"] != "com.vmware.vapi.rest.httpNotFound", path


def test_models_carry_the_documented_fields(rest, tag):  # noqa: F811
    tag_model = rest.get(f"{TAGGING}/tag/{tag}")
    category_model = rest.get(f"{TAGGING}/category/{tag_model['category_id']}")
    assert set(tag_model) == set(STRUCTURES["TagModel"]["fields"])
    assert set(category_model) == set(STRUCTURES["CategoryModel"]["fields"])
    assert tag in rest.get(f"{TAGGING}/tag") and category_model["id"] in rest.get(f"{TAGGING}/category")
    assert _action(rest, "tag", "list-tags-for-category", {"category_id": category_model["id"]}) == [tag]


@pytest.mark.parametrize("structure,path", [("Category.CreateSpec", "category")])
def test_each_required_field_is_required_and_typed(rest, structure, path):  # noqa: F811
    spec = _category_spec()
    for name, field in STRUCTURES[structure]["fields"].items():
        if field["required"]:
            missing = {key: value for key, value in spec.items() if key != name}
            response = rest.request("POST", f"{TAGGING}/{path}", json=missing)
            assert response.status_code == 400 and f"spec.{name}" in error_fields(response), name
    response = rest.request("POST", f"{TAGGING}/{path}", json=dict(spec, cardinality="SOME"))
    assert "spec.cardinality" in error_fields(response)
    response = rest.request("POST", f"{TAGGING}/{path}", json=dict(spec, colour="red"))
    assert "spec.colour" in error_fields(response)


def test_names_are_unique_so_a_create_is_a_test_and_set(rest, category):  # noqa: F811
    spec = {"name": "lock", "description": "holder A", "category_id": category}
    _create(rest, "tag", spec)
    again = rest.request("POST", f"{TAGGING}/tag", json=dict(spec, description="holder B"))
    assert again.status_code == 400 and again.json()["error_type"] == "ALREADY_EXISTS"
    name = rest.get(f"{TAGGING}/category/{category}")["name"]
    twin = rest.request("POST", f"{TAGGING}/category", json=_category_spec(name=name))
    assert twin.json()["error_type"] == "ALREADY_EXISTS"


def test_a_create_may_name_its_id_and_that_id_is_taken_once(rest, category):  # noqa: F811
    tag_id = f"urn:vmomi:InventoryServiceTag:{uuid.uuid4()}:GLOBAL"
    assert _create(rest, "tag", {"name": "a", "description": "", "category_id": category, "tag_id": tag_id}) == tag_id
    again = rest.request("POST", f"{TAGGING}/tag", json={"name": "b", "description": "", "category_id": category,
                                                          "tag_id": tag_id})
    assert again.json()["error_type"] == "ALREADY_EXISTS"
    bad = rest.request("POST", f"{TAGGING}/tag", json={"name": "c", "description": "", "category_id": category,
                                                        "tag_id": "mine"})
    assert "spec.tag_id" in error_fields(bad)
    unknown = rest.request("POST", f"{TAGGING}/tag", json={"name": "d", "description": "",
                                                            "category_id": "urn:vmomi:InventoryServiceCategory:x"})
    assert unknown.status_code == 404


def test_attach_list_and_detach(rest, tag):  # noqa: F811
    cluster = {"type": "ClusterComputeResource", "id": clusters(rest)[0]["cluster"]}
    namespace = {"type": "com.vmware.vcenter.namespaces.Instance", "id": "team-x"}
    _action(rest, f"tag-association/{tag}", "attach", {"object_id": cluster}, status=204)
    _action(rest, f"tag-association/{tag}", "attach", {"object_id": cluster}, status=204)  # a no-op
    result = _action(rest, f"tag-association/{tag}", "attach-tag-to-multiple-objects", {"object_ids": [namespace]})
    assert result == {"success": True, "error_messages": []}
    assert _action(rest, f"tag-association/{tag}", "list-attached-objects") == [cluster, namespace]
    assert _action(rest, "tag-association", "list-attached-tags", {"object_id": namespace}) == [tag]
    assert _action(rest, "tag-association", "list-attached-objects-on-tags", {"tag_ids": [tag]}) == [
        {"tag_id": tag, "object_ids": [cluster, namespace]}]
    assert _action(rest, "tag-association", "list-attached-tags-on-objects", {"object_ids": [cluster]}) == [
        {"object_id": cluster, "tag_ids": [tag]}]
    _action(rest, f"tag-association/{tag}", "detach", {"object_id": cluster}, status=204)
    _action(rest, f"tag-association/{tag}", "detach", {"object_id": cluster}, status=204)  # a no-op
    assert _action(rest, f"tag-association/{tag}", "list-attached-objects") == [namespace]


def test_associable_types_and_cardinality_are_enforced(rest, tag):  # noqa: F811
    host = {"type": "HostSystem", "id": "host-1"}
    response = rest.request("POST", f"{TAGGING}/tag-association/{tag}", params={"action": "attach"},
                            json={"object_id": host})
    assert response.json()["error_type"] == "INVALID_ARGUMENT"
    single = _create(rest, "category", _category_spec(cardinality="SINGLE", associable_types=[]))
    first, second = (_create(rest, "tag", {"name": name, "description": "", "category_id": single})
                     for name in ("first", "second"))
    _action(rest, f"tag-association/{first}", "attach", {"object_id": host}, status=204)
    response = rest.request("POST", f"{TAGGING}/tag-association/{second}", params={"action": "attach"},
                            json={"object_id": host})
    assert response.json()["error_type"] == "INVALID_ARGUMENT"
    rest.ok("DELETE", f"{TAGGING}/category/{single}")
    assert rest.request("GET", f"{TAGGING}/tag/{first}").status_code == 404  # its tags went with it


def test_updates_follow_the_documented_rules(rest, category):  # noqa: F811
    rest.ok("PATCH", f"{TAGGING}/category/{category}", json={"description": "changed",
                                                             "associable_types": ["ClusterComputeResource", "HostSystem"]})
    narrowed = rest.request("PATCH", f"{TAGGING}/category/{category}", json={"associable_types": ["HostSystem"]})
    assert "spec.associable_types" in error_fields(narrowed)
    single = rest.request("PATCH", f"{TAGGING}/category/{category}", json={"cardinality": "SINGLE"})
    assert "spec.cardinality" in error_fields(single)
    assert rest.get(f"{TAGGING}/category/{category}")["description"] == "changed"


def test_tags_need_a_session(lab, rest):  # noqa: F811
    anonymous = Rest(lab, login=False)
    assert anonymous.request("GET", f"{TAGGING}/tag").status_code == 401


def test_many_tags_attach_to_and_detach_from_one_object_in_one_call(rest, tag, category):  # noqa: F811
    other = _create(rest, "tag", {"name": "other", "description": "", "category_id": category})
    cluster = {"type": "ClusterComputeResource", "id": clusters(rest)[0]["cluster"]}
    assert _action(rest, "tag-association", "attach-multiple-tags-to-object",
                   {"object_id": cluster, "tag_ids": [tag, other]})["success"]
    assert sorted(_action(rest, "tag-association", "list-attached-tags", {"object_id": cluster})) == sorted([tag, other])
    missing = f"urn:vmomi:InventoryServiceTag:{uuid.uuid4()}:GLOBAL"
    result = _action(rest, "tag-association", "detach-multiple-tags-from-object",
                     {"object_id": cluster, "tag_ids": [tag, other, missing]})
    assert result["success"] is False and len(result["error_messages"]) == 1  # the unknown tag, and only it
    assert _action(rest, "tag-association", "list-attached-tags", {"object_id": cluster}) == []
