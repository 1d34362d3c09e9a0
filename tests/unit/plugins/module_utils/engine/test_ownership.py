"""Ownership over fake kinds: unmarked objects left alone or adopted, followers follow their Supervisor, orphans destroyed unless protected."""

from dataclasses import replace

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.engine import planner
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import Desired
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.graph import PUT, REMOVE
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.base import Kind, Planned, RunContext
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.ownership import ABSENT, NOT_MARKED, OWNED, Owner, Ownership
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import ADOPT, CREATE, DELETE, NONE, NOT_MANAGED, REPLACE, UPDATE, plan_item
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.namespace import NamespaceSpec

# Only its state matters to the fake kinds.
PRESENT = NamespaceSpec(name="any")


class Platform:
    """What is live (address -> owner state, protected) and what the kinds did."""

    def __init__(self, live, orphans=()):
        self.live = dict(live)
        self.orphans = list(orphans)
        self.calls = []


def fake_kind(name, platform):
    class FakeKind(Kind):
        def orphans(self, desired, planned):
            return [each for each in platform.orphans if each.kind == name]

        def read_all(self, desired):
            return {each.address: platform.live.get(each.address) for each in desired}

        def plan(self, desired, live):
            if desired.spec.state == "absent":
                return Planned(desired, plan_item(desired.address, {"v": 1} if live else None, None), view={"v": 1} if live else None)
            before = {"v": 1} if live else None
            changed = desired.scope.get("change")
            item = plan_item(desired.address, before, {"v": 2 if changed else 1}, ["v: 1 -> 2"] if changed else [])
            return Planned(desired, item, view=before)

        def plan_deferred(self, desired):
            return Planned(desired, plan_item(desired.address, None, {"v": 1}), deferred=True)

        def owner(self, planned):
            live = platform.live.get(planned.desired.address)
            return Owner(ABSENT) if live is None else Owner(*live)

        def teardown(self, desired):
            return replace(desired, spec=NamespaceSpec(name="any", state="absent")) if name in ("namespace", "guest_cluster") else None

        def mark(self, planned):
            platform.calls.append(("mark", planned.desired.address))

        def unmark(self, planned):
            platform.calls.append(("unmark", planned.desired.address))

        def apply(self, planned, phase):
            platform.calls.append((phase, planned.desired.address))
            return {"v": "applied"}

    FakeKind.name = name
    return FakeKind


def use(monkeypatch, platform):
    monkeypatch.setattr(planner, "KIND_CLASSES", {name: fake_kind(name, platform) for name in planner.KIND_CLASSES})


def desired(**scopes):
    def one(kind, address, depends_on=()):
        return Desired(kind, address, spec=PRESENT, depends_on=depends_on, scope=scopes.get(address, {}), path=f"path.of.{address}")

    return [
        one("spherelet", "spherelet.C1"),
        one("supervisor", "supervisor.C1", ("spherelet.C1",)),
        one("control_plane", "control_plane.C1", ("supervisor.C1",)),
        one("namespace", "namespace.C1/a", ("supervisor.C1",)),
    ]


def context(adopt=False):
    return RunContext(None, read_descriptor=None, ownership=Ownership("prod", adopt=adopt))


def actions(platform_plan):
    return {item.address: item.action for item in platform_plan.plan.items}


EVERYTHING_OURS = {"spherelet.C1": (OWNED,), "supervisor.C1": (OWNED,), "control_plane.C1": (OWNED,), "namespace.C1/a": (OWNED,)}


def test_an_unmarked_object_is_left_alone_and_said_so(monkeypatch):
    use(monkeypatch, Platform({**EVERYTHING_OURS, "namespace.C1/a": (NOT_MARKED,)}))

    platform_plan = planner.make_plan(desired(**{"namespace.C1/a": {"change": True}}), context())

    item = platform_plan.plan.item("namespace.C1/a")
    assert (item.action, item.reasons) == (NONE, (NOT_MANAGED,))
    assert not platform_plan.plan.changed


def test_adopting_marks_and_changes_nothing_else(monkeypatch):
    platform = Platform({**EVERYTHING_OURS, "namespace.C1/a": (NOT_MARKED,)})
    use(monkeypatch, platform)

    platform_plan = planner.make_plan(desired(**{"namespace.C1/a": {"change": True, "adopt": True}}), context())
    planner.apply_plan(platform_plan)

    assert actions(platform_plan)["namespace.C1/a"] == ADOPT
    assert platform.calls == [("mark", "namespace.C1/a")]
    assert platform_plan.plan.summary()["adopt"] == 1


def test_the_run_wide_adopt_takes_over_every_unmarked_object_of_the_file(monkeypatch):
    use(monkeypatch, Platform({**EVERYTHING_OURS, "namespace.C1/a": (NOT_MARKED,), "supervisor.C1": (NOT_MARKED,)}))

    platform_plan = planner.make_plan(desired(), context(adopt=True))

    assert actions(platform_plan) == {"spherelet.C1": NONE, "supervisor.C1": ADOPT, "control_plane.C1": NONE, "namespace.C1/a": ADOPT}


def test_spherelet_and_the_control_plane_follow_their_supervisor(monkeypatch):
    use(monkeypatch, Platform({**EVERYTHING_OURS, "supervisor.C1": (NOT_MARKED,)}))

    platform_plan = planner.make_plan(desired(**{"spherelet.C1": {"change": True}, "control_plane.C1": {"change": True}}), context())

    for address in ("spherelet.C1", "control_plane.C1"):
        assert platform_plan.plan.item(address).action == NONE and platform_plan.plan.item(address).not_managed


def test_what_does_not_exist_is_created_and_marked_before_it_is_made(monkeypatch):
    platform = Platform({})
    use(monkeypatch, platform)

    platform_plan = planner.make_plan(desired(), context())
    planner.apply_plan(platform_plan, parallelism=1)

    assert set(actions(platform_plan).values()) == {CREATE}
    assert platform.calls.index(("mark", "namespace.C1/a")) < platform.calls.index((PUT, "namespace.C1/a"))


def test_a_protection_that_differs_from_the_file_is_an_update_of_the_marks(monkeypatch):
    platform = Platform(EVERYTHING_OURS)
    use(monkeypatch, platform)

    platform_plan = planner.make_plan(desired(**{"namespace.C1/a": {"protect": True}}), context())
    planner.apply_plan(platform_plan)

    item = platform_plan.plan.item("namespace.C1/a")
    assert (item.action, item.before["protect"], item.after["protect"]) == (UPDATE, False, True)
    assert platform.calls == [("mark", "namespace.C1/a")]  # the object itself had nothing to change


def test_an_orphan_is_destroyed_then_unmarked(monkeypatch):
    orphan = Desired("namespace", "namespace.C1/gone", NamespaceSpec(name="gone", state="absent"), ("supervisor.C1",), {"orphan": True}, "namespace gone")
    platform = Platform({**EVERYTHING_OURS, "namespace.C1/gone": (OWNED,)}, orphans=[orphan])
    use(monkeypatch, platform)

    platform_plan = planner.make_plan(desired(), context())
    planner.apply_plan(platform_plan)

    assert actions(platform_plan)["namespace.C1/gone"] == DELETE
    assert platform_plan.plan.summary() == {"adopt": 0, "add": 0, "change": 0, "destroy": 1}
    assert platform.calls == [(REMOVE, "namespace.C1/gone"), ("unmark", "namespace.C1/gone")]


def test_a_protected_orphan_fails_the_plan_naming_it(monkeypatch):
    orphan = Desired("namespace", "namespace.C1/gone", NamespaceSpec(name="gone", state="absent"), ("supervisor.C1",), {"orphan": True}, "namespace gone")
    use(monkeypatch, Platform({**EVERYTHING_OURS, "namespace.C1/gone": (OWNED, True)}, orphans=[orphan]))

    with pytest.raises(InvalidArgumentError, match=r"namespace.C1/gone is protected \(protect: true when it was last applied\)"):
        planner.make_plan(desired(), context())


def test_a_requested_replacement_removes_then_makes_the_object_again_with_what_it_holds(monkeypatch):
    platform = Platform({**EVERYTHING_OURS, "guest_cluster.a/x": (OWNED,)})
    use(monkeypatch, platform)
    inside = Desired("guest_cluster", "guest_cluster.a/x", PRESENT, ("namespace.C1/a",))

    platform_plan = planner.make_plan([*desired(), inside], context(), replace_addresses=["namespace.C1/a"])
    planner.apply_plan(platform_plan, parallelism=1)

    namespace, cluster = platform_plan.plan.item("namespace.C1/a"), platform_plan.plan.item("guest_cluster.a/x")
    assert (namespace.action, namespace.forces, cluster.action) == (REPLACE, ("-replace",), REPLACE)
    assert "namespace.C1/a is replaced" in cluster.reasons
    assert platform.calls == [(REMOVE, "guest_cluster.a/x"), (REMOVE, "namespace.C1/a"), (PUT, "namespace.C1/a"), (PUT, "guest_cluster.a/x")]


def test_a_replacement_of_what_cannot_be_replaced_alone_is_refused_naming_what_can(monkeypatch):
    use(monkeypatch, Platform(EVERYTHING_OURS))

    with pytest.raises(InvalidArgumentError, match=r"-replace: control_plane.C1, namespace.C1/zz cannot be replaced: .* \(namespace.C1/a\)"):
        planner.make_plan(desired(), context(), replace_addresses=["control_plane.C1", "namespace.C1/zz"])
