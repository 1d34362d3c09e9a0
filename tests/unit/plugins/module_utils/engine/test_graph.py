"""Steps of a plan and the order between them."""

import graphlib

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.graph import PUT, REMOVE, Step, closure, dependents, sorter, step_graph, steps_of
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import CREATE, DELETE, NONE, REPLACE, UPDATE, Plan, PlanItem


@pytest.mark.parametrize(
    "action, phases",
    [(CREATE, [PUT]), (UPDATE, [PUT]), (DELETE, [REMOVE]), (REPLACE, [REMOVE, PUT]), (NONE, [])],
)
def test_each_action_has_its_steps(action, phases):
    assert [step.phase for step in steps_of(PlanItem("namespace.C0/a", action, {}, {}))] == phases


def test_a_create_under_a_deleted_parent_does_not_wait_for_the_delete():
    plan = Plan(
        items=(PlanItem("namespace.C0/a", DELETE, {}, None), PlanItem("guest_cluster.a/x", CREATE, None, {})),
        edges=(("guest_cluster.a/x", "namespace.C0/a"),),
    )

    assert step_graph(plan) == {Step("namespace.C0/a", REMOVE): set(), Step("guest_cluster.a/x", PUT): set()}


def test_a_cycle_is_refused_naming_it():
    plan = Plan(items=(PlanItem("a.x", CREATE, None, {}), PlanItem("b.y", CREATE, None, {})), edges=(("a.x", "b.y"), ("b.y", "a.x")))

    with pytest.raises(graphlib.CycleError):
        sorter(plan)


def test_dependents_are_found_through_every_level():
    plan = Plan(
        items=(PlanItem("a.1", CREATE, None, {}), PlanItem("b.1", CREATE, None, {}), PlanItem("c.1", CREATE, None, {}), PlanItem("d.1", CREATE, None, {})),
        edges=(("b.1", "a.1"), ("c.1", "b.1")),
    )

    assert dependents(step_graph(plan), Step("a.1", PUT)) == {Step("b.1", PUT), Step("c.1", PUT)}


def test_a_target_brings_its_dependencies_and_not_its_dependents():
    plan = Plan(
        items=tuple(PlanItem(address, CREATE, None, {}) for address in ("spherelet.C0", "supervisor.C0", "namespace.C0/a", "guest_cluster.a/x")),
        edges=(("supervisor.C0", "spherelet.C0"), ("namespace.C0/a", "supervisor.C0"), ("guest_cluster.a/x", "namespace.C0/a")),
    )

    assert closure(["namespace.C0/a"], plan.dependencies) == {"namespace.C0/a", "supervisor.C0", "spherelet.C0"}
