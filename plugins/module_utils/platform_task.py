# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The ``platform`` task: the engine over a topology, as the pacific.vsphere.platform module and its action plugin run it.

One run: the document checked (structure, values, and the names of vCenter
objects the kinds asked for use), the desired objects of the kinds
asked for, one session per endpoint, one Plan. Check mode returns the plan;
otherwise the plan is applied in dependency order and each object's outcome
is returned with it. Both front ends call ``run_platform`` and differ only in
how they show progress.
"""

from __future__ import annotations

from ansible_collections.pacific.vsphere.plugins.module_utils.bounds import MAX_PARALLELISM, MAX_WAIT_SECONDS, first_problem, range_problem
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import REQUESTS_LIBRARY
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.supervisor import KUBERNETES_LIBRARY
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vim import PYVMOMI_LIBRARY
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec, vcenter_connection
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import KINDS, desired_specs
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.executor import DEFAULT_HEARTBEAT, DEFAULT_PARALLELISM, DONE, FAILED, SKIPPED, item_results
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.ownership import Ownership
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.planner import apply_plan, make_plan
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.run import check_references, engine_run, platform_locked
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.sessions import Sessions
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, PacificError
from ansible_collections.pacific.vsphere.plugins.module_utils.manifests import JINJA2_LIBRARY, YAML_LIBRARY
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import REPLACE
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
        adopt=dict(type="bool", default=False),
        allow_replace=dict(type="bool", default=False),
        lock_timeout=dict(type="int", default=0),
    )


def run_platform(params, *, check_mode, diff_mode, on_event=lambda event: None, heartbeat=DEFAULT_HEARTBEAT, sessions_factory=Sessions):
    """Plan, and unless ``check_mode`` apply, the platform of ``params``; return the task's result or raise PlatformFailed."""
    out_of_range = first_problem(
        range_problem("parallelism", params["parallelism"], 1, MAX_PARALLELISM, "objects changed at once"),
        range_problem("lock_timeout", params["lock_timeout"], 0, MAX_WAIT_SECONDS, "seconds to wait for the platform's lock"),
        range_problem("login_port", params["login_port"], 1, 65535, "a TCP port"),
    )
    if out_of_range:
        raise InvalidArgumentError(out_of_range)
    # Bad input fails here, before vCenter is even asked.
    topology = validate(params["topology"])
    desired = desired_specs(topology, state=params["state"], kinds=params["kinds"], secrets=params["secrets"], force_delete=params["force_delete"])
    connection = vcenter_connection(params)
    ownership = Ownership(topology["name"], adopt=params["adopt"])
    outcome = None
    with engine_run(connection, login_port=params["login_port"], predicting=check_mode, ownership=ownership, sessions_factory=sessions_factory) as context:
        check_references(topology, context, params["kinds"])
        platform_plan = make_plan(desired, context, kinds=params["kinds"])
        plan = platform_plan.plan
        if plan.changed and not check_mode:
            _refuse_unallowed_replacements(plan, params["allow_replace"])
            with platform_locked(context, "apply" if params["state"] == "present" else "destroy", timeout=params["lock_timeout"]):
                # Planned again under the lock: another run may have changed the platform while this one waited.
                platform_plan = make_plan(desired, context.fresh(), kinds=params["kinds"])
                plan = platform_plan.plan
                outcome = apply_plan(platform_plan, parallelism=params["parallelism"], on_event=on_event, heartbeat=heartbeat)
    ended = item_results(plan, outcome)
    results = [_result(each, check_mode) for each in ended]
    applied = any(each.status == DONE for each in ended)
    result = dict(
        changed=plan.changed if outcome is None else applied,
        plan=[item.as_dict() for item in plan.items],
        summary=plan.summary(),
        results=results,
        resources=_resources(platform_plan, ended),
    )
    if diff_mode:
        result["diff"] = plan.diff()
    failed = [each for each in results if each["status"] in (FAILED, SKIPPED)]
    if failed:
        changes = sum(1 for each in results if each["status"] != UNCHANGED)
        errors = "; ".join(f"{each['address']}: {each['error']}" for each in failed)
        raise PlatformFailed(f"Failed to apply {len(failed)} of {changes} changes: {errors}", result=result)
    return result


def _refuse_unallowed_replacements(plan, allowed):
    """Raise, before any change, when the plan replaces objects and the task does not allow it: replacing deletes what they hold."""
    replaced = [f"{item.address} ({', '.join(item.forces)})" for item in plan.items if item.action == REPLACE]
    if replaced and not allowed:
        raise PacificError(
            f"allow_replace: the plan replaces {'; '.join(replaced)}, deleting what they hold (namespaces, guest clusters and their workloads):"
            " set allow_replace: true to do that, or keep the current values"
        )


def _resources(platform_plan, ended):
    """Each object as the run leaves it, by address: what its apply returned, else what was read (None: it does not exist)."""
    return {each.item.address: each.value if each.status == DONE else platform_plan.planned[each.item.address].view for each in ended}


def _result(ended, check_mode):
    """What happened to one item: unchanged, planned (check mode), done, failed (with the error) or skipped (naming the failure)."""
    item = ended.item
    if ended.status is None:
        status = PLANNED if check_mode and item.changed else UNCHANGED
        return {"address": item.address, "action": item.action, "status": status}
    if ended.status == DONE:
        return {"address": item.address, "action": item.action, "status": DONE, "elapsed": ended.elapsed}
    return {"address": item.address, "action": item.action, "status": ended.status, "error": ended.error}
