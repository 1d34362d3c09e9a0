"""The guest_cluster and guest_cluster_info modules: parameters in; cluster, manifest, changed, diff and kubeconfig out."""

import json

import pytest
from ansible.module_utils.common import warnings
from ansible.module_utils.testing import patch_module_args
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import UnauthorizedError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import plan_item
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.guest_cluster import GuestClusterFailed, GuestClusterPlan, Outcome
from ansible_collections.pacific.vsphere.plugins.modules import guest_cluster, guest_cluster_info

CONNECTION_ARGS = {"supervisor": "10.0.0.10", "username": "devops@vsphere.local", "password": "secret", "ca_cert": "/etc/ca.pem"}
CLUSTER = {"api": "tkc", "name": "tkc-01", "namespace": "team-a", "ready": True}
MANIFEST = {"apiVersion": "run.tanzu.vmware.com/v1alpha3", "kind": "TanzuKubernetesCluster", "metadata": {"name": "tkc-01", "namespace": "team-a"}}
BEFORE = {"spec": {"topology": {"nodePools": [{"name": "workers", "replicas": 1}]}}}
AFTER = {"spec": {"topology": {"nodePools": [{"name": "workers", "replicas": 3}]}}}
ITEM = plan_item("guest_cluster/team-a/tkc-01", BEFORE, AFTER, ["spec.topology.nodePools[workers].replicas: 1 -> 3"])


class FakeClient:
    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


@pytest.fixture
def fakes(monkeypatch):
    seen = {"calls": []}

    class FakeGuestClusters:
        def __init__(self, supervisor):
            seen["supervisor"] = supervisor

        def plan(self, spec):
            seen["spec"] = spec
            return GuestClusterPlan(spec, {"metadata": {}} if seen.get("exists", True) else None, MANIFEST, True)

        def preview(self, plan):
            seen["calls"].append("preview")
            return Outcome(seen.get("item", ITEM), CLUSTER, MANIFEST)

        def apply(self, plan):
            seen["calls"].append("apply")
            if "failure" in seen:
                raise seen["failure"]
            return Outcome(seen.get("item", ITEM), CLUSTER, MANIFEST)

        def kubeconfig(self, namespace, name):
            seen["calls"].append("kubeconfig")
            return seen.get("kubeconfig", "apiVersion: v1\nkind: Config\n")

        def read_all(self, namespace=None, name=None, api=None):
            seen["read_all"] = (namespace, name, api)
            if "failure" in seen:
                raise seen["failure"]
            return [CLUSTER], ["team-c"]

    def connection(params):
        seen["params"] = params
        return ("connection", params["supervisor"], params["login_port"])

    for module in (guest_cluster, guest_cluster_info):
        monkeypatch.setattr(module, "SupervisorClient", FakeClient)
        monkeypatch.setattr(module, "GuestClusters", FakeGuestClusters)
        monkeypatch.setattr(module, "supervisor_connection", connection)
    return seen


def run(module, args, capsys):
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    warnings._global_warnings.clear()  # a module process's own; here one process runs them all
    return json.loads(capsys.readouterr().out)


def test_options_become_the_spec_and_the_change_is_applied_with_its_diff(fakes, capsys):
    result = run(
        guest_cluster,
        dict(
            CONNECTION_ARGS, name="tkc-01", namespace="team-a", kubernetes_version="v1.27", node_pools=[{"name": "workers", "replicas": 3}], _ansible_diff=True
        ),
        capsys,
    )

    spec = fakes["spec"]
    assert (spec.name, spec.namespace, spec.api, spec.kubernetes_version, spec.wait, spec.wait_timeout, spec.state) == (
        "tkc-01",
        "team-a",
        None,
        "v1.27",
        True,
        1800,
        "present",
    )
    assert spec.node_pools == [{"name": "workers", "replicas": 3, "vm_class": None, "storage_class": None, "labels": None, "failure_domain": None}]
    assert fakes["calls"] == ["apply"]
    assert result["changed"] is True and result["cluster"] == CLUSTER and result["manifest"] == MANIFEST
    assert result["diff"] == {"before": {"guest_cluster/team-a/tkc-01": BEFORE}, "after": {"guest_cluster/team-a/tkc-01": AFTER}}
    assert result["plan"][0]["reasons"] == ["spec.topology.nodePools[workers].replicas: 1 -> 3"]
    assert "kubeconfig" not in result
    assert fakes["params"]["login_port"] == 443


def test_check_mode_previews_and_applies_nothing(fakes, capsys):
    result = run(guest_cluster, dict(CONNECTION_ARGS, name="tkc-01", namespace="team-a", _ansible_check_mode=True), capsys)

    assert fakes["calls"] == ["preview"] and result["changed"] is True


def test_the_kubeconfig_is_returned_only_when_asked(fakes, capsys):
    result = run(guest_cluster, dict(CONNECTION_ARGS, name="tkc-01", namespace="team-a", return_kubeconfig=True), capsys)

    assert result["kubeconfig"] == "apiVersion: v1\nkind: Config\n"
    assert fakes["calls"] == ["apply", "kubeconfig"]


def test_check_mode_has_no_kubeconfig_for_a_cluster_not_created_yet(fakes, capsys):
    fakes["exists"] = False

    result = run(guest_cluster, dict(CONNECTION_ARGS, name="tkc-01", namespace="team-a", return_kubeconfig=True, _ansible_check_mode=True), capsys)

    assert result["kubeconfig"] is None and "kubeconfig" not in fakes["calls"]


def test_the_kubeconfig_is_written_owner_only_and_rewritten_only_when_it_differs(fakes, capsys, tmp_path):
    dest = tmp_path / "tkc-01.kubeconfig"
    args = dict(CONNECTION_ARGS, name="tkc-01", namespace="team-a", kubeconfig_dest=str(dest), _ansible_diff=True)
    fakes["item"] = plan_item("guest_cluster/team-a/tkc-01", BEFORE, BEFORE, [])  # the cluster as asked: only the file changes

    written = run(guest_cluster, args, capsys)
    assert written["changed"] is True and dest.read_text() == "apiVersion: v1\nkind: Config\n" and dest.stat().st_mode & 0o777 == 0o600
    file_item = written["plan"][1]
    assert (file_item["address"], file_item["action"]) == (f"kubeconfig_file/{dest}", "create")
    assert written["diff"]["after"][f"kubeconfig_file/{dest}"] == {"path": str(dest), "mode": "0600", "content": "(sensitive value)"}
    assert "Config" not in json.dumps({k: v for k, v in written.items() if k != "invocation"})  # never the content
    assert run(guest_cluster, args, capsys)["changed"] is False

    dest.chmod(0o644)
    assert run(guest_cluster, dict(args, _ansible_check_mode=True), capsys)["plan"][1]["reasons"] == ["mode 0644 is not 0600"]
    assert dest.stat().st_mode & 0o777 == 0o644  # check mode writes nothing
    assert run(guest_cluster, args, capsys)["changed"] is True and dest.stat().st_mode & 0o777 == 0o600


def test_a_kubeconfig_dest_that_cannot_be_written_is_refused_before_connecting(fakes, capsys, tmp_path):
    missing = run(guest_cluster, dict(CONNECTION_ARGS, name="tkc-01", namespace="team-a", kubeconfig_dest=str(tmp_path / "no" / "k")), capsys)
    assert missing["failed"] is True and f"kubeconfig_dest '{tmp_path}/no/k': directory '{tmp_path}/no' does not exist" in missing["msg"]
    deleting = run(guest_cluster, dict(CONNECTION_ARGS, name="tkc-01", namespace="team-a", state="absent", kubeconfig_dest=str(tmp_path / "k")), capsys)
    assert deleting["failed"] is True and deleting["msg"].startswith("kubeconfig_dest: a cluster being deleted has no kubeconfig")
    assert "params" not in fakes


def test_without_wait_a_kubeconfig_not_made_yet_is_not_written_and_says_so(fakes, capsys, tmp_path):
    fakes["kubeconfig"] = None
    dest = tmp_path / "k"
    result = run(guest_cluster, dict(CONNECTION_ARGS, name="tkc-01", namespace="team-a", wait=False, kubeconfig_dest=str(dest)), capsys)
    assert not dest.exists() and result["plan"][1]["action"] == "none"
    expected = f"kubeconfig_dest '{dest}' not written: the Supervisor has not made the cluster's kubeconfig yet (wait=false); a later run writes it"
    assert [warning["event"]["msg"] for warning in result["warnings"]] == [expected]


def test_bad_input_fails_before_connecting(fakes, capsys):
    result = run(guest_cluster, dict(CONNECTION_ARGS, name="Bad_Name", namespace="team-a", control_plane={"replicas": 2}), capsys)

    assert result["failed"] is True
    assert "name 'Bad_Name' is not a valid cluster name" in result["msg"] and "control_plane.replicas 2 is not 1 or 3" in result["msg"]
    assert "params" not in fakes


def test_a_failed_wait_reports_the_cluster_reached_and_whether_it_changed(fakes, capsys):
    fakes["failure"] = GuestClusterFailed("Timed out", cluster=CLUSTER, changed=True, item=ITEM)

    result = run(guest_cluster, dict(CONNECTION_ARGS, name="tkc-01", namespace="team-a"), capsys)

    assert result["failed"] is True and result["msg"] == "Timed out"
    assert result["changed"] is True and result["cluster"] == CLUSTER and result["plan"][0]["action"] == "update"


@pytest.mark.parametrize(
    "args, problem",
    [
        (dict(name="x", namespace="y"), "one of the following is required: supervisor, cluster, kubeconfig"),
        (dict(CONNECTION_ARGS, cluster="C1", name="x", namespace="y"), "parameters are mutually exclusive: supervisor|cluster|kubeconfig"),
        (dict(supervisor="10.0.0.10", name="x", namespace="y"), "missing parameter(s) required by 'supervisor': username, password"),
        (dict(CONNECTION_ARGS, name="x", namespace="y", template="/t.j2", definition={"kind": "X"}), "mutually exclusive: template|definition"),
    ],
)
def test_the_ways_to_the_supervisor_are_checked(fakes, capsys, monkeypatch, args, problem):
    for variable in ("VMWARE_HOST", "VMWARE_USER", "VMWARE_PASSWORD"):
        monkeypatch.delenv(variable, raising=False)

    result = run(guest_cluster, args, capsys)

    assert result["failed"] is True and problem in result["msg"]


def test_a_kubeconfig_needs_no_vcenter_options(fakes, capsys, monkeypatch):
    for variable in ("VMWARE_HOST", "VMWARE_USER", "VMWARE_PASSWORD"):
        monkeypatch.delenv(variable, raising=False)

    result = run(guest_cluster, dict(kubeconfig="/home/devops/.kube/config", context="team-a", name="tkc-01", namespace="team-a"), capsys)

    assert result["changed"] is True and fakes["params"]["context"] == "team-a"


def test_info_returns_the_clusters_and_the_namespaces_it_could_not_read(fakes, capsys):
    result = run(guest_cluster_info, dict(CONNECTION_ARGS, api="tkc"), capsys)

    assert result == {"changed": False, "guest_clusters": [CLUSTER], "unreadable_namespaces": ["team-c"], "invocation": result["invocation"]}
    assert fakes["read_all"] == (None, None, "tkc")


def test_info_fails_on_one_line(fakes, capsys):
    fakes["failure"] = UnauthorizedError("Failed to list the TanzuKubernetesCluster objects in namespace 'team-c': permission denied")

    result = run(guest_cluster_info, dict(CONNECTION_ARGS, namespace="team-c"), capsys)

    assert result["failed"] is True and result["msg"].startswith("Failed to list")
