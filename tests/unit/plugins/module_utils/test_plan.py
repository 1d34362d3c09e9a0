"""The plan item: actions derived from before/after, reasons, and Ansible's diff."""

from ansible_collections.pacific.vsphere.plugins.module_utils.plan import CREATE, DELETE, NONE, UPDATE, changed_fields, plan_diff, plan_item


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
