"""The executor on fake resources: dependency order, bounds, failures, replacements, events."""

import threading
import time

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.executor import DONE, FAILED, RUNNING, SKIPPED, STARTED, execute
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.graph import PUT, REMOVE, Step
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import CREATE, DELETE, NONE, REPLACE, UPDATE, Plan, PlanItem


def item(address, action=CREATE):
    return PlanItem(address, action, None if action == CREATE else {}, None if action == DELETE else {})


class FakeResources:
    """Records every step it is asked to run, with the moment it starts and ends, and how many run at once."""

    def __init__(self, fail=(), duration=0.0):
        self.fail = set(fail)
        self.duration = duration
        self.calls = []
        self.intervals = {}
        self.running = 0
        self.most_running = 0
        self.most_running_by_kind = {}
        self._running_by_kind = {}
        self._lock = threading.Lock()

    def __call__(self, plan_item, phase):
        kind = plan_item.kind
        with self._lock:
            self.calls.append((plan_item.address, phase))
            self.running += 1
            self.most_running = max(self.most_running, self.running)
            self._running_by_kind[kind] = self._running_by_kind.get(kind, 0) + 1
            self.most_running_by_kind[kind] = max(self.most_running_by_kind.get(kind, 0), self._running_by_kind[kind])
            start = time.monotonic()
        time.sleep(self.duration)
        with self._lock:
            self.running -= 1
            self._running_by_kind[kind] -= 1
            self.intervals[(plan_item.address, phase)] = (start, time.monotonic())
        if plan_item.address in self.fail:
            raise RuntimeError(f"{plan_item.address} broke")
        return f"{plan_item.address} {phase}"

    def position(self, address, phase=PUT):
        return self.calls.index((address, phase))


PLATFORM = Plan(
    items=(
        item("spherelet.C0"),
        item("supervisor.C0"),
        item("control_plane.C0"),
        item("namespace.C0/team-a"),
        item("namespace.C0/team-b"),
        item("guest_cluster.team-a/tkc-a"),
        item("guest_cluster.team-a/tkc-b"),
    ),
    edges=(
        ("supervisor.C0", "spherelet.C0"),
        ("control_plane.C0", "supervisor.C0"),
        ("namespace.C0/team-a", "supervisor.C0"),
        ("namespace.C0/team-b", "supervisor.C0"),
        ("guest_cluster.team-a/tkc-a", "namespace.C0/team-a"),
        ("guest_cluster.team-a/tkc-b", "namespace.C0/team-a"),
    ),
)


def test_every_step_runs_after_its_dependencies():
    resources = FakeResources()

    outcome = execute(PLATFORM, resources)

    assert outcome.ok
    assert len(resources.calls) == 7
    for dependent, dependency in PLATFORM.edges:
        assert resources.position(dependency) < resources.position(dependent), (dependent, dependency)
    assert outcome.results[Step("namespace.C0/team-a", PUT)].value == "namespace.C0/team-a put"


def test_deletes_run_in_reverse_dependency_order():
    plan = Plan(items=tuple(PlanItem(each.address, DELETE, {}, None) for each in PLATFORM.items), edges=PLATFORM.edges)
    resources = FakeResources()

    assert execute(plan, resources).ok

    for dependent, dependency in PLATFORM.edges:
        assert resources.position(dependent, REMOVE) < resources.position(dependency, REMOVE), (dependent, dependency)


def test_items_with_nothing_to_do_run_nothing_and_do_not_hold_up_others():
    plan = Plan(
        items=(item("supervisor.C0", NONE), item("namespace.C0/a", UPDATE)),
        edges=(("namespace.C0/a", "supervisor.C0"),),
    )
    resources = FakeResources()

    outcome = execute(plan, resources)

    assert resources.calls == [("namespace.C0/a", PUT)]
    assert list(outcome.results) == [Step("namespace.C0/a", PUT)]


@pytest.mark.parametrize("parallelism", [1, 2, 3])
def test_never_more_steps_at_once_than_the_parallelism(parallelism):
    plan = Plan(items=tuple(item(f"namespace.C0/ns-{index}") for index in range(8)))
    resources = FakeResources(duration=0.02)

    assert execute(plan, resources, parallelism=parallelism).ok

    assert resources.most_running == parallelism


def test_independent_steps_run_at_the_same_time():
    plan = Plan(items=(item("guest_cluster.a/one"), item("guest_cluster.b/two")))
    resources = FakeResources(duration=0.1)

    execute(plan, resources)

    one, two = (resources.intervals[(address, PUT)] for address in ("guest_cluster.a/one", "guest_cluster.b/two"))
    assert one[0] < two[1] and two[0] < one[1]


def test_a_kind_limit_bounds_its_kind_only():
    plan = Plan(items=tuple(item(f"spherelet.C{index}") for index in range(4)) + tuple(item(f"namespace.C0/ns-{index}") for index in range(4)))
    resources = FakeResources(duration=0.03)

    assert execute(plan, resources, parallelism=8, limits={"spherelet": 1}).ok

    assert resources.most_running_by_kind == {"spherelet": 1, "namespace": 4}


def test_a_failure_skips_exactly_its_dependents_and_the_rest_finishes():
    resources = FakeResources(fail={"namespace.C0/team-a"})

    outcome = execute(PLATFORM, resources)

    assert not outcome.ok
    assert {step.address for step in outcome.failures()} == {"namespace.C0/team-a"}
    assert str(outcome.failures()[Step("namespace.C0/team-a", PUT)].error) == "namespace.C0/team-a broke"
    skipped = outcome.skipped()
    assert {step.address for step in skipped} == {"guest_cluster.team-a/tkc-a", "guest_cluster.team-a/tkc-b"}
    assert {result.because for result in skipped.values()} == {"namespace.C0/team-a (put)"}
    done = {step.address for step, result in outcome.results.items() if result.status == DONE}
    assert done == {"spherelet.C0", "supervisor.C0", "control_plane.C0", "namespace.C0/team-b"}
    assert ("guest_cluster.team-a/tkc-a", PUT) not in resources.calls


def test_a_failure_early_in_the_chain_skips_everything_after_it():
    outcome = execute(PLATFORM, FakeResources(fail={"spherelet.C0"}))

    assert len(outcome.skipped()) == 6
    assert {result.because for result in outcome.skipped().values()} == {"spherelet.C0 (put)"}


def test_a_replacement_deletes_before_it_creates_and_around_its_dependents():
    plan = Plan(
        items=(item("supervisor.C0", REPLACE), item("namespace.C0/a", REPLACE), item("namespace.C0/b", UPDATE)),
        edges=(("namespace.C0/a", "supervisor.C0"), ("namespace.C0/b", "supervisor.C0")),
    )
    resources = FakeResources()

    assert execute(plan, resources).ok

    position = resources.position
    assert position("supervisor.C0", REMOVE) < position("supervisor.C0", PUT)
    # The namespace goes before the Supervisor it lives on, and comes back after it.
    assert position("namespace.C0/a", REMOVE) < position("supervisor.C0", REMOVE)
    assert position("supervisor.C0", PUT) < position("namespace.C0/a", PUT)
    assert position("supervisor.C0", PUT) < position("namespace.C0/b", PUT)


def test_a_failed_delete_half_of_a_replacement_skips_its_create_half():
    plan = Plan(items=(item("supervisor.C0", REPLACE),))

    outcome = execute(plan, FakeResources(fail={"supervisor.C0"}))

    assert outcome.results[Step("supervisor.C0", REMOVE)].status == FAILED
    assert outcome.results[Step("supervisor.C0", PUT)].status == SKIPPED


def test_events_tell_start_progress_and_end_of_every_step():
    events = []
    plan = Plan(items=(item("supervisor.C0"), item("namespace.C0/a", DELETE)), edges=())

    execute(plan, FakeResources(duration=0.05), on_event=events.append, heartbeat=0.01)

    by_address = {}
    for event in events:
        by_address.setdefault(event.address, []).append(event.kind)
    for kinds in by_address.values():
        assert kinds[0] == STARTED and kinds[-1] == DONE
        assert RUNNING in kinds
    running = [event for event in events if event.kind == RUNNING]
    assert all(event.elapsed > 0 for event in running)
    assert {event.action for event in events if event.address == "namespace.C0/a"} == {DELETE}


def test_a_replacement_reports_its_halves_as_delete_and_replace():
    events = []

    execute(Plan(items=(item("supervisor.C0", REPLACE),)), FakeResources(), on_event=events.append)

    assert [(event.kind, event.action) for event in events] == [(STARTED, DELETE), (DONE, DELETE), (STARTED, REPLACE), (DONE, REPLACE)]


def test_a_failure_event_carries_the_error_and_skips_name_the_failed_step():
    events = []

    execute(PLATFORM, FakeResources(fail={"supervisor.C0"}), on_event=events.append)

    failed = [event for event in events if event.kind == FAILED]
    assert [(event.address, str(event.error)) for event in failed] == [("supervisor.C0", "supervisor.C0 broke")]
    assert {event.because for event in events if event.kind == SKIPPED} == {"supervisor.C0 (put)"}


@pytest.mark.parametrize("settings", [dict(parallelism=0), dict(limits={"spherelet": 0})])
def test_bounds_below_one_are_refused(settings):
    with pytest.raises(ValueError, match="give 1 or more"):
        execute(PLATFORM, FakeResources(), **settings)
