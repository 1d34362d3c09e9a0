# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Saved plans (``pacific plan -out FILE``): what was planned, for which topology file and vCenter, from which live versions.

A plan file holds the Plan (secrets masked, as in every view of it), the
digest of the topology file and the vCenter it was made for, and how it was
asked for (targets, replacements, adoption), so that apply plans the same. ``apply``
refuses it for another file or vCenter, and when any object it was planned
from changed since (its fingerprint), naming the objects; otherwise it plans
again, finds the same, and applies that.
"""

from __future__ import annotations

import json
import os
import pathlib

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import Plan, stale_addresses

FORMAT = "pacific-plan/1"


class StalePlan(InvalidArgumentError):
    """The platform or the topology changed since the plan was made."""


def write(path, plan, *, topology_file, operation, targets, replace=(), adopt=False):
    record = {
        "format": FORMAT,
        "operation": operation,
        "topology_file": str(pathlib.Path(topology_file.path).resolve()),
        "topology_digest": topology_file.digest,
        "vcenter": topology_file.connection.endpoint,
        "targets": list(targets),
        "replace": list(replace),
        "adopt": adopt,
        "plan": plan.to_json(),
    }
    temporary = pathlib.Path(f"{path}.tmp")
    temporary.write_text(json.dumps(record, indent=1, sort_keys=True))
    os.replace(temporary, path)


def read(path):
    """``(record, Plan)`` of a plan file; InvalidArgumentError naming the file when it is not one."""
    try:
        record = json.loads(pathlib.Path(path).read_text())
        if record.get("format") != FORMAT:
            raise ValueError(f"its format is {record.get('format')!r}, not {FORMAT}")
        missing = [key for key in ("operation", "topology_file", "targets", "replace", "adopt") if key not in record]
        if missing:
            raise ValueError(f"it has no {', '.join(missing)}")
        return record, Plan.from_json(record["plan"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InvalidArgumentError(f"{path}: not a plan file of this pacific ({error}): make it with pacific plan -out") from error


def check_current(path, record, saved, topology_file, fresh):
    """Raise StalePlan unless ``fresh`` (planned now) is planned from the same topology, vCenter and live versions as ``saved``."""
    if record["topology_digest"] != topology_file.digest:
        raise StalePlan(f"Saved plan {path} is stale: the topology file {record['topology_file']} changed since the plan was made: run pacific plan again")
    if record["vcenter"] != topology_file.connection.endpoint:
        raise StalePlan(f"Saved plan {path} was made for vCenter {record['vcenter']}, not {topology_file.connection.endpoint}")
    check_unchanged(saved, fresh, f"Saved plan {path}")


def check_unchanged(earlier, fresh, what):
    """Raise StalePlan, naming the objects, unless ``fresh`` does what ``earlier`` said or less, planned from the same live versions.

    An object whose change is no longer needed (a wait that ended) is fine;
    one that would now be changed otherwise than ``earlier`` says is not.
    """
    shown = {item.address: item.action for item in earlier.items}
    moved = [item.address for item in fresh.items if item.changed and shown.get(item.address) != item.action]
    stale = sorted({*stale_addresses(earlier, fresh.fingerprint), *moved})
    if stale or list(shown) != [item.address for item in fresh.items]:
        changed = ", ".join(stale) or "the objects it covers"
        raise StalePlan(f"{what} is stale: {changed} changed since the plan was made: run pacific plan again")
