# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The ``platform`` task: the engine over a topology, as the pacific.vsphere.platform module and its action plugin run it.

One run: the document checked (structure and values; the topology module or
role checks the names against vCenter), the desired objects of the kinds
asked for, one session per endpoint, one Plan. Check mode returns the plan;
otherwise the plan is applied in dependency order and each object's outcome
is returned with it. Both front ends call ``run_platform`` and differ only in
how they show progress.
"""

from __future__ import annotations

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import REQUESTS_LIBRARY
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.supervisor import KUBERNETES_LIBRARY
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vim import PYVMOMI_LIBRARY
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec, vcenter_connection
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import KINDS, desired_specs
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.executor import DEFAULT_HEARTBEAT, DEFAULT_PARALLELISM, DONE, FAILED, SKIPPED
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.graph import steps_of
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.planner import apply_plan, make_plan
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.run import engine_run
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.sessions import Sessions
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import PacificError
from ansible_collections.pacific.vsphere.plugins.module_utils.manifests import JINJA2_LIBRARY, YAML_LIBRARY
from ansible_collections.pacific.vsphere.plugins.module_utils.topology import validate

UNCHANGED, PLANNED = "unchanged", "planned"
# What the engine needs of the machine it runs on.
LIBRARIES = (PYVMOMI_LIBRARY, REQUESTS_LIBRARY, KUBERNETES_LIBRARY, JINJA2_LIBRARY, YAML_LIBRARY)


class PlatformFailed(PacificError):
    """Some objects failed to apply; the result says what each object's outcome was."""

    def __init__(self, message, *, result):
        super().__init__(message)
        self.result = result

    def details(self):
        return dict(self.result)


def argument_spec():
    """A fresh argument spec of the platform task: the vCenter connection and the engine's settings."""
    return dict(
        vcenter_argument_spec(),
        topology=dict(type="dict", required=True),
        kinds=dict(type="list", elements="str", choices=list(KINDS), default=list(KINDS)),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        secrets=dict(type="dict", no_log=True, default={}),
        login_port=dict(type="int", default=443),
        force_delete=dict(type="bool", default=False),
        parallelism=dict(type="int", default=DEFAULT_PARALLELISM),
    )


def run_platform(params, *, check_mode, diff_mode, on_event=lambda event: None, heartbeat=DEFAULT_HEARTBEAT, sessions_factory=Sessions):
    """Plan, and unless ``check_mode`` apply, the platform of ``params``; return the task's result or raise PlatformFailed."""
    if params["parallelism"] < 1:
        raise PacificError(f"parallelism: {params['parallelism']} is not allowed: give 1 or more")
    # Bad input fails here, before vCenter is even asked.
    topology = validate(params["topology"])
    desired = desired_specs(topology, state=params["state"], kinds=params["kinds"], secrets=params["secrets"], force_delete=params["force_delete"])
    connection = vcenter_connection(params)
    outcome = None
    with engine_run(connection, login_port=params["login_port"], predicting=check_mode, sessions_factory=sessions_factory) as context:
        platform_plan = make_plan(desired, context)
        plan = platform_plan.plan
        if plan.changed and not check_mode:
            outcome = apply_plan(platform_plan, parallelism=params["parallelism"], on_event=on_event, heartbeat=heartbeat)
    results = [_result(item, outcome, check_mode) for item in plan.items]
    applied = outcome is not None and any(result["status"] == DONE for result in results)
    result = dict(
        changed=plan.changed if outcome is None else applied,
        plan=[item.as_dict() for item in plan.items],
        summary=plan.summary(),
        results=results,
        resources=_resources(platform_plan, outcome),
    )
    if diff_mode:
        result["diff"] = plan.diff()
    failed = [each for each in results if each["status"] in (FAILED, SKIPPED)]
    if failed:
        raise PlatformFailed(
            f"Failed to apply {len(failed)} of {sum(1 for each in results if each['status'] != UNCHANGED)} changes: "
            + "; ".join(f"{each['address']}: {each['error']}" for each in failed),
            result=result,
        )
    return result


def _resources(platform_plan, outcome):
    """Each object as the run leaves it, by address: what its apply returned, else what was read (None: it does not exist)."""
    resources = {}
    for item in platform_plan.plan.items:
        view = platform_plan.planned[item.address].view
        for step in steps_of(item) if outcome is not None else ():
            result = outcome.results.get(step)
            if result is not None and result.status == DONE:
                view = result.value
        resources[item.address] = view
    return resources


def _result(item, outcome, check_mode):
    """What happened to one item: unchanged, planned (check mode), done, failed (with the error) or skipped (naming the failure)."""
    steps = steps_of(item)
    if not steps:
        return {"address": item.address, "action": item.action, "status": UNCHANGED}
    if outcome is None:
        return {"address": item.address, "action": item.action, "status": PLANNED if check_mode else UNCHANGED}
    ended = [outcome.results[step] for step in steps if step in outcome.results]
    for status in (FAILED, SKIPPED):
        for result in ended:
            if result.status == status:
                error = str(result.error) if status == FAILED else f"skipped: {result.because} failed"
                return {"address": item.address, "action": item.action, "status": status, "error": error}
    return {"address": item.address, "action": item.action, "status": DONE, "elapsed": round(sum(result.elapsed for result in ended), 1)}
