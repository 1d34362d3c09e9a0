# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Runs the steps of a plan: in dependency order, independent steps at once, within bounds.

``execute()`` starts every step whose waits are over, up to ``parallelism``
at a time and ``limits[kind]`` at a time per kind of object; a step that
fails skips exactly the steps that wait for it, directly or not, and the
others run to their end. Every step ends with a result: done (with what the
apply returned), failed (with the error) or skipped (naming the failed step).

Progress is reported as events for a front end to render: ``started``,
``running`` every ``heartbeat`` seconds while a step runs, ``done``,
``failed`` and ``skipped``, each with the step's address, action and elapsed
seconds. The callback is called from the executor's own thread, one event at
a time, so a renderer needs no lock.
"""

from __future__ import annotations

import queue
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ansible_collections.pacific.vsphere.plugins.module_utils.engine.graph import REMOVE, dependents, sorter, step_graph, steps_of
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import DELETE, Plan

DONE, FAILED, SKIPPED = "done", "failed", "skipped"
STARTED, RUNNING = "started", "running"
DEFAULT_PARALLELISM = 10
DEFAULT_HEARTBEAT = 10.0


@dataclass(frozen=True)
class Event:
    """What happened to a step: ``kind`` is STARTED, RUNNING, DONE, FAILED or SKIPPED."""

    kind: str
    address: str
    action: str
    phase: str
    elapsed: float = 0.0
    error: Optional[BaseException] = None
    because: Optional[str] = None


@dataclass
class StepResult:
    """How a step ended: ``status`` DONE, FAILED or SKIPPED; ``value`` what the apply returned; ``because`` the failed step a skip waited for."""

    status: str
    value: Any = None
    error: Optional[BaseException] = None
    because: Optional[str] = None
    elapsed: float = 0.0


@dataclass
class Outcome:
    """The results of a run, by step, and whether it went through."""

    results: dict = field(default_factory=dict)

    @property
    def ok(self):
        return all(result.status == DONE for result in self.results.values())

    def failures(self):
        return {step: result for step, result in self.results.items() if result.status == FAILED}

    def skipped(self):
        return {step: result for step, result in self.results.items() if result.status == SKIPPED}


@dataclass(frozen=True)
class ItemResult:
    """How one plan item ended: ``status`` DONE, FAILED or SKIPPED (naming what failed in ``error``), None when nothing ran for it."""

    item: Any
    status: Optional[str] = None
    error: Optional[str] = None
    elapsed: float = 0.0
    value: Any = None


def item_results(plan, outcome):
    """The ItemResult of every item of ``plan`` from the step results of ``outcome`` (None: nothing was applied)."""
    found = []
    for item in plan.items:
        steps = steps_of(item)
        ended = [outcome.results[step] for step in steps if step in outcome.results] if outcome is not None else []
        failed = next((result for result in ended if result.status == FAILED), None)
        skipped = next((result for result in ended if result.status == SKIPPED), None)
        elapsed = round(sum(result.elapsed for result in ended), 1)
        if failed is not None:
            found.append(ItemResult(item, FAILED, str(failed.error), elapsed))
        elif skipped is not None:
            found.append(ItemResult(item, SKIPPED, f"skipped: {skipped.because} failed", elapsed))
        elif steps and len(ended) == len(steps):
            found.append(ItemResult(item, DONE, None, elapsed, ended[-1].value))
        else:
            found.append(ItemResult(item))
    return found


def done_summary(results):
    """The plan summary counts of the items that are done: what a run added, changed, adopted and destroyed."""
    return Plan(items=tuple(result.item for result in results if result.status == DONE)).summary()


def execute(
    plan,
    apply_step: Callable,
    *,
    parallelism=DEFAULT_PARALLELISM,
    limits=None,
    on_event: Callable = lambda event: None,
    heartbeat=DEFAULT_HEARTBEAT,
    clock=time.monotonic,
):
    """Run every step of ``plan`` through ``apply_step(item, phase)`` and return the Outcome.

    ``phase`` is REMOVE (delete the object, or its old self for a replace)
    or PUT (create or update it). ``limits`` bounds the steps running at once
    per item kind (``{"spherelet": 1}``). Exceptions of ``apply_step`` are
    results, not raised; KeyboardInterrupt and SystemExit stop the run.
    """
    if parallelism < 1:
        raise ValueError(f"parallelism: {parallelism} is not allowed: give 1 or more")
    limits = dict(limits or {})
    for kind, limit in limits.items():
        if limit < 1:
            raise ValueError(f"limits.{kind}: {limit} is not allowed: give 1 or more")
    items = {item.address: item for item in plan.items}
    waits = step_graph(plan)
    order = sorter(plan)
    outcome = Outcome()
    finished = queue.Queue()
    ready = []
    running = {}  # step -> start time
    running_by_kind = {}
    skipped = set()

    def action_of(step):
        item = items[step.address]
        return DELETE if step.phase == REMOVE and item.action != DELETE else item.action

    def emit(kind, step, **details):
        on_event(Event(kind, step.address, action_of(step), step.phase, **details))

    def run(step, started):
        try:
            value = apply_step(items[step.address], step.phase)
        except Exception as error:  # pylint: disable=broad-exception-caught
            # A failed step is a result: its dependents are skipped, the rest go on.
            finished.put((step, StepResult(FAILED, error=error, elapsed=clock() - started)))
        else:
            finished.put((step, StepResult(DONE, value=value, elapsed=clock() - started)))

    def startable(step):
        kind = items[step.address].kind
        return len(running) < parallelism and running_by_kind.get(kind, 0) < limits.get(kind, parallelism)

    def collect_ready():
        for step in sorted(order.get_ready(), key=str):
            if step in skipped:
                order.done(step)
                continue
            ready.append(step)

    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="pacific-step") as pool:
        collect_ready()
        while ready or running:
            for step in list(ready):
                # Checked one step at a time: each start moves the counts.
                if not startable(step):
                    continue
                ready.remove(step)
                started = clock()
                running[step] = started
                kind = items[step.address].kind
                running_by_kind[kind] = running_by_kind.get(kind, 0) + 1
                emit(STARTED, step)
                pool.submit(run, step, started)
            if not running:
                break
            try:
                step, result = finished.get(timeout=heartbeat)
            except queue.Empty:
                now = clock()
                for step in sorted(running, key=str):
                    emit(RUNNING, step, elapsed=now - running[step])
                continue
            del running[step]
            running_by_kind[items[step.address].kind] -= 1
            outcome.results[step] = result
            if result.status == FAILED:
                emit(FAILED, step, elapsed=result.elapsed, error=result.error)
                for waiting in sorted(dependents(waits, step), key=str):
                    if waiting not in skipped:
                        skipped.add(waiting)
                        outcome.results[waiting] = StepResult(SKIPPED, because=str(step))
                        emit(SKIPPED, waiting, because=str(step))
            else:
                emit(DONE, step, elapsed=result.elapsed)
            order.done(step)
            collect_ready()
    return outcome
