"""The namespace and namespace_info modules: parameters in, the namespace, changed and diff out."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import NotFoundError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import plan_item
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.namespace import NamespacePlan
from ansible_collections.pacific.vsphere.plugins.modules import namespace, namespace_info

CONNECTION_ARGS = {"hostname": "vc.example.com", "username": "administrator@vsphere.local", "password": "secret", "ca_cert": "/etc/ca.pem"}
BEFORE = {"cluster": "C1", "cpu_limit": 4000}
AFTER = {"cluster": "C1", "cpu_limit": 8000}
LIVE = {"config_status": "RUNNING", "messages": [], "stats": {"cpu_used": 0, "memory_used": 0, "storage_used": 0}}


class FakeClient:
    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


@pytest.fixture
def fakes(monkeypatch):
    seen = {"applied": False}

    class FakeNamespaces:
        def __init__(self, rest, namespace_vms=None):
            seen["rest"] = rest
            seen["namespace_vms"] = namespace_vms

        def plan(self, spec):
            seen["spec"] = spec
            after = seen.get("after", AFTER)
            reasons = ["cpu_limit: 4000 -> 8000"] if after != BEFORE else []
            return NamespacePlan(plan_item("namespace/team-a", BEFORE, after, reasons), "domain-c1", LIVE)

        def apply(self, plan):
            seen["applied"] = True
            return {"name": "team-a", **plan.item.after, **LIVE}

        def read_all(self, cluster=None, name=None):
            seen["read_all"] = (cluster, name)
            if "error" in seen:
                raise seen["error"]
            return [{"name": "team-a"}]

    def client(connection):
        seen["client"] = FakeClient(connection)
        return seen["client"]

    monkeypatch.setattr(namespace, "RestClient", client)
    monkeypatch.setattr(namespace, "Namespaces", FakeNamespaces)
    monkeypatch.setattr(namespace_info, "RestClient", client)
    monkeypatch.setattr(namespace_info, "Namespaces", FakeNamespaces)
    return seen


def run(module, args, capsys):
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


def test_options_become_the_spec_and_the_update_is_applied(fakes, capsys):
    result = run(
        namespace,
        dict(CONNECTION_ARGS, name="team-a", cpu_limit="8GHz", access=[{"principal": "alice", "domain": "vsphere.local", "role": "EDIT"}], _ansible_diff=True),
        capsys,
    )

    spec = fakes["spec"]
    assert (spec.name, spec.cpu_limit, spec.memory_limit, spec.purge_access, spec.force, spec.state) == ("team-a", "8GHz", None, True, False, "present")
    assert spec.access == [{"principal": "alice", "domain": "vsphere.local", "type": "USER", "role": "EDIT"}]
    assert fakes["applied"]
    assert result["changed"] is True
    assert result["namespace"]["cpu_limit"] == 8000
    assert result["diff"] == {"before": {"namespace/team-a": BEFORE}, "after": {"namespace/team-a": AFTER}}
    assert result["plan"][0]["reasons"] == ["cpu_limit: 4000 -> 8000"]
    assert "secret" not in json.dumps(result)


def test_check_mode_predicts_without_applying(fakes, capsys):
    result = run(namespace, dict(CONNECTION_ARGS, name="team-a", cpu_limit=8000, _ansible_check_mode=True), capsys)

    assert not fakes["applied"]
    assert result["changed"] is True
    assert result["namespace"] == {"name": "team-a", **AFTER, **LIVE}
    assert "diff" not in result


def test_nothing_to_do_applies_nothing(fakes, capsys):
    fakes["after"] = BEFORE

    result = run(namespace, dict(CONNECTION_ARGS, name="team-a"), capsys)

    assert (result["changed"], fakes["applied"]) == (False, False)


def test_bad_input_fails_before_connecting(fakes, capsys):
    result = run(namespace, dict(CONNECTION_ARGS, name="Team_A"), capsys)

    assert result["failed"] is True
    assert result["msg"].startswith("name 'Team_A' is not a DNS label")
    assert "client" not in fakes


def test_a_role_outside_the_choices_is_refused_by_the_argument_spec(fakes, capsys):
    result = run(namespace, dict(CONNECTION_ARGS, name="team-a", access=[{"principal": "alice", "domain": "vsphere.local", "role": "ADMIN"}]), capsys)

    assert result["failed"] is True
    assert "role" in result["msg"] and "ADMIN" in result["msg"] and "VIEW, EDIT, OWNER" in result["msg"]
    assert "client" not in fakes


def test_deletes_are_guarded_by_a_vim_read_of_the_namespace_vms(fakes, capsys, monkeypatch):
    opened = []

    class FakeVim(FakeClient):
        def __init__(self, connection):
            super().__init__(connection)
            opened.append(connection)

    monkeypatch.setattr(namespace, "VimClient", FakeVim)
    monkeypatch.setattr(namespace, "namespace_vms", lambda vim, cluster, name: [f"{cluster}/{name}"])
    run(namespace, dict(CONNECTION_ARGS, name="team-a", state="absent"), capsys)

    assert fakes["namespace_vms"]("domain-c1", "team-a") == ["domain-c1/team-a"]
    assert opened[0].hostname == "vc.example.com"


def test_info_passes_cluster_and_name(fakes, capsys):
    result = run(namespace_info, dict(CONNECTION_ARGS, cluster="C1", name="team-a"), capsys)

    assert fakes["read_all"] == ("C1", "team-a")
    assert (result["changed"], result["namespaces"]) == (False, [{"name": "team-a"}])


def test_info_errors_fail_with_their_message(fakes, capsys):
    fakes["error"] = NotFoundError("cluster: cluster 'C9' not found on vCenter vc.example.com:443 (known: C1)")

    result = run(namespace_info, dict(CONNECTION_ARGS, cluster="C9"), capsys)

    assert result["failed"] is True
    assert result["msg"] == "cluster: cluster 'C9' not found on vCenter vc.example.com:443 (known: C1)"
