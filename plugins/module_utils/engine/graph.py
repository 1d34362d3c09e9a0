# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The order a plan runs in: its items split into steps, and which step waits for which.

A create or update runs after its dependencies are created or updated; a
delete runs after its dependents are deleted (the graph reversed, as for
destroy); a replacement is a delete step and a create step, in that order, so
that the old object is gone before the new one is made (a Supervisor is
disabled before it is enabled again). Items with nothing to do make no step.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass

from ansible_collections.pacific.vsphere.plugins.module_utils.plan import ADOPT, CREATE, DELETE, REPLACE, UPDATE

# The phase of a step: what it does to its object.
REMOVE, PUT = "delete", "put"


@dataclass(frozen=True)
class Step:
    """One phase of one item: ``phase`` REMOVE (a delete, or the first half of a replace) or PUT (create or update)."""

    address: str
    phase: str

    def __str__(self):
        return f"{self.address} ({self.phase})"


def steps_of(item):
    """The steps of ``item``, in the order they run."""
    if item.action == REPLACE:
        return (Step(item.address, REMOVE), Step(item.address, PUT))
    if item.action == DELETE:
        return (Step(item.address, REMOVE),)
    if item.action in (CREATE, UPDATE, ADOPT):
        return (Step(item.address, PUT),)
    return ()


def step_graph(plan):
    """``{step: {steps it waits for}}`` for every step of ``plan``."""
    steps = {step for item in plan.items for step in steps_of(item)}
    waits = {step: set() for step in steps}
    for item in plan.items:
        if item.action == REPLACE:
            waits[Step(item.address, PUT)].add(Step(item.address, REMOVE))
    for dependent, dependency in plan.edges:
        put_dependent, put_dependency = Step(dependent, PUT), Step(dependency, PUT)
        if put_dependent in steps and put_dependency in steps:
            waits[put_dependent].add(put_dependency)
        remove_dependent, remove_dependency = Step(dependent, REMOVE), Step(dependency, REMOVE)
        if remove_dependent in steps and remove_dependency in steps:
            waits[remove_dependency].add(remove_dependent)
    return waits


def sorter(plan):
    """A prepared ``graphlib.TopologicalSorter`` over the steps of ``plan``; CycleError names the cycle."""
    order = graphlib.TopologicalSorter(step_graph(plan))
    order.prepare()
    return order


def dependents(waits, step):
    """Every step that waits, directly or not, for ``step``."""
    found = set()
    frontier = [step]
    while frontier:
        current = frontier.pop()
        for other, waited in waits.items():
            if current in waited and other not in found:
                found.add(other)
                frontier.append(other)
    return found


def closure(targets, dependencies):
    """``targets`` and every address they depend on, directly or not (``dependencies(address)``): what ``-target`` plans."""
    wanted = set()
    frontier = list(targets)
    while frontier:
        address = frontier.pop()
        if address in wanted:
            continue
        wanted.add(address)
        frontier.extend(dependencies(address))
    return wanted
