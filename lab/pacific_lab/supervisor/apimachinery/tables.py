"""Table output (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), as kubectl asks for it to print columns.

A custom resource's columns are its CRD version's `additionalPrinterColumns`
after `Name` (only `Age` when it declares none), the API server's rule
(apiextensions-apiserver `tableconvertor`); a cell is the first result of
the column's JSONPath, a `date` one shown as an age ("5m",
`duration.HumanDuration`), a missing one null. Built-in kinds have the columns the API
server's printers give them (`kubectl get ns`: NAME STATUS AGE). Each row
carries the object's metadata (`includeObject=Metadata`, the default), the
object (`Object`) or nothing (`None`).
"""

import json
import re
import time

from . import errors, meta
from .selectors import dotted

NAME_COLUMN = {"name": "Name", "type": "string", "format": "name", "priority": 0,
               "description": "Name must be unique within a namespace."}
AGE = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp",
       "description": "CreationTimestamp is a timestamp representing the server time when this object was created."}
TABLE_VERSIONS = ("v1", "v1beta1")  # meta.k8s.io versions of Table


def wanted_table_version(accept):
    """The meta.k8s.io version of Table the Accept header asks for first, or None (it asks for no Table)."""
    for choice in (accept or "").split(","):
        parameters = dict(part.strip().split("=", 1) for part in choice.split(";")[1:] if "=" in part)
        if parameters.get("as") == "Table" and parameters.get("g") == "meta.k8s.io" and parameters.get("v") in TABLE_VERSIONS:
            return parameters["v"]
    return None


def table(resource, found, version, include_object="Metadata", now=None):
    """The Table of `found` (one object or a list) for `resource`, in meta.k8s.io/`version`."""
    if include_object not in ("None", "Metadata", "Object"):
        raise errors.bad_request(f'includeObject must be None, Metadata or Object, not "{include_object}"')
    columns = columns_of(resource)
    items = found.get("items") if "items" in found else [found]
    rows = [{"cells": [_cell(column, obj, now) for column in columns], "object": _row_object(obj, include_object, version)}
            for obj in items]
    columns = [_definition(column) for column in columns]
    answer = {"kind": "Table", "apiVersion": f"meta.k8s.io/{version}", "metadata": {}, "columnDefinitions": columns, "rows": rows}
    listed = found.get("metadata") or {}
    for key in ("resourceVersion", "continue", "remainingItemCount"):
        if listed.get(key) not in (None, ""):
            answer["metadata"][key] = listed[key]
    if "items" not in found:
        answer["metadata"]["resourceVersion"] = found["metadata"].get("resourceVersion", "")
    return answer


def columns_of(resource):
    """The columns of `resource`'s rows: a built-in kind's printer's, else Name and the CRD's columns (or Age)."""
    builtin = BUILTIN_COLUMNS.get((resource.group, resource.kind))
    if builtin is not None and not resource.custom:
        return builtin
    return (dict(NAME_COLUMN, jsonPath=".metadata.name"),) + (resource.printer_columns or (AGE,))


def _definition(column):
    return {"name": column["name"], "type": column["type"], "format": column.get("format", ""),
            "description": column.get("description", ""), "priority": column.get("priority", 0)}


def _row_object(obj, include_object, version):
    if include_object == "None":
        return None
    if include_object == "Object":
        return obj
    return {"kind": "PartialObjectMetadata", "apiVersion": f"meta.k8s.io/{version}", "metadata": obj["metadata"]}


def _cell(column, obj, now):
    if "value" in column:  # a built-in printer's cell, computed from the object
        return column["value"](obj)
    results = jsonpath(obj, column["jsonPath"])
    if not results or results[0] is None:
        return None
    value = results[0]
    kind = column["type"]
    if kind == "date":
        return age(value, now) if isinstance(value, str) else None
    if kind == "string":  # the first result only, as the API server takes it
        return value if isinstance(value, str) else json.dumps(value) if isinstance(value, (dict, list)) else str(value).lower() \
            if isinstance(value, bool) else str(value)
    if kind == "integer":
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if kind == "number":
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    return None


def age(timestamp, now=None):
    """A timestamp as the API server's printers show an age: 45s, 5m10s, 3h, 2d5h, 400d (k8s duration.HumanDuration)."""
    seconds = int((now if now is not None else time.time()) - meta.parse_time(timestamp).timestamp())
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"  # within the clocks' error: now
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 192:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    years, days = hours // 24 // 365, hours // 24 % 365
    return f"{years}y{days}d" if days and hours < 24 * 365 * 8 else f"{years}y"


_STEP = re.compile(r"""\.([A-Za-z0-9_-]+)|\[\*\]|\[(\d+)\]|\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*["']([^"']*)["']\)\]""")


def jsonpath(obj, path):
    """The results of the JSONPath subset printer columns use: `.a.b`, `[0]`, `[*]`, `[?(@.type=="Ready")]`."""
    values, position = [obj], 0
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            raise ValueError(f"unsupported JSONPath {path!r} at {path[position:]!r}")
        position = match.end()
        field, index, key, wanted = match.groups()
        found = []
        for value in values:
            if field is not None:
                if isinstance(value, dict) and field in value:
                    found.append(value[field])
            elif isinstance(value, list):
                if index is not None:
                    found += [value[int(index)]] if int(index) < len(value) else []
                elif key is not None:
                    found += [each for each in value if isinstance(each, dict) and dotted(each, key) == wanted]
                else:
                    found += value
        values = found
    return values



# ---- the built-in kinds' printers (kubernetes pkg/printers/internalversion), for the kinds the lab serves ----


def _name(column=NAME_COLUMN):
    return dict(column, jsonPath=".metadata.name")


def _string(name, path, priority=0):
    return {"name": name, "type": "string", "jsonPath": path, "priority": priority}


def _count(name, *fields):
    return {"name": name, "type": "integer", "value": lambda obj: sum(len(obj.get(field) or {}) for field in fields)}


def _quota(limits):
    def cell(obj):
        hard, used = (obj.get("spec") or {}).get("hard") or {}, (obj.get("status") or {}).get("used") or {}
        chosen = sorted(key for key in hard if key.startswith("limits.") == limits)
        return ", ".join(f"{key}: {used.get(key, 0)}/{hard[key]}" for key in chosen)
    return {"name": "Limit" if limits else "Request", "type": "string", "value": cell}


def _storage_class_name(obj):
    annotations = obj["metadata"].get("annotations") or {}
    default = annotations.get("storageclass.kubernetes.io/is-default-class") == "true"
    return obj["metadata"]["name"] + (" (default)" if default else "")


_ACCESS_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}


def _access_modes(obj):
    return ",".join(_ACCESS_MODES.get(mode, mode) for mode in (obj.get("status") or {}).get("accessModes") or ())


def _node_status(obj):
    ready = next((c for c in (obj.get("status") or {}).get("conditions") or () if c.get("type") == "Ready"), None)
    status = "Ready" if ready and ready.get("status") == "True" else ("NotReady" if ready else "Unknown")
    return status + (",SchedulingDisabled" if (obj.get("spec") or {}).get("unschedulable") else "")


def _node_roles(obj):
    prefix = "node-role.kubernetes.io/"
    roles = sorted(key[len(prefix):] for key in obj["metadata"].get("labels") or {} if key.startswith(prefix))
    return ",".join(roles) or "<none>"


def _node_address(kind):
    def value(obj):
        found = [a["address"] for a in (obj.get("status") or {}).get("addresses") or () if a.get("type") == kind]
        return found[0] if found else "<none>"
    return {"name": f"{kind.replace('IP', '')}-IP", "type": "string", "value": value, "priority": 1}


def _node_info(name, field):
    return {"name": name, "type": "string", "priority": 1,
            "value": lambda obj: ((obj.get("status") or {}).get("nodeInfo") or {}).get(field) or "<unknown>"}


def _pod_ready(obj):
    containers = (obj.get("spec") or {}).get("containers") or ()
    statuses = (obj.get("status") or {}).get("containerStatuses") or ()
    return f"{sum(1 for each in statuses if each.get('ready'))}/{len(containers)}"


def _service_ports(obj):
    ports = (obj.get("spec") or {}).get("ports") or ()
    return ",".join(f"{port.get('port')}{':' + str(port['nodePort']) if port.get('nodePort') else ''}/{port.get('protocol', 'TCP')}"
                    for port in ports) or "<none>"


def _external_ip(obj):
    ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ()
    found = [each.get("ip") or each.get("hostname") for each in ingress]
    if found:
        return ",".join(found)
    return "<pending>" if (obj.get("spec") or {}).get("type") == "LoadBalancer" else "<none>"


BUILTIN_COLUMNS = {
    ("", "Node"): (_name(), {"name": "Status", "type": "string", "value": _node_status},
                   {"name": "Roles", "type": "string", "value": _node_roles}, AGE,
                   _string("Version", ".status.nodeInfo.kubeletVersion"), _node_address("InternalIP"),
                   _node_address("ExternalIP"), _node_info("OS-Image", "osImage"),
                   _node_info("Kernel-Version", "kernelVersion"), _node_info("Container-Runtime", "containerRuntimeVersion")),
    ("", "Pod"): (_name(), {"name": "Ready", "type": "string", "value": _pod_ready}, _string("Status", ".status.phase"),
                  {"name": "Restarts", "type": "integer",
                   "value": lambda obj: sum(each.get("restartCount", 0) for each in (obj.get("status") or {}).get("containerStatuses") or ())},
                  AGE, _string("Node", ".spec.nodeName", priority=1)),
    ("", "Service"): (_name(), _string("Type", ".spec.type"), _string("Cluster-IP", ".spec.clusterIP"),
                      {"name": "External-IP", "type": "string", "value": _external_ip},
                      {"name": "Port(s)", "type": "string", "value": _service_ports}, AGE),
    ("", "PersistentVolumeClaim"): (_name(), _string("Status", ".status.phase"), _string("Volume", ".spec.volumeName"),
                                    _string("Capacity", ".status.capacity.storage"),
                                    {"name": "Access Modes", "type": "string", "value": _access_modes},
                                    _string("StorageClass", ".spec.storageClassName"), AGE),

    ("", "Namespace"): (_name(), _string("Status", ".status.phase"), AGE),
    ("", "ResourceQuota"): (_name(), AGE, _quota(False), _quota(True)),
    ("", "Secret"): (_name(), _string("Type", ".type"), _count("Data", "data"), AGE),
    ("", "ConfigMap"): (_name(), _count("Data", "data", "binaryData"), AGE),
    ("", "Event"): (dict(AGE, name="Last Seen", jsonPath=".lastTimestamp"), _string("Type", ".type"),
                    _string("Reason", ".reason"),
                    {"name": "Object", "type": "string",
                     "value": lambda obj: f"{obj['involvedObject'].get('kind', '').lower()}/{obj['involvedObject'].get('name', '')}"},
                    _string("Message", ".message"), dict(_name(), priority=1)),
    ("storage.k8s.io", "StorageClass"): (
        dict(_name(), value=_storage_class_name), _string("Provisioner", ".provisioner"),
        _string("ReclaimPolicy", ".reclaimPolicy"), _string("VolumeBindingMode", ".volumeBindingMode"),
        {"name": "AllowVolumeExpansion", "type": "string",
         "value": lambda obj: str(bool(obj.get("allowVolumeExpansion"))).lower()}, AGE),
}
