"""The pacific command against the lab, as a user runs it: its own process, the example topology, no Ansible in the loop."""

import json

import yaml
from pacific_support import TOPOLOGY, VcenterRest, mutates, no_change_plan_budget, pacific, secrets, topology_with

VM_CLASSES = "/api/vcenter/namespace-management/virtual-machine-classes"
SERVICES = "/api/vcenter/namespace-management/supervisor-services"


def test_a_plan_of_an_empty_lab_lists_everything_to_add(built):
    plan_output, _ = built

    assert "Plan: 18 to add, 0 to change, 0 to destroy." in plan_output
    assert '+ supervisor_service "harbor.tanzu.vmware.com" {\n      + versions = ["2.9.1"]\n    }' in plan_output
    # Installed on a Supervisor this run enables: its admin password (a secret value) never shown.
    assert ('+ service "DC0_C0/harbor.tanzu.vmware.com" {\n      + config_status = (known after apply)\n      + values = (sensitive value)\n'
            '      + version = "2.9.1"\n    }') in plan_output
    assert '+ vm_class "team-a-workers" {\n      + cpu_count = 2\n      + description = "Team A\'s guest cluster workers"\n' in plan_output
    assert "# supervisor.DC0_C0 will be created" in plan_output
    assert "+ guest_cluster \"team-a/tkc-a\" {" in plan_output
    assert "api_endpoint = (known after apply)" in plan_output
    assert "load_balancer.password = (sensitive value)" in plan_output


def test_apply_reports_progress_and_its_summary(built):
    _, output = built

    assert "supervisor.DC0_C0: Creating..." in output
    assert "supervisor.DC0_C0: Creation complete after" in output
    assert output.rstrip().endswith("Apply complete! Resources: 18 added, 0 changed, 0 destroyed.")
    # The service after its Supervisor runs and after its registration.
    lines = output.splitlines()
    installing = lines.index("service.DC0_C0/harbor.tanzu.vmware.com: Creating...")
    assert any(line.startswith("supervisor.DC0_C0: Creation complete") for line in lines[:installing])
    assert any(line.startswith("supervisor_service.harbor.tanzu.vmware.com: Creation complete") for line in lines[:installing])


def test_vcenter_8_enables_the_supervisors_through_the_supervisors_api(built):
    """On vCenter 8 (the lab's default), DC0_C0's Supervisor on its cluster, the other on its three zones; the
    example's build on vCenter 7.0 (Clusters API) is test_vcenter_7_lab's."""
    enables = sorted(operation for operation in built.operations if operation and "enable" in operation.rsplit(".", 1)[-1])
    assert enables == ["namespace_management.supervisors.enable_on_compute_cluster", "namespace_management.supervisors.enable_on_zones"]
    assert built.operations.count("appliance.system.version.get") == 1  # read once, by the one process
    assert built.operations.count("consumption_domains.zones.create") == 3


def test_independent_objects_are_built_at_the_same_time(built):
    _, output = built
    lines = output.splitlines()

    def interval(address):
        return lines.index(f"{address}: Creating..."), next(index for index, line in enumerate(lines) if line.startswith(f"{address}: Creation complete"))

    for one, other in (("supervisor.DC0_C0", "supervisor.DC0_C1"), ("guest_cluster.team-a/tkc-a", "guest_cluster.platform/capi-platform")):
        (start_one, end_one), (start_other, end_other) = interval(one), interval(other)
        assert start_one < end_other and start_other < end_one, (one, other)


def test_a_second_plan_changes_nothing_with_reads_only_and_one_login_per_endpoint(built, control):
    control.call("DELETE", "/requests")

    exit_code, output, _ = pacific("plan", "-detailed-exitcode")

    assert (exit_code, output.strip()) == (0, "No changes. Your platform matches the topology.")
    calls = control.client_requests()
    assert [call for call in calls if mutates(call)] == []
    logins = [call["operation"] for call in calls if call.get("operation") in ("session.create", "Login", "login")]
    assert sorted(logins) == ["Login", "login", "login", "session.create"]
    # 12 hosts, 3 namespaces, 2 of them with guest clusters, 2 Supervisors, one on 3 zones (4 zones in all: vCenter 8
    # made one for DC0_C0's Supervisor), DC0_C0's version, Harbor registered and read on both Supervisors (it runs on DC0_C0)
    assert len(calls) <= no_change_plan_budget(hosts=12, namespaces=3, holding=2, supervisors=2, zones=4, versions=True, services=1, installs=2), len(calls)


def test_a_quota_change_is_one_update_naming_the_field(built, tmp_path):
    changed = tmp_path / "topology.yml"
    changed.write_text(TOPOLOGY.read_text().replace("cpu_limit: 20GHz", "cpu_limit: 30GHz", 1))

    exit_code, output, _ = pacific("plan", "-detailed-exitcode", topology=changed)

    assert exit_code == 2
    assert "~ cpu_limit = 20000 -> 30000" in output
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in output


def test_the_vm_class_is_bound_used_changed_in_place_and_kept_while_used(built, control, tmp_path):
    rest = VcenterRest()
    made = rest.ok("GET", f"{VM_CLASSES}/team-a-workers")
    assert (made["cpu_count"], made["memory_MB"], made["memory_reservation"], made["namespaces"]) == (2, 4096, 50, ["team-a"])
    assert len(made["vms"]) == 1  # tkc-a's worker

    bigger = tmp_path / "bigger.yml"
    bigger.write_text(TOPOLOGY.read_text().replace("memory_mb: 4096", "memory_mb: 6144", 1))
    exit_code, output, _ = pacific("plan", "-detailed-exitcode", topology=bigger)
    assert exit_code == 2
    assert '~ vm_class "team-a-workers" {\n      ~ memory_mb = 4096 -> 6144\n' in output
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in output
    control.call("DELETE", "/requests")
    pacific("apply", "-auto-approve", topology=bigger, check_exit=0)
    changes = [call["operation"] for call in control.client_requests() if mutates(call) and not call["operation"].startswith("tagging.")]
    assert changes == ["namespace_management.virtual_machine_classes.update"]
    assert rest.ok("GET", f"{VM_CLASSES}/team-a-workers")["memory_MB"] == 6144

    # The class leaves the file while team-a still binds it and tkc-a's worker is made from it: refused, nothing sent.
    dropped = topology_with(tmp_path / "dropped.yml", lambda document: document.update(vm_classes=[]))
    control.call("DELETE", "/requests")
    exit_code, _, errors = pacific("apply", "-auto-approve", topology=dropped)
    assert exit_code == 1
    assert ("vm_class.team-a-workers (no longer in the topology) is in use and the plan would delete it"
            f" (namespaces the plan keeps are bound to it: 'team-a'; VMs are made from it: {made['vms'][0]})") in errors
    assert [call for call in control.client_requests() if mutates(call)] == []
    pacific("apply", "-auto-approve", check_exit=0)  # back to the example, for the tests that follow


def test_harbor_is_upgraded_in_place_and_a_bad_version_or_definition_is_refused_before_any_change(built, control, tmp_path):
    def upgrade(document):
        definitions = document["supervisor_services"][0]["definitions"]
        definitions.append(definitions[0].replace("2.9.1", "2.10.0"))
        document["supervisors"][0]["services"][0]["version"] = "2.10.0"

    upgraded = topology_with(tmp_path / "upgraded.yml", upgrade)
    exit_code, output, _ = pacific("plan", "-detailed-exitcode", topology=upgraded)
    assert exit_code == 2
    assert '~ supervisor_service "harbor.tanzu.vmware.com" {\n      ~ versions = ["2.9.1"] -> ["2.9.1", "2.10.0"]\n' in output
    assert '~ service "DC0_C0/harbor.tanzu.vmware.com" {\n      ~ version = "2.9.1" -> "2.10.0"\n' in output
    assert "Plan: 0 to add, 2 to change, 0 to destroy." in output
    control.call("DELETE", "/requests")
    pacific("apply", "-auto-approve", topology=upgraded, check_exit=0)
    changes = [(call["method"], call["path"]) for call in control.client_requests() if mutates(call) and "/tagging/" not in call["path"]]
    cluster = next(each["cluster"] for each in VcenterRest().ok("GET", "/api/vcenter/cluster") if each["name"] == "DC0_C0")
    assert changes == [("POST", f"{SERVICES}/harbor.tanzu.vmware.com/versions"),
                       ("PATCH", f"/api/vcenter/namespace-management/clusters/{cluster}/supervisor-services/harbor.tanzu.vmware.com")], changes
    installed = VcenterRest().ok("GET", f"/api/vcenter/namespace-management/clusters/{cluster}/supervisor-services/harbor.tanzu.vmware.com")
    assert (installed["config_status"], installed["current_version"]) == ("CONFIGURED", "2.10.0")
    pacific("plan", "-detailed-exitcode", topology=upgraded, check_exit=0)

    # A version no definition gives, and a definition that is not one: refused, naming the key, nothing sent.
    unknown = topology_with(tmp_path / "unknown.yml", lambda document: document["supervisors"][0]["services"][0].update(version="3.0.0"))
    malformed = topology_with(tmp_path / "malformed.yml", lambda document: document["supervisor_services"][0].update(definitions=["kind: ConfigMap\n"]))
    control.call("DELETE", "/requests")
    for topology, problem in (
        (unknown, "supervisors[0].services[0].version: '3.0.0' is not a version of Supervisor Service 'harbor.tanzu.vmware.com'"
                  " (its definitions in supervisor_services: 2.9.1)"),
        (malformed, "supervisor_services[0].definitions[0]: a Supervisor Service definition declares one PackageMetadata and one Package"),
    ):
        exit_code, _, errors = pacific("apply", "-auto-approve", topology=topology)
        assert exit_code == 1 and problem in errors, errors
    assert [call for call in control.client_requests() if mutates(call)] == []
    pacific("apply", "-auto-approve", check_exit=0)  # back to the example (2.9.1; 2.10.0 stays registered)


def test_a_saved_plan_applies_unless_the_platform_changed_since(built, control, tmp_path):
    changed = tmp_path / "topology.yml"
    changed.write_text(TOPOLOGY.read_text().replace("memory_limit: 16Gi", "memory_limit: 32Gi", 1))
    stale, current = tmp_path / "stale.plan", tmp_path / "current.plan"
    pacific("plan", "-out", str(stale), topology=changed, check_exit=0)
    control.call("DELETE", "/requests")

    # team-b changes behind pacific's back, through vCenter's REST API.
    VcenterRest().ok("PATCH", "/api/vcenter/namespaces/instances/team-b", json={"description": "changed elsewhere"})

    exit_code, output, errors = pacific("apply", str(stale), topology=None)
    assert exit_code == 1
    assert "Saved plan" in errors and "is stale: namespace.DC0_C0/team-b changed since the plan was made" in errors

    pacific("plan", "-out", str(current), topology=changed, check_exit=0)
    exit_code, output, errors = pacific("apply", str(current), topology=None)
    assert exit_code == 0, output + errors
    assert "Apply complete! Resources: 0 added, 1 changed, 0 destroyed." in output
    pacific("plan", "-detailed-exitcode", topology=changed, check_exit=0)
    # Back to the example, for the tests that follow.
    pacific("apply", "-auto-approve", check_exit=0)


def test_json_output_parses_line_by_line_and_holds_no_secret(built):
    exit_code, output, _ = pacific("plan", "-json")

    records = [json.loads(line) for line in output.splitlines()]
    assert exit_code == 0
    assert [record["type"] for record in records] == ["version", "change_summary"], output
    assert records[-1]["changes"] == {"add": 0, "change": 0, "import": 0, "remove": 0, "operation": "plan"}
    for value in secrets().values():
        assert value not in output


def test_bad_input_fails_before_any_request(control, tmp_path):
    bad = tmp_path / "topology.yml"
    bad.write_text(TOPOLOGY.read_text().replace("count: 3", "count: 2", 1))
    control.call("DELETE", "/requests")

    exit_code, _, errors = pacific("plan", topology=bad)

    assert exit_code == 1
    assert "supervisors[0].control_plane.count: 2 is even" in errors
    assert control.client_requests() == []


def test_destroying_a_protected_entry_fails_naming_it_and_changes_nothing(built, control, tmp_path):
    document = yaml.safe_load(TOPOLOGY.read_text())
    team_b = next(namespace for namespace in document["supervisors"][0]["namespaces"] if namespace["name"] == "team-b")
    team_b["protect"] = True
    protected = tmp_path / "topology.yml"
    protected.write_text(yaml.safe_dump(document))
    control.call("DELETE", "/requests")

    exit_code, _, errors = pacific("destroy", "-auto-approve", topology=protected)

    assert exit_code == 1
    assert "protect: namespace.DC0_C0/team-b is protected, and the plan would destroy it" in errors
    # vCenter saw only reads; the Supervisors, only reads and the plan's dry-run deletes (the log keeps no query string).
    calls = control.client_requests()
    assert [call for call in calls if call["api"] != "k8s" and mutates(call)] == []
    assert {call["method"] for call in calls if call["api"] == "k8s"} <= {"GET", "POST", "DELETE"}
    pacific("plan", "-detailed-exitcode", check_exit=0)


def test_destroy_removes_everything_in_reverse_order(built, control):
    exit_code, output, errors = pacific("destroy", "-auto-approve")

    assert exit_code == 0, output + errors
    assert output.rstrip().endswith("Destroy complete! Resources: 18 destroyed.")
    lines = output.splitlines()
    order = [line.split(":")[0] for line in lines if line.endswith("Destroying...")]
    assert order.index("guest_cluster.team-a/tkc-a") < order.index("namespace.DC0_C0/team-a") < order.index("supervisor.DC0_C0")
    # The class goes once the namespace bound to it is gone.
    gone = next(index for index, line in enumerate(lines) if line.startswith("namespace.DC0_C0/team-a: Destruction complete"))
    assert gone < lines.index("vm_class.team-a-workers: Destroying...")
    assert VcenterRest().request("GET", f"{VM_CLASSES}/team-a-workers").status_code == 404
    # Harbor leaves its Supervisor before the Supervisor is disabled, and vCenter after that.
    removed = next(index for index, line in enumerate(lines) if line.startswith("service.DC0_C0/harbor.tanzu.vmware.com: Destruction complete"))
    assert removed < lines.index("supervisor.DC0_C0: Destroying...") and removed < lines.index("supervisor_service.harbor.tanzu.vmware.com: Destroying...")
    assert VcenterRest().request("GET", f"{SERVICES}/harbor.tanzu.vmware.com").status_code == 404
    exit_code, output, _ = pacific("plan", "-detailed-exitcode")
    assert exit_code == 2 and "Plan: 18 to add" in output
