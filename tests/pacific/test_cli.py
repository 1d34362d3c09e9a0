"""The pacific command without a lab: its arguments, topology files, targeting, plan files, and how it is packaged."""

import pathlib

import pytest
import tomllib
import yaml
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import desired_specs
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, PacificError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import Plan, plan_item

# The collection's own test helper, importable where make pacific-test runs (the built collection on PYTHONPATH).
from ansible_collections.pacific.vsphere.tests.unit.plugins.module_utils.sample_topology import supervisor

import pacific  # noqa: F401
from pacific import plan_file
from pacific.cli import _targeted, parser
from pacific.topology_file import TopologyFile

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCUMENT = {
    "vcenter": {"hostname": "vc.example.com", "username": "administrator@vsphere.local", "password": {"env": "VC_PASSWORD"}},
    "supervisors": [supervisor("C1", namespaces=[{"name": "team-a"}])],
}
# An Ansible variable, as the roles' inventories give it: pacific takes it from -var or PACIFIC_VAR_.
DOCUMENT["supervisors"][0]["workload_management"]["load_balancer"]["password"] = {"var": "haproxy_password"}
ENVIRON = {"VC_PASSWORD": "vc-secret", "PACIFIC_VAR_haproxy_password": "lb-secret"}


def topology_file(tmp_path, document=DOCUMENT, text=None):
    path = tmp_path / "topology.yml"
    path.write_text(text if text is not None else yaml.safe_dump(document))
    return path


def test_options_take_one_dash_or_two():
    one = parser().parse_args(["plan", "-f", "t.yml", "-detailed-exitcode", "-target", "namespace.C1/a", "-no-color", "-var", "a=b"])
    two = parser().parse_args(["plan", "--file", "t.yml", "--detailed-exitcode", "--target", "namespace.C1/a", "--no-color", "--var", "a=b"])

    assert vars(one) == vars(two)
    assert (one.detailed_exitcode, one.target, one.no_color, one.var) == (True, ["namespace.C1/a"], True, [("a", "b")])


def test_help_documents_every_command(capsys):
    with pytest.raises(SystemExit):
        parser().parse_args(["-help"])
    text = capsys.readouterr().out
    assert all(command in text for command in ("validate", "plan", "apply", "destroy", "show"))
    with pytest.raises(SystemExit):
        parser().parse_args(["apply", "--help"])
    assert "-auto-approve" in capsys.readouterr().out


def test_a_topology_file_is_data_with_its_secrets_from_the_environment(tmp_path):
    loaded = TopologyFile(topology_file(tmp_path), environ=ENVIRON)

    assert loaded.secrets == {"vcenter.password": "vc-secret", "supervisors[0].workload_management.load_balancer.password": "lb-secret"}
    assert (loaded.connection.hostname, loaded.connection.password, loaded.connection.port) == ("vc.example.com", "vc-secret", 443)
    assert len(loaded.digest) == 64


def test_a_var_reference_takes_the_value_given_on_the_command_line(tmp_path):
    loaded = TopologyFile(topology_file(tmp_path), environ={"VC_PASSWORD": "vc-secret"}, variables=[("haproxy_password", "given")])

    assert loaded.secrets["supervisors[0].workload_management.load_balancer.password"] == "given"


@pytest.mark.parametrize(
    "text, environ, message",
    [
        ("supervisors: [", ENVIRON, "topology.yml: line 1, column 15: not a YAML topology: expected the node content"),
        ("- a\n- b\n", ENVIRON, "a topology is a mapping"),
        (None, {"VC_PASSWORD": "vc-secret"}, "supervisors[0].workload_management.load_balancer.password: variable haproxy_password: give -var"),
        (None, {"PACIFIC_VAR_haproxy_password": "x"}, "vcenter.password: environment variable VC_PASSWORD is not set or empty"),
        ("!!python/object/apply:os.system ['true']", ENVIRON, "line 1, column 1: not a YAML topology: could not determine a constructor for the tag"),
    ],
)
def test_a_file_that_is_not_a_topology_is_refused_naming_it(tmp_path, text, environ, message):
    with pytest.raises(InvalidArgumentError, match=message.replace("[", r"\[").replace("]", r"\]")):
        TopologyFile(topology_file(tmp_path, text=text), environ=environ)


def test_a_target_brings_what_it_depends_on_and_nothing_else(tmp_path):
    desired = desired_specs(TopologyFile(topology_file(tmp_path), environ=ENVIRON).topology)

    assert [each.address for each in _targeted(desired, ["namespace.C1/team-a"])] == ["supervisor.C1", "namespace.C1/team-a"]
    with pytest.raises(PacificError, match="-target: nope.x is not an address of the topology"):
        _targeted(desired, ["nope.x"])


def test_a_saved_plan_is_refused_once_what_it_was_made_from_moved(tmp_path):
    loaded = TopologyFile(topology_file(tmp_path), environ=ENVIRON)
    saved = Plan(items=(plan_item("namespace.C1/team-a", {"a": 1}, {"a": 2}, ["a"]),), fingerprint={"namespace.C1/team-a": "v1"})
    path = tmp_path / "saved.plan"
    plan_file.write(path, saved, topology_file=loaded, operation="apply", targets=[])
    record, read_back = plan_file.read(path)

    assert read_back == saved
    assert "vc-secret" not in path.read_text() and "lb-secret" not in path.read_text()
    plan_file.check_current(path, record, read_back, loaded, saved)
    moved = Plan(items=saved.items, fingerprint={"namespace.C1/team-a": "v2"})
    with pytest.raises(plan_file.StalePlan, match="is stale: namespace.C1/team-a changed since the plan was made"):
        plan_file.check_current(path, record, read_back, loaded, moved)
    other = TopologyFile(topology_file(tmp_path, dict(DOCUMENT, vcenter=dict(DOCUMENT["vcenter"], hostname="other"))), environ=ENVIRON)
    with pytest.raises(plan_file.StalePlan, match="topology file .* changed since the plan was made"):
        plan_file.check_current(path, record, read_back, other, saved)


def test_a_file_that_is_no_plan_is_refused(tmp_path):
    path = tmp_path / "plan"
    path.write_text("{}")
    with pytest.raises(InvalidArgumentError, match="not a plan file of this pacific"):
        plan_file.read(path)


def test_the_distribution_ships_every_package_of_the_engine():
    configuration = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    engine = ROOT / "plugins" / "module_utils"
    found = {"pacific", "pacific.module_utils"} | {
        "pacific.module_utils." + ".".join(path.relative_to(engine).parts) for path in engine.rglob("*") if path.is_dir() and path.name != "__pycache__"
    }

    assert set(configuration["packages"]) == found
    assert configuration["package-dir"] == {"pacific": "pacific", "pacific.module_utils": "plugins/module_utils"}
