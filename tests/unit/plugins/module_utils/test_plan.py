"""The plan item: actions derived from before/after, reasons, and Ansible's diff."""

import json

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import (
    CREATE,
    DELETE,
    KNOWN_AFTER_APPLY,
    NONE,
    REPLACE,
    UPDATE,
    Plan,
    PlanItem,
    changed_fields,
    is_known_after_apply,
    plan_diff,
    plan_item,
    stale_addresses,
    version_digest,
)


def test_an_object_that_appears_is_created():
    item = plan_item("vm/cp-1", None, {"host": "H0"})

    assert (item.action, item.changed) == (CREATE, True)


def test_an_object_that_goes_away_is_deleted():
    assert plan_item("vm/cp-1", {"host": "H0"}, None).action == DELETE


def test_an_object_that_stays_changes_only_with_reasons():
    assert plan_item("vm/cp-1", {"host": "H0"}, {"host": "H1"}, ["move"]).action == UPDATE
    unchanged = plan_item("vm/cp-1", {"host": "H0"}, {"host": "H0"})
    assert (unchanged.action, unchanged.changed) == (NONE, False)


def test_nothing_before_and_after_is_nothing_to_do():
    assert plan_item("vm/cp-1", None, None).action == NONE


def test_reasons_name_the_fields_that_differ():
    before = {"enabled": False, "mandatory": True, "members": ["a", "b"]}
    after = {"enabled": True, "mandatory": True, "members": ["a", "b", "c"]}

    assert changed_fields(before, after, ("enabled", "mandatory", "members")) == [
        "enabled: False -> True",
        "members: ['a', 'b'] -> ['a', 'b', 'c']",
    ]


def test_diff_keys_objects_by_address_and_leaves_out_absent_ones():
    items = [plan_item("vib/H0/spherelet", None, {"version": "2"}), plan_item("vib/H1/spherelet", {"version": "1"}, None)]

    assert plan_diff(items) == {"before": {"vib/H1/spherelet": {"version": "1"}}, "after": {"vib/H0/spherelet": {"version": "2"}}}


def test_as_dict_is_plain_data():
    item = plan_item("vm/cp-1", {"host": "H0"}, {"host": "H1"}, ("move",))

    assert item.as_dict() == {"address": "vm/cp-1", "action": UPDATE, "before": {"host": "H0"}, "after": {"host": "H1"}, "reasons": ["move"]}


# -- replacements, known-after-apply and the Plan ------------------------------------------------


def test_an_attribute_that_cannot_change_in_place_replaces_the_object():
    item = plan_item("supervisor.C0", {"service_cidr": "10.96.0.0/23"}, {"service_cidr": "10.200.0.0/23"}, ["service_cidr: a -> b"], forces=["service_cidr"])

    assert (item.action, item.forces) == (REPLACE, ("service_cidr",))


def test_forces_without_a_live_object_is_just_a_create():
    item = plan_item("supervisor.C0", None, {"service_cidr": "10.200.0.0/23"}, forces=["service_cidr"])

    assert (item.action, item.forces) == (CREATE, ())


def test_the_kind_is_the_first_part_of_the_address():
    addresses = ("namespace.C0/a", "guest_cluster.a/x", "vib/esx-01/spherelet")

    assert [PlanItem(address, NONE).kind for address in addresses] == ["namespace", "guest_cluster", "vib"]


def sample_plan():
    return Plan(
        items=(
            plan_item("supervisor.C0", None, {"cluster": "C0", "api_server": KNOWN_AFTER_APPLY}),
            plan_item("namespace.C0/a", {"cpu_limit": 1000}, {"cpu_limit": 2000}, ["cpu_limit: 1000 -> 2000"]),
            plan_item("namespace.C0/b", {"cpu_limit": 1000}, None),
            plan_item("namespace.C0/c", {"x": 1}, {"x": 2}, ["x"], forces=["x"]),
            plan_item("namespace.C0/d", {"x": 1}, {"x": 1}),
        ),
        edges=(("namespace.C0/a", "supervisor.C0"),),
        fingerprint={"supervisor.C0": None, "namespace.C0/a": "v1", "namespace.C0/b": "v2"},
        subject={"vcenter": "vc:443", "topology": "abc"},
    )


def test_the_summary_counts_the_way_terraform_does():
    assert sample_plan().summary() == {"adopt": 0, "add": 2, "change": 1, "destroy": 2}


def test_a_plan_survives_json():
    plan = sample_plan()

    again = Plan.from_json(json.loads(json.dumps(plan.to_json())))

    assert again == plan
    assert is_known_after_apply(again.item("supervisor.C0").after["api_server"])
    assert again.dependencies("namespace.C0/a") == ("supervisor.C0",)


def test_a_plan_of_another_format_is_refused():
    data = dict(sample_plan().to_json(), format_version=99)

    with pytest.raises(ValueError, match="make the plan again"):
        Plan.from_json(data)


def test_a_plan_names_each_address_once_and_edges_only_between_its_items():
    with pytest.raises(ValueError, match="namespace.C0/a"):
        Plan(items=(plan_item("namespace.C0/a", None, {}), plan_item("namespace.C0/a", None, {})))
    with pytest.raises(ValueError, match="supervisor.C9"):
        Plan(items=(plan_item("namespace.C0/a", None, {}),), edges=(("namespace.C0/a", "supervisor.C9"),))


def test_staleness_names_the_objects_whose_version_moved():
    plan = sample_plan()

    assert stale_addresses(plan, dict(plan.fingerprint)) == []
    assert stale_addresses(plan, dict(plan.fingerprint, **{"namespace.C0/a": "v9", "supervisor.C0": "v1"})) == ["namespace.C0/a", "supervisor.C0"]


def test_a_version_digest_is_stable_and_follows_the_fields():
    assert version_digest({"a": 1, "b": [1, 2]}) == version_digest({"b": [1, 2], "a": 1})
    assert version_digest({"a": 1}) != version_digest({"a": 2})
