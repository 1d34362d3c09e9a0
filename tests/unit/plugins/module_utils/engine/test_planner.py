"""The planner and apply over fake kinds: one read per kind, waves, deferred children, filtered edges."""

import threading

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.engine import planner
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import Desired
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.graph import PUT
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.base import Kind, Planned, RunContext
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import CREATE, NONE, UPDATE, plan_item

# A run without ownership marks: the kinds' plans as they are.
CONTEXT = RunContext(None, read_descriptor=None)


class Recorder:
    def __init__(self, missing=()):
        self.missing = set(missing)
        self.reads = []
        self.deferred = []
        self.applied = []
        self.lock = threading.Lock()


def fake_kind(name, recorder):
    class FakeKind(Kind):
        def read_all(self, desired):
            with recorder.lock:
                recorder.reads.append((name, sorted(each.address for each in desired)))
            return {each.address: each.address not in recorder.missing for each in desired}

        def plan(self, desired, live):
            item = plan_item(desired.address, {"v": 1} if live else None, {"v": 2}, ["v: 1 -> 2"] if desired.scope.get("change") else [])
            if live and not desired.scope.get("change"):
                item = plan_item(desired.address, {"v": 1}, {"v": 1})
            return Planned(desired, item, "v1" if live else None, work="work", view={"v": 1} if live else None)

        def plan_deferred(self, desired):
            recorder.deferred.append(desired.address)
            return Planned(desired, plan_item(desired.address, None, {"v": 2}), deferred=True)

        def apply(self, planned, phase):
            with recorder.lock:
                recorder.applied.append((planned.desired.address, phase))
            return {"applied": planned.desired.address}

    FakeKind.name = name
    return FakeKind


@pytest.fixture
def recorder(monkeypatch):
    found = Recorder()
    monkeypatch.setattr(planner, "KIND_CLASSES", {name: fake_kind(name, found) for name in planner.KIND_CLASSES})
    return found


def platform(**changes):
    def one(kind, address, depends_on=()):
        return Desired(kind, address, spec=None, depends_on=depends_on, scope={"change": address in changes.get("change", ())})

    return [
        one("spherelet", "spherelet.C1"),
        one("supervisor", "supervisor.C1", ("spherelet.C1",)),
        one("control_plane", "control_plane.C1", ("supervisor.C1",)),
        one("namespace", "namespace.C1/a", ("supervisor.C1",)),
        one("namespace", "namespace.C1/b", ("supervisor.C1",)),
        one("guest_cluster", "guest_cluster.a/x", ("namespace.C1/a",)),
    ]


def test_each_kind_is_read_once_for_all_its_objects(recorder):
    platform_plan = planner.make_plan(platform(), context=CONTEXT)

    assert sorted(recorder.reads) == [
        ("control_plane", ["control_plane.C1"]),
        ("guest_cluster", ["guest_cluster.a/x"]),
        ("namespace", ["namespace.C1/a", "namespace.C1/b"]),
        ("spherelet", ["spherelet.C1"]),
        ("supervisor", ["supervisor.C1"]),
    ]
    assert not platform_plan.plan.changed
    assert platform_plan.plan.fingerprint["namespace.C1/a"] == "v1"


def test_children_of_a_new_supervisor_are_deferred_and_the_supervisor_itself_is_read(recorder):
    recorder.missing = {"spherelet.C1", "supervisor.C1"}

    platform_plan = planner.make_plan(platform(), context=CONTEXT)

    assert sorted(recorder.deferred) == ["control_plane.C1", "guest_cluster.a/x", "namespace.C1/a", "namespace.C1/b"]
    # Nothing under the new Supervisor is read: it cannot be there yet.
    assert sorted(recorder.reads) == [("spherelet", ["spherelet.C1"]), ("supervisor", ["supervisor.C1"])]
    assert {item.action for item in platform_plan.plan.items} == {CREATE}
    assert platform_plan.plan.summary() == {"adopt": 0, "add": 6, "change": 0, "destroy": 0}


def test_only_the_child_of_a_new_namespace_is_deferred(recorder):
    recorder.missing = {"namespace.C1/a"}

    planner.make_plan(platform(), context=CONTEXT)

    assert recorder.deferred == ["guest_cluster.a/x"]


def test_edges_leave_out_what_the_run_does_not_plan(recorder):
    desired = [each for each in platform() if each.kind in ("namespace", "guest_cluster")]

    platform_plan = planner.make_plan(desired, context=CONTEXT, subject={"vcenter": "vc:443"})

    assert platform_plan.plan.edges == (("guest_cluster.a/x", "namespace.C1/a"),)
    assert platform_plan.plan.subject == {"vcenter": "vc:443"}


def test_apply_runs_each_changed_object_through_its_kind(recorder):
    platform_plan = planner.make_plan(platform(change=["namespace.C1/b", "control_plane.C1"]), context=CONTEXT)

    outcome = planner.apply_plan(platform_plan, parallelism=2)

    assert outcome.ok
    assert sorted(recorder.applied) == [("control_plane.C1", PUT), ("namespace.C1/b", PUT)]
    assert {item.address: item.action for item in platform_plan.plan.items if item.action != NONE} == {"control_plane.C1": UPDATE, "namespace.C1/b": UPDATE}


def test_a_parent_to_be_deleted_does_not_defer_its_children_even_when_its_delete_is_planned_again(recorder, monkeypatch):
    kinds = planner.KIND_CLASSES

    class DeletedNamespace(kinds["namespace"]):
        def plan(self, desired, live):
            return Planned(desired, plan_item(desired.address, {"v": 1}, None), "v1", deferred=True)

    monkeypatch.setitem(planner.KIND_CLASSES, "namespace", DeletedNamespace)

    planner.make_plan(platform(), context=CONTEXT)

    assert recorder.deferred == []
    assert ("guest_cluster", ["guest_cluster.a/x"]) in recorder.reads


def test_a_plan_that_would_destroy_a_protected_entry_fails_naming_it_before_anything(recorder, monkeypatch):
    kinds = planner.KIND_CLASSES

    class DeletedNamespace(kinds["namespace"]):
        def plan(self, desired, live):
            return Planned(desired, plan_item(desired.address, {"v": 1}, None), "v1")

    monkeypatch.setitem(planner.KIND_CLASSES, "namespace", DeletedNamespace)
    desired = [
        Desired("namespace", "namespace.C1/a", spec=None, scope={"protect": True}, path="supervisors[0].namespaces[0]"),
        Desired("namespace", "namespace.C1/b", spec=None, scope={"protect": False}, path="supervisors[0].namespaces[1]"),
    ]

    with pytest.raises(InvalidArgumentError) as raised:
        planner.make_plan(desired, context=CONTEXT)

    assert raised.value.message == (
        "supervisors[0].namespaces[0].protect: namespace.C1/a is protected, and the plan would destroy it:"
        " set protect: false first, or leave it out of the run"
    )
    assert recorder.applied == []
