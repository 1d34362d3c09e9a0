# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Words for what the engine plans and does, from the Plan and its events alone.

In Terraform's words and symbols, so that people who know it read them at
once: ``+`` create, ``~`` update in place, ``-/+`` replace (``# forces
replacement`` on the attribute), ``-`` destroy; only the attributes that
change, unchanged ones counted; ``(known after apply)`` for what the server
makes; ``(sensitive value)`` for secrets. Progress reads
``supervisor.C0: Still creating... [1m20s elapsed]``. The machine-readable
form is one JSON object a line, in the shape of Terraform's ``-json`` UI.
"""

from __future__ import annotations

import datetime
import json

from ansible_collections.pacific.vsphere.plugins.module_utils.engine.executor import DONE, FAILED, RUNNING, SKIPPED, STARTED
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import ADOPT, CREATE, DELETE, REPLACE, UPDATE, is_known_after_apply
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_spec import MASKED

NO_CHANGES = "No changes. Your platform matches the topology."
_SYMBOLS = {CREATE: "+", UPDATE: "~", DELETE: "-", REPLACE: "-/+", ADOPT: "="}
_HEADERS = {
    CREATE: "will be created",
    UPDATE: "will be updated in-place",
    DELETE: "will be destroyed",
    REPLACE: "must be replaced",
    ADOPT: "will be adopted: marked as managed by this topology, nothing else changes",
}
_COLORS = {"+": "32", "~": "33", "-": "31", "-/+": "35", "=": "36"}
# Terraform's word for taking over an existing object, in the machine-readable UI.
_JSON_ACTIONS = {ADOPT: "import"}
UI_VERSION = "1.2"

# action: (doing, done)
_WORDS = {
    CREATE: ("creating", "Creation"),
    UPDATE: ("modifying", "Modifications"),
    REPLACE: ("creating", "Creation"),
    DELETE: ("destroying", "Destruction"),
    ADOPT: ("adopting", "Adoption"),
}


def duration(seconds):
    """``1m20s`` / ``45s``, as Terraform writes elapsed times."""
    seconds = int(seconds)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes}m{seconds}s"
    return f"{minutes}m{seconds}s" if minutes else f"{seconds}s"


def progress_line(event):
    """The line that tells ``event`` (an ``executor.Event``)."""
    doing, done = _WORDS.get(event.action, ("changing", "Change"))
    if event.kind == STARTED:
        return f"{event.address}: {doing.capitalize()}..."
    if event.kind == RUNNING:
        return f"{event.address}: Still {doing}... [{duration(event.elapsed)} elapsed]"
    if event.kind == DONE:
        return f"{event.address}: {done} complete after {duration(event.elapsed)}"
    if event.kind == FAILED:
        return f"{event.address}: {done} failed after {duration(event.elapsed)}: {event.error}"
    if event.kind == SKIPPED:
        return f"{event.address}: Skipped: {event.because} failed"
    raise ValueError(f"unknown event kind {event.kind!r}")


# -- the plan as text ---------------------------------------------------------------


def plan_text(plan, *, color=False):
    """The plan as Terraform renders one: a block per changed object, then the summary line; then what is left alone as not managed."""
    changed = [item for item in plan.items if item.changed]
    lines = [NO_CHANGES] if not changed else ["Pacific will perform the following actions:", ""]
    for item in changed:
        lines.extend(_item_lines(item, color))
    if changed:
        lines.append(summary_line(plan.summary()))
    lines.extend(not_managed_lines(plan))
    return "\n".join(lines)


def not_managed_lines(plan):
    """A note on each object the topology names that exists but is not marked as its own: left alone."""
    left = [item.address for item in plan.items if item.not_managed]
    if not left:
        return []
    return [
        "",
        f"Note: {len(left)} object{'s' if len(left) > 1 else ''} of the topology exist{'' if len(left) > 1 else 's'}, not managed by this topology,"
        " and will be left alone (take them over with -adopt, or adopt: true on their entries):",
        *(f"  {address}" for address in left),
    ]


def summary_line(summary):
    adopting = f"{summary['adopt']} to adopt, " if summary.get("adopt") else ""
    return f"Plan: {adopting}{summary['add']} to add, {summary['change']} to change, {summary['destroy']} to destroy."


def _item_lines(item, color):
    symbol = _SYMBOLS[item.action]
    kind, _dot, name = item.address.partition(".")
    lines = [f"  # {item.address} {_HEADERS[item.action]}", f'{_paint(symbol, color):>3} {kind} "{name}" {{']
    before, after = flatten(item.before), flatten(item.after)
    unchanged = 0
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, _ABSENT), after.get(key, _ABSENT)
        if item.action in (CREATE, DELETE) and (new if item.action == CREATE else old) is None:
            continue  # an unset attribute of an object made or destroyed is not shown, as Terraform does
        if item.action == CREATE:
            lines.append(f"      {_paint('+', color)} {key} = {value_text(new)}")
        elif item.action == DELETE:
            lines.append(f"      {_paint('-', color)} {key} = {value_text(old)}")
        elif old == new:
            unchanged += 1
        elif old is _ABSENT:
            lines.append(f"      {_paint('+', color)} {key} = {value_text(new)}")
        elif new is _ABSENT:
            lines.append(f"      {_paint('-', color)} {key} = {value_text(old)}")
        else:
            forces = " # forces replacement" if any(key == force or key.startswith(force + ".") for force in item.forces) else ""
            lines.append(f"      {_paint('~', color)} {key} = {value_text(old)} -> {value_text(new)}{forces}")
    if item.action == UPDATE and unchanged == len(set(before) | set(after)):
        lines.extend(f"        # {reason}" for reason in item.reasons)  # nothing the user sets changes: say why it is touched
    if unchanged:
        lines.append(f"        # ({unchanged} unchanged attribute{'s' if unchanged > 1 else ''} hidden)")
    lines.extend(["    }", ""])
    return lines


class _Absent:
    def __repr__(self):
        return "absent"


_ABSENT = _Absent()


def flatten(value, prefix=""):
    """``{"a.b": 1, "c[0].d": 2, "e": [1, 2]}``: nested mappings and lists of mappings by path; lists of plain values whole."""
    if value is None:
        return {}
    flat = {}
    for key, item in value.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(item, dict) and not is_known_after_apply(item):
            flat.update(flatten(item, path) or {path: {}})
        elif isinstance(item, list) and any(isinstance(element, dict) for element in item):
            for index, element in enumerate(item):
                flat.update(flatten(element, f"{path}[{index}]") if isinstance(element, dict) else {f"{path}[{index}]": element})
        else:
            flat[path] = item
    return flat


def value_text(value):
    if is_known_after_apply(value):
        return "(known after apply)"
    if value == MASKED:
        return "(sensitive value)"
    if value is None:
        return "null"
    return json.dumps(value, sort_keys=True)


def _paint(text, color):
    return f"\033[{_COLORS[text]}m{text}\033[0m" if color else text


# -- machine-readable lines ---------------------------------------------------------------


def json_line(kind, message, **fields):
    """One line of the machine-readable UI: Terraform's ``@level``, ``@message``, ``@timestamp``, ``type`` and the fields of ``kind``."""
    level = "error" if kind in ("apply_errored", "diagnostic") and fields.get("diagnostic", {}).get("severity", "error") == "error" else "info"
    record = {
        "@level": level,
        "@message": message,
        "@module": "pacific.ui",
        "@timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds"),
        "type": kind,
        **fields,
    }
    return json.dumps(record, sort_keys=False)


def _resource(address):
    kind, _dot, name = address.partition(".")
    return {"addr": address, "resource_type": kind, "resource_name": name}


def plan_json_lines(plan, *, operation="plan"):
    """``planned_change`` for each changed object and the ``change_summary``."""
    lines = []
    for item in plan.items:
        if item.changed:
            lines.append(
                json_line(
                    "planned_change",
                    f"{item.address}: Plan to {item.action}",
                    change={"resource": _resource(item.address), "action": _JSON_ACTIONS.get(item.action, item.action)},
                )
            )
    summary = plan.summary()
    message = NO_CHANGES if not plan.changed else summary_line(summary)
    changes = {"add": summary["add"], "change": summary["change"], "import": summary["adopt"], "remove": summary["destroy"], "operation": operation}
    lines.append(json_line("change_summary", message, changes=changes))
    return lines


def event_json_line(event):
    """The ``apply_start`` / ``apply_progress`` / ``apply_complete`` / ``apply_errored`` line of an executor event; None for a skip."""
    hook = {"resource": _resource(event.address), "action": _JSON_ACTIONS.get(event.action, event.action)}
    if event.kind == STARTED:
        return json_line("apply_start", progress_line(event), hook=hook)
    if event.kind == RUNNING:
        return json_line("apply_progress", progress_line(event), hook=dict(hook, elapsed_seconds=int(event.elapsed)))
    if event.kind == DONE:
        return json_line("apply_complete", progress_line(event), hook=dict(hook, elapsed_seconds=int(event.elapsed)))
    if event.kind == FAILED:
        return json_line("apply_errored", progress_line(event), hook=dict(hook, elapsed_seconds=int(event.elapsed)))
    return json_line("diagnostic", progress_line(event), diagnostic={"severity": "warning", "summary": progress_line(event), "detail": ""})
