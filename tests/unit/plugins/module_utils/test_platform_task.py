"""The platform task over fake kinds and sessions: check mode plans only, results and resources, failures name the address."""

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils import platform_task
from ansible_collections.pacific.vsphere.plugins.module_utils.engine import planner
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.kinds.base import Kind, Planned
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.ownership import ABSENT, OWNED, Owner
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import AlreadyExistsError, NotFoundError, PacificError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import plan_item
from ansible_collections.pacific.vsphere.plugins.module_utils.platform_task import PlatformFailed, argument_spec, run_platform
from ansible_collections.pacific.vsphere.plugins.module_utils.topology import TopologyError
from sample_topology import TOPOLOGY


class FakeTagging:
    """vCenter's tagging API as the marks and the lock use it: no marks yet, tags made and deleted in memory."""

    def __init__(self):
        self.tags = {}
        self.attached = []

    def post(self, path, *, params=None, json=None, what=None, idempotent=None):
        action = (params or {}).get("action")
        if action == "list-attached-objects-on-tags":
            return []
        if path.endswith("/tag") and action is None:
            if json["tag_id"] in self.tags:
                raise AlreadyExistsError("taken")
            self.tags[json["tag_id"]] = json
            return json["tag_id"]
        if action == "attach":
            self.attached.append(json["object_id"])
        return None

    def get(self, path, *, what=None):
        tag_id = path.rsplit("/", 1)[1]
        if tag_id not in self.tags:
            raise NotFoundError("no such tag")
        return self.tags[tag_id]

    def delete(self, path, *, what=None):
        self.tags.pop(path.rsplit("/", 1)[1], None)


class FakeSessions:
    opened = 0
    references_checked = 0

    def __init__(self, connection, *, login_port):
        self.connection = connection
        self.tagging = FakeTagging()
        FakeSessions.opened += 1

    def rest(self):
        return self.tagging

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


@pytest.fixture
def applied(monkeypatch):
    done = []

    def fake_kind(name):
        class FakeKind(Kind):
            def read_all(self, desired):
                return {each.address: each.address.startswith("namespace.") for each in desired}

            def plan(self, desired, live):
                after = {"limit": 2} if desired.address == "namespace.C1/team-a" else {"limit": 1}
                before = {"limit": 1} if live else None
                item = plan_item(desired.address, before, after, ["limit: 1 -> 2"] if after != before else [])
                return Planned(desired, item, view={"limit": 1} if live else None)

            def plan_deferred(self, desired):
                return Planned(desired, plan_item(desired.address, None, {"limit": 1}), deferred=True)

            def owner(self, planned):
                return Owner(OWNED if planned.view is not None else ABSENT)

            def apply(self, planned, phase):
                if planned.desired.address == "supervisor.C2":
                    raise PacificError("Failed to enable Workload Management on cluster 'C2': no")
                done.append(planned.desired.address)
                return {"limit": "applied"}

        FakeKind.name = name
        return FakeKind

    monkeypatch.setattr(planner, "KIND_CLASSES", {name: fake_kind(name) for name in planner.KIND_CLASSES})
    # The names of vCenter objects are checked against the lab (tests/pacific); here, that it happens before any change.

    def check_references(topology, context, kinds):
        assert done == [], "names are checked before any change"
        FakeSessions.references_checked += 1

    monkeypatch.setattr(platform_task, "check_references", check_references)
    return done


def params(**changes):
    defaults = {name: option.get("default") for name, option in argument_spec().items()}
    return {**defaults, "hostname": "vc", "username": "administrator@vsphere.local", "password": "secret", "topology": TOPOLOGY, **changes}


def test_check_mode_plans_and_applies_nothing(applied):
    result = run_platform(params(kinds=["namespace"]), check_mode=True, diff_mode=True, sessions_factory=FakeSessions)

    assert applied == []
    assert result["changed"] is True
    assert [(each["address"], each["status"]) for each in result["results"]] == [("namespace.C1/team-a", "planned"), ("namespace.C2/team-b", "unchanged")]
    assert result["summary"] == {"adopt": 0, "add": 0, "change": 1, "destroy": 0}
    assert result["diff"]["after"]["namespace.C1/team-a"] == {"limit": 2}
    assert result["resources"] == {"namespace.C1/team-a": {"limit": 1}, "namespace.C2/team-b": {"limit": 1}}


def test_a_run_applies_and_returns_what_each_object_became(applied):
    checked_before = FakeSessions.references_checked
    result = run_platform(params(kinds=["namespace"]), check_mode=False, diff_mode=False, sessions_factory=FakeSessions)

    assert FakeSessions.references_checked == checked_before + 1
    assert applied == ["namespace.C1/team-a"]
    assert result["resources"]["namespace.C1/team-a"] == {"limit": "applied"}
    assert "diff" not in result


def test_a_failure_names_the_address_and_skips_what_depends_on_it(applied):
    with pytest.raises(PlatformFailed) as raised:
        run_platform(params(kinds=["spherelet", "supervisor", "namespace"]), check_mode=False, diff_mode=False, sessions_factory=FakeSessions)

    message = raised.value.message
    assert "supervisor.C2: Failed to enable Workload Management on cluster 'C2': no" in message
    assert "namespace.C2/team-b: skipped: supervisor.C2 (put) failed" in message
    details = raised.value.details()
    assert details["changed"] is True
    assert {each["address"]: each["status"] for each in details["results"]}["namespace.C1/team-a"] == "done"


def test_bad_input_fails_before_any_session(applied):
    FakeSessions.opened = 0
    with pytest.raises(TopologyError, match=r"supervisors\[0\].control_plane.count: 2 is even"):
        bad = {"supervisors": [dict(TOPOLOGY["supervisors"][0], control_plane={"count": 2})]}
        run_platform(params(topology=bad), check_mode=False, diff_mode=False, sessions_factory=FakeSessions)
    with pytest.raises(PacificError, match="parallelism: 0 is out of range: give objects changed at once, from 1 to 64"):
        run_platform(params(parallelism=0), check_mode=False, diff_mode=False, sessions_factory=FakeSessions)
    with pytest.raises(PacificError, match="lock_timeout: -1 is out of range"):
        run_platform(params(lock_timeout=-1), check_mode=False, diff_mode=False, sessions_factory=FakeSessions)

    assert FakeSessions.opened == 0
