"""The plan as Terraform renders one, progress lines and machine-readable lines, from the Plan and events alone."""

import json

from ansible_collections.pacific.vsphere.plugins.module_utils.engine.executor import DONE, RUNNING, STARTED, Event
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.render import (
    NO_CHANGES,
    event_json_line,
    flatten,
    plan_json_lines,
    plan_text,
    progress_line,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import KNOWN_AFTER_APPLY, Plan, plan_item
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_spec import MASKED

NAMESPACE = {"cpu_limit": 1000, "memory_limit": 2048, "description": "x"}
SUPERVISOR = {"service_cidr": "10.96.0.0/23", "size": "tiny"}
PLAN = Plan(
    items=(
        plan_item("namespace.C1/a", NAMESPACE, dict(NAMESPACE, cpu_limit=2000), ["cpu"]),
        plan_item("supervisor.C2", SUPERVISOR, dict(SUPERVISOR, service_cidr="10.200.0.0/23"), ["cidr"], forces=["service_cidr"]),
        plan_item("guest_cluster.a/x", None, {"api": "tkc", "api_endpoint": KNOWN_AFTER_APPLY, "load_balancer": {"password": MASKED}, "labels": None}),
        plan_item("namespace.C1/b", {"cpu_limit": 1000}, None),
        plan_item("namespace.C1/c", {"cpu_limit": 1000}, {"cpu_limit": 1000}),
    )
)


def test_each_changed_object_has_its_block_with_only_what_changes():
    text = plan_text(PLAN)

    assert '  # namespace.C1/a will be updated in-place\n  ~ namespace "C1/a" {\n      ~ cpu_limit = 1000 -> 2000\n' in text
    assert "        # (2 unchanged attributes hidden)" in text
    assert '-/+ supervisor "C2" {\n      ~ service_cidr = "10.96.0.0/23" -> "10.200.0.0/23" # forces replacement\n' in text
    assert "      + api_endpoint = (known after apply)" in text
    assert "      + load_balancer.password = (sensitive value)" in text
    assert "labels" not in text  # unset on a new object: not shown
    assert '  # namespace.C1/b will be destroyed\n  - namespace "C1/b" {\n      - cpu_limit = 1000' in text
    assert "namespace.C1/c" not in text
    assert text.endswith("Plan: 2 to add, 1 to change, 2 to destroy.")


def test_a_plan_without_changes_says_so():
    assert plan_text(Plan(items=(plan_item("namespace.C1/c", {"a": 1}, {"a": 1}),))) == NO_CHANGES


def test_colors_only_when_asked():
    assert "\033[" not in plan_text(PLAN)
    assert "\033[33m~\033[0m" in plan_text(PLAN, color=True)


def test_nested_values_flatten_to_paths():
    assert flatten({"a": {"b": 1}, "c": [{"d": 2}], "e": [1, 2], "f": {}}) == {"a.b": 1, "c[0].d": 2, "e": [1, 2], "f": {}}


def test_progress_reads_as_terraform_does():
    assert progress_line(Event(STARTED, "supervisor.C1", "create", "put")) == "supervisor.C1: Creating..."
    assert progress_line(Event(RUNNING, "supervisor.C1", "create", "put", elapsed=80.4)) == "supervisor.C1: Still creating... [1m20s elapsed]"
    assert progress_line(Event(DONE, "namespace.C1/a", "delete", "delete", elapsed=3)) == "namespace.C1/a: Destruction complete after 3s"


def test_machine_readable_lines_parse_and_name_their_type():
    records = [json.loads(line) for line in plan_json_lines(PLAN)]

    assert [record["type"] for record in records] == ["planned_change"] * 4 + ["change_summary"]
    assert records[0]["change"] == {"resource": {"addr": "namespace.C1/a", "resource_type": "namespace", "resource_name": "C1/a"}, "action": "update"}
    assert records[-1]["changes"] == {"add": 2, "change": 1, "import": 0, "remove": 2, "operation": "plan"}
    progress = json.loads(event_json_line(Event(RUNNING, "supervisor.C1", "create", "put", elapsed=12)))
    assert (progress["type"], progress["hook"]["elapsed_seconds"], progress["@level"]) == ("apply_progress", 12, "info")
