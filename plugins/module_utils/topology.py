# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The topology document: the whole platform in one description, its schema, and its validation.

One document says what should exist: the vCenter to talk to, the vSphere
Zones (vCenter 8), the VM classes offered to namespaces, the Supervisor Services registered (vCenter 8) and, per Supervisor,
its cluster or zones, the Spherelet VIB, the control plane, the Workload Management settings, the services it runs, and the
namespaces with their guest clusters. The roles
and the ``pacific`` command read the same document.

``SCHEMA`` is written once, in JSON Schema (the subset ``_Structure``
understands, plus ``x-hint`` texts for messages), so that editors and other
tools can use it as is. Validation runs in three passes, all before anything
changes, and reports every problem at once, each prefixed with its key path
(``supervisors[1].namespaces[0].storage_policies[0].name: ...``):

1. structure: types, required and unknown keys, choices, bounds; defaults filled in;
2. values: what a schema cannot say (odd control planes, quantities and their
   units, duplicate names, addresses, references between parts of the document);
3. references: names of vCenter objects, resolved with one list call per kind.

Secrets are never in the document: a password is a reference, ``{env: NAME}``
(an environment variable of the controller) or ``{var: NAME}`` (an Ansible
variable, usually kept in Ansible Vault), resolved by whoever runs the document.
"""

from __future__ import annotations

import copy
import ipaddress
import re
from functools import partial

from ansible_collections.pacific.vsphere.plugins.module_utils.bounds import INT32_MAX, IPV4_ADDRESSES, MAX_CLUSTER_HOSTS, MAX_WAIT_SECONDS
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.transport import DEFAULT_TIMEOUT, MAX_TIMEOUT
from ansible_collections.pacific.vsphere.plugins.module_utils.engine import desired as engine_kinds
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.desired import KINDS, supervisor_spec, vm_class_spec
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError, NotFoundError
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.catalog import (
    CLUSTER,
    CONTENT_LIBRARY,
    NETWORK,
    STORAGE_POLICY,
    VM_CLASS,
    Catalog,
    known_names,
)

# The Workload Management checks are the workload_management module's own; its
# cross-option check is reused as is, so both front ends say the same.
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.enable_api import zones_unsupported
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_service import read_definitions, services_unsupported, version_order
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_software import VERSION as SUPERVISOR_VERSION
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_software import VERSION_RULE as SUPERVISOR_VERSION_RULE
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_spec import SETTINGS, at_option, placement_problems, zone_count_problem
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.vm_class import MEMORY_MB_RANGE
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.zone import ZONE_NAME, ZONE_NAME_RULE
from ansible_collections.pacific.vsphere.plugins.module_utils.units import mebibytes, megahertz

# The rule vCenter puts over the Supervisor's own control-plane VMs: enforcing
# that one, rather than adding a second, keeps a single rule per Supervisor.
SUPERVISOR_RULE_NAME = "SupervisorControlPlaneVM anti-affinity"
# Workload Management refuses clusters of fewer hosts.
MIN_SUPERVISOR_HOSTS = 3
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
DNS_LABEL_HINT = "lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit (team-a)"
# A TanzuKubernetesRelease name (v1.27.11---vmware.1-fips.1-tkg.2), its version (v1.27.11+vmware.1-...) or a prefix (v1.27).
KUBERNETES_VERSION = r"^v\d+\.\d+(\.\d+)?([-+].+)?$"


# -- the schema -------------------------------------------------------------------


def _object(properties, required=(), **extra):
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False, **extra}


def _list_of(items, **extra):
    return {"type": "array", "items": items, **extra}


def _string(**extra):
    return {"type": "string", "minLength": 1, **extra}


def _choice(*values, **extra):
    return {"enum": list(values), **extra}


_STRINGS = _list_of(_string())
_NAME = _string(pattern=DNS_LABEL, maxLength=63, **{"x-hint": DNS_LABEL_HINT})
# A number in the API's unit or a string with a unit (64Gi, 8GHz): the units are checked with the values.
_QUANTITY = {"type": ["string", "integer"]}
_SECRET = {
    "anyOf": [_object({"env": _string()}, ["env"]), _object({"var": _string()}, ["var"])],
    "x-hint": "give a reference, {env: NAME} (an environment variable) or {var: NAME} (a variable, e.g. kept in Ansible Vault):"
    " the topology never holds a secret itself",
}
# Terraform's prevent_destroy: a plan that would destroy or replace the object fails, naming it.
_PROTECT = {"type": "boolean", "default": False}
# An existing object no topology marked is taken over (marked, nothing else changed) only when its entry says so.
_ADOPT = {"type": "boolean", "default": False}
# Names the topology in the marks of what it manages (vSphere tags, Kubernetes labels) and in its lock.
TOPOLOGY_NAME = _string(
    pattern=DNS_LABEL,
    maxLength=40,
    default="default",
    description="The name of the topology: what it manages is marked with it in vCenter and on the Supervisors; two topologies of one vCenter need two names.",
    **{"x-hint": DNS_LABEL_HINT.replace("63", "40")},
)
_WAIT_TIMEOUT = {"type": "integer", "minimum": 1, "maximum": MAX_WAIT_SECONDS, "default": 1800}
_ADDRESS_COUNT = {"type": "integer", "minimum": 1, "maximum": IPV4_ADDRESSES}
_ADDRESS_RANGES = _list_of(_object({"address": _string(), "count": _ADDRESS_COUNT}, ["address", "count"]), minItems=1)

VCENTER = _object(
    {
        "hostname": _string(),
        "port": {"type": "integer", "minimum": 1, "maximum": 65535},
        "username": _string(),
        "password": _SECRET,
        "validate_certs": {"type": "boolean"},
        "ca_cert": _string(),
        "timeout": {"type": "integer", "minimum": 1, "maximum": MAX_TIMEOUT, "default": DEFAULT_TIMEOUT},
    },
    description="How to reach vCenter; every key falls back to its VMWARE_* environment variable (VMWARE_HOST, VMWARE_USER, ...).",
)
SPHERELET = _object(
    {
        "url": {"anyOf": [_string(), _list_of(_string(), minItems=1)], "x-hint": "give the URL of the VIB, or a list of URLs"},
        "version": _string(),
        "max_parallel": {"type": "integer", "minimum": 1, "maximum": MAX_CLUSTER_HOSTS, "default": 1},
        "maintenance_mode": _choice("auto", "always", "never", default="auto"),
        "remove_on_teardown": {"type": "boolean", "default": False},
    },
    ["url"],
)
CONTROL_PLANE = _object(
    {
        "count": {"type": "integer", "minimum": 1, "maximum": MAX_CLUSTER_HOSTS, "default": 3},
        "size": _choice("tiny", "small", "medium", "large"),
        "rule_name": _string(default=SUPERVISOR_RULE_NAME),
        "mandatory": {"type": "boolean", "default": True},
    },
    default={},
)
WORKLOAD_MANAGEMENT = _object(
    {
        "service_cidr": _string(),
        "management_network": _object(
            {
                "network": _string(),
                "mode": _choice("static", "dhcp"),
                "starting_address": _string(),
                "address_count": _ADDRESS_COUNT,
                "subnet_mask": _string(),
                "gateway": _string(),
                "floating_ip": _string(),
            },
            ["network"],
        ),
        "dns_servers": _STRINGS,
        "dns_search_domains": _STRINGS,
        "ntp_servers": _STRINGS,
        "workload_network": _object(
            {
                "name": _string(),
                "portgroup": _string(),
                "address_ranges": _ADDRESS_RANGES,
                "gateway": _string(),
                "subnet_mask": _string(),
                "dns_servers": _STRINGS,
                "ntp_servers": _STRINGS,
            },
            ["portgroup", "address_ranges", "gateway", "subnet_mask"],
        ),
        "load_balancer": _object(
            {
                "type": _choice("haproxy", "avi"),
                "name": _string(),
                "address_ranges": _ADDRESS_RANGES,
                "endpoint": _string(),
                "username": _string(),
                "password": _SECRET,
                "ca_certificate": _string(),
            },
            ["type", "endpoint", "username", "password", "ca_certificate"],
        ),
        "storage_policies": _object({"control_plane": _string(), "ephemeral": _string(), "image": _string()}, ["control_plane"]),
        "content_library": _string(),
        # The Supervisor version (or a prefix of one, v1.27): upgraded to, one minor version at a time.
        "kubernetes_version": _string(pattern=SUPERVISOR_VERSION.pattern, **{"x-hint": f"give {SUPERVISOR_VERSION_RULE}"}),
        "wait_timeout": _WAIT_TIMEOUT,
    },
    ["management_network", "workload_network", "load_balancer", "storage_policies"],
)
GUEST_CLUSTER = _object(
    {
        "name": _NAME,
        "api": _choice(
            "tkc", "cluster", default="tkc", description="tkc: a TanzuKubernetesCluster; cluster: a Cluster API Cluster of class tanzukubernetescluster."
        ),
        "kubernetes_version": _string(
            pattern=KUBERNETES_VERSION, **{"x-hint": "give a release name or version such as v1.27.11---vmware.1-fips.1-tkg.2, or v1.27"}
        ),
        "control_plane": _object(
            {"replicas": _choice(1, 3, default=3), "vm_class": _string(), "storage_class": _string()},
            ["vm_class", "storage_class"],
        ),
        "node_pools": _list_of(
            _object(
                {
                    "name": _NAME,
                    "replicas": {"type": "integer", "minimum": 0, "maximum": INT32_MAX, "default": 1},
                    "vm_class": _string(),
                    "storage_class": _string(),
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    # vCenter 8, a Supervisor on zones: the zone the pool's nodes go to.
                    "failure_domain": _string(),
                },
                ["name", "vm_class", "storage_class"],
            ),
            default=[],
        ),
        "pods_cidr": _string(),
        "services_cidr": _string(),
        "service_domain": _string(),
        "storage_classes": _STRINGS,
        "wait_timeout": _WAIT_TIMEOUT,
        "protect": _PROTECT,
        "adopt": _ADOPT,
    },
    ["name", "kubernetes_version", "control_plane"],
)
NAMESPACE = _object(
    {
        "name": _NAME,
        "description": {"type": "string"},
        "cpu_limit": _QUANTITY,
        "memory_limit": _QUANTITY,
        "storage_limit": _QUANTITY,
        "storage_policies": _list_of(_object({"name": _string(), "limit": _QUANTITY}, ["name"])),
        "access": _list_of(
            _object(
                {"principal": _string(), "domain": _string(), "type": _choice("USER", "GROUP", default="USER"), "role": _choice("VIEW", "EDIT", "OWNER")},
                ["principal", "domain", "role"],
            )
        ),
        "vm_classes": _STRINGS,
        "content_libraries": _STRINGS,
        "guest_clusters": _list_of(GUEST_CLUSTER, default=[]),
        "protect": _PROTECT,
        "adopt": _ADOPT,
    },
    ["name"],
)
# vCenter 8: a vSphere Zone and the one cluster it holds.
ZONE = _object(
    {
        "name": _string(pattern=ZONE_NAME.pattern, maxLength=63, **{"x-hint": ZONE_NAME_RULE}),
        "cluster": _string(),
        "description": {"type": "string", "default": ""},
        "protect": _PROTECT,
        "adopt": _ADOPT,
    },
    ["name", "cluster"],
)
# A VM class the VI admin offers (vCenter-wide): namespaces bind to it by name, node pools use it.
VM_CLASS_ENTRY = _object(
    {
        "name": _NAME,
        "cpu_count": {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
        "memory_mb": {"type": "integer", "minimum": MEMORY_MB_RANGE[0], "maximum": MEMORY_MB_RANGE[1], "x-hint": "a multiple of 4 MB, up to 24 TB"},
        "cpu_reservation": {"type": "integer", "minimum": 0, "maximum": 100, "x-hint": "a percentage of the class's vCPUs"},
        "memory_reservation": {"type": "integer", "minimum": 0, "maximum": 100, "x-hint": "a percentage of the class's memory"},
        "description": {"type": "string", "default": ""},
        "vgpu_profiles": _list_of(_string(), default=[]),
        "protect": _PROTECT,
        "adopt": _ADOPT,
    },
    ["name", "cpu_count", "memory_mb"],
)
# A Supervisor Service registered in vCenter (vCenter 8): the Carvel package definitions of its versions, as its vendor ships them.
SUPERVISOR_SERVICE_ENTRY = _object(
    {
        "name": _string(description="The service's identifier, the name of its definitions' PackageMetadata (harbor.tanzu.vmware.com)."),
        "definitions": _list_of(
            _string(), minItems=1, description="The YAML text of each version's definition (a PackageMetadata and a Package), e.g. a block scalar."
        ),
        "protect": _PROTECT,
        "adopt": _ADOPT,
    },
    ["name", "definitions"],
)
# A Supervisor Service installed on this Supervisor: the version it runs and its configuration values.
SERVICE = _object(
    {
        "name": _string(),
        "version": _string(),
        "values": {"type": "object", "description": "The service's configuration values, as its vendor documents them (no secrets: see secret_values)."},
        "secret_values": {"type": "object", "additionalProperties": _SECRET, "description": "Values that are secrets, each a reference, merged into values."},
        "wait_timeout": {**_WAIT_TIMEOUT, "default": 600},
    },
    ["name", "version"],
)
SUPERVISOR = _object(
    {
        "cluster": _string(),
        # vCenter 8: one zone of `zones`, or three (a control-plane VM in each zone's cluster), instead of `cluster`.
        "zones": _list_of(_string()),
        "spherelet": SPHERELET,
        "control_plane": CONTROL_PLANE,
        "workload_management": WORKLOAD_MANAGEMENT,
        "services": _list_of(SERVICE, default=[]),
        "namespaces": _list_of(NAMESPACE, default=[]),
        "protect": _PROTECT,
        "adopt": _ADOPT,
    },
    ["workload_management"],
)
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "pacific.vsphere topology",
    **_object(
        {
            "name": TOPOLOGY_NAME,
            "vcenter": VCENTER,
            "zones": _list_of(ZONE, default=[]),
            "vm_classes": _list_of(VM_CLASS_ENTRY, default=[]),
            "supervisor_services": _list_of(SUPERVISOR_SERVICE_ENTRY, default=[]),
            "supervisors": _list_of(SUPERVISOR, minItems=1),
        },
        ["supervisors"],
    ),
}


# -- entry point ---------------------------------------------------------------------


class TopologyError(InvalidArgumentError):
    """The document is not valid; ``problems`` lists every problem, each starting with its key path."""

    def __init__(self, problems):
        super().__init__(f"Invalid topology ({len(problems)} problem{'s' if len(problems) > 1 else ''}): " + "; ".join(problems))
        self.problems = list(problems)

    def details(self):
        return {"problems": self.problems}


def validate(document, rest=None, *, catalog=None, kinds=KINDS):
    """The document with its defaults filled in, or TopologyError listing every problem.

    ``rest`` (a ``clients.rest.RestClient``) checks the names of vCenter
    objects too; without it only the document itself is checked. References
    are checked only once the structure is right, so that they can be read;
    through ``catalog`` when given (an engine run's), sharing its reads, and
    only those the engine ``kinds`` use.
    """
    structure = _Structure()
    topology = structure.check(SCHEMA, document, "")
    if structure.problems:
        raise TopologyError(structure.problems)
    problems = zone_problems(topology)
    if problems:
        raise TopologyError(problems)
    problems = value_problems(topology)
    if rest is not None:
        problems += reference_problems(topology, rest, catalog, kinds)
    if problems:
        raise TopologyError(problems)
    return topology


def namespaces(topology):
    """Every namespace with the cluster of its Supervisor and without its guest clusters: the options of pacific.vsphere.namespace."""
    return [
        {"cluster": supervisor["cluster"], **{key: value for key, value in namespace.items() if key != "guest_clusters"}}
        for supervisor in topology["supervisors"]
        for namespace in supervisor["namespaces"]
    ]


def guest_clusters(topology):
    """Every guest cluster with its namespace and the cluster of its Supervisor."""
    return [
        {"supervisor_cluster": supervisor["cluster"], "namespace": namespace["name"], **cluster}
        for supervisor in topology["supervisors"]
        for namespace in supervisor["namespaces"]
        for cluster in namespace["guest_clusters"]
    ]


def secret_references(topology):
    """Where the document refers to a secret (a password, a service's secret value): ``{"path", "env"}`` or ``{"path", "var"}``.

    Whoever runs the document resolves them.
    """
    references = []
    if "password" in topology.get("vcenter", {}):
        references.append({"path": "vcenter.password", **topology["vcenter"]["password"]})
    for index, supervisor in enumerate(topology["supervisors"]):
        path = _at(_at("supervisors", index), "workload_management.load_balancer.password")
        references.append({"path": path, **supervisor["workload_management"]["load_balancer"]["password"]})
        for sv_index, service in enumerate(supervisor["services"]):
            sv_path = _at(_at(_at("supervisors", index), "services"), sv_index)
            references += [{"path": _at(sv_path, f"secret_values.{key}"), **ref} for key, ref in (service.get("secret_values") or {}).items()]
    return references


def _at(path, key):
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


# -- pass 1: structure -------------------------------------------------------------------

_TYPES = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float), "boolean": bool}
_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer", "number": "a number", "boolean": "true or false"}


def _type_word(value):
    if value is None:
        return "empty"
    for name in _TYPES:
        if _is_type(value, name):
            return _TYPE_WORDS[name]
    return type(value).__name__


def _is_type(value, name):
    # YAML's true/false are Python ints too.
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[name])


class _Structure:
    """Checks a value against the JSON Schema subset of SCHEMA; returns a copy with the defaults filled in."""

    def __init__(self):
        self.problems = []

    def check(self, schema, value, path):
        if "anyOf" in schema:
            return self._any_of(schema, value, path)
        if "enum" in schema:
            if value not in schema["enum"] or isinstance(value, bool) != any(isinstance(choice, bool) for choice in schema["enum"]):
                self._problem(path, f"{value!r} is not one of {', '.join(str(choice) for choice in schema['enum'])}")
            return value
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, name) for name in types):
            given = f"is {_type_word(value)}" if isinstance(value, (dict, list)) or value is None else f"{value!r} is {_type_word(value)}"
            self._problem(path, f"{given}, expected {' or '.join(_TYPE_WORDS[name] for name in types)}")
            return value
        if isinstance(value, dict):
            return self._object(schema, value, path)
        if isinstance(value, list):
            return self._array(schema, value, path)
        self._scalar(schema, value, path)
        return value

    def _object(self, schema, value, path):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        result = {}
        for key, item in value.items():
            if key in properties:
                result[key] = self.check(properties[key], item, _at(path, key))
            elif isinstance(extra, dict):
                result[key] = self.check(extra, item, _at(path, key))
            elif extra is True:
                result[key] = copy.deepcopy(item)  # free-form (a service's values): kept as given
            elif extra is False:
                self._problem(_at(path, key), f"unknown key (known: {', '.join(properties)})")
        # A key given as null is reported by its type check already.
        for key in schema.get("required", ()):
            if key not in value:
                self._problem(_at(path, key), "required")
        for key, item in properties.items():
            if key not in result and "default" in item:
                result[key] = self.check(item, copy.deepcopy(item["default"]), _at(path, key))
        return result

    def _array(self, schema, value, path):
        if len(value) < schema.get("minItems", 0):
            self._problem(path, f"needs at least {schema['minItems']} item{'s' if schema['minItems'] > 1 else ''}")
        return [self.check(schema["items"], item, _at(path, index)) for index, item in enumerate(value)]

    def _scalar(self, schema, value, path):
        if isinstance(value, str):
            if len(value.strip()) < schema.get("minLength", 0):
                self._problem(path, "is empty")
            elif len(value) > schema.get("maxLength", len(value)) or not re.match(schema.get("pattern", ""), value):
                self._problem(path, f"'{value}' is not valid: {schema.get('x-hint', 'see the schema')}")
            return
        allowed = f"give {schema['minimum']} to {schema['maximum']}" if "maximum" in schema else f"give {schema.get('minimum')} or more"
        if value < schema.get("minimum", value):
            self._problem(path, f"{value} is less than {schema['minimum']}: {allowed}")
        if value > schema.get("maximum", value):
            self._problem(path, f"{value} is more than {schema['maximum']}: {allowed}")

    def _any_of(self, schema, value, path):
        for alternative in schema["anyOf"]:
            attempt = _Structure()
            checked = attempt.check(alternative, value, path)
            if not attempt.problems:
                return checked
        self._problem(path, schema["x-hint"])
        return value

    def _problem(self, path, text):
        self.problems.append(f"{path or 'topology'}: {text}")


# -- pass 2: values -------------------------------------------------------------------------


def zone_problems(topology):
    """The zones and the Supervisors on them; each Supervisor on zones gets the ``cluster`` of its first zone, which
    vCenter reads and changes it through (and which the rest of the document's checks and the engine key it by)."""
    problems = []
    defined = _Definitions(problems)
    clusters = {}
    for index, zone in enumerate(topology["zones"]):
        path = _at("zones", index)
        defined.once(("zone", zone["name"]), _at(path, "name"), f"zone '{zone['name']}'", "names are unique in a vCenter")
        holder = clusters.setdefault(zone["cluster"], (zone["name"], path))
        if holder[0] != zone["name"]:
            problems.append(f"{_at(path, 'cluster')}: cluster '{zone['cluster']}' is held by zone '{holder[0]}' ({holder[1]}): a cluster belongs to one zone")
    zones = {zone["name"]: zone for zone in topology["zones"]}
    for index, supervisor in enumerate(topology["supervisors"]):
        path = _at("supervisors", index)
        names = supervisor.get("zones")
        if names is None:
            if "cluster" not in supervisor:
                problems.append(f"{_at(path, 'cluster')}: required (or zones: the vSphere Zones it runs on, vCenter 8)")
            elif supervisor["cluster"] in clusters:
                name, zone_path = clusters[supervisor["cluster"]]
                problems.append(
                    f"{_at(path, 'cluster')}: cluster '{supervisor['cluster']}' is held by zone '{name}' ({zone_path}): run the Supervisor on zones: ['{name}']"
                )
            continue
        first = zones.get(names[0]) if names else None
        if "cluster" in supervisor and (first is None or supervisor["cluster"] != first["cluster"]):
            which = f" ({first['cluster']})" if first else ""
            problems.append(f"{_at(path, 'cluster')}: a Supervisor on zones is read through the cluster of its first zone{which}: leave cluster out")
            continue
        problems += [f"{path}.{problem}" for problem in filter(None, [zone_count_problem(names)])]
        for zone_index, name in enumerate(names):
            zone_path = _at(_at(path, "zones"), zone_index)
            if name not in zones:
                problems.append(f"{zone_path}: zone '{name}' is not in zones (declared: {', '.join(sorted(zones)) or 'none'})")
            else:
                defined.once(("zone of a Supervisor", name), zone_path, f"a Supervisor on zone '{name}'", "a zone runs one Supervisor")
        if names and names[0] in zones:
            supervisor["cluster"] = zones[names[0]]["cluster"]
    return problems + _failure_domain_problems(topology)


def _failure_domain_problems(topology):
    """A node pool's failure_domain names a zone its Supervisor runs on."""
    problems = []
    for index, supervisor in enumerate(topology["supervisors"]):
        names = supervisor.get("zones") or []
        for ns_index, namespace in enumerate(supervisor["namespaces"]):
            for gc_index, cluster in enumerate(namespace["guest_clusters"]):
                for pool_index, pool in enumerate(cluster["node_pools"]):
                    zone = pool.get("failure_domain")
                    if zone is None or zone in names:
                        continue
                    path = f"supervisors[{index}].namespaces[{ns_index}].guest_clusters[{gc_index}].node_pools[{pool_index}].failure_domain"
                    where = f"its zones: {', '.join(names)}" if names else "it runs on a cluster, not on zones"
                    problems.append(f"{path}: '{zone}' is not a zone of the Supervisor ({where})")
    return problems


def value_problems(topology):
    """What the schema cannot say, for a document whose structure is right."""
    problems = []
    defined = _Definitions(problems)
    for index, vm_class in enumerate(topology["vm_classes"]):
        path = _at("vm_classes", index)
        defined.once(("vm class", vm_class["name"]), _at(path, "name"), f"VM class '{vm_class['name']}'", "names are unique in a vCenter")
        problems += [_at(path, problem) for problem in vm_class_spec(vm_class).problems()]
    service_versions = {}
    for index, service in enumerate(topology["supervisor_services"]):
        path = _at("supervisor_services", index)
        defined.once(("supervisor service", service["name"]), _at(path, "name"), f"Supervisor Service '{service['name']}'")
        versions, found = read_definitions(service["name"], service["definitions"], _at(path, "definitions"))
        problems += found
        if not found:  # a broken definition is named once, not again by each install of the service
            service_versions[service["name"]] = list(versions)
    for index, supervisor in enumerate(topology["supervisors"]):
        path = _at("supervisors", index)
        defined.once(("cluster", supervisor["cluster"]), _at(path, "cluster"), f"a Supervisor on cluster '{supervisor['cluster']}'")
        problems += _supervisor_problems(supervisor, path)
        problems += _service_problems(supervisor["services"], _at(path, "services"), service_versions)
        for ns_index, namespace in enumerate(supervisor["namespaces"]):
            ns_path = _at(_at(path, "namespaces"), ns_index)
            defined.once(("namespace", namespace["name"]), _at(ns_path, "name"), f"namespace '{namespace['name']}'", "names are unique in a vCenter")
            problems += _namespace_problems(namespace, ns_path)
    return problems


def _service_problems(services, path, service_versions):
    """A Supervisor's services: once each, a version the document defines (when it registers the service), values or secret_values per key."""
    problems = []
    defined = _Definitions(problems)
    for index, service in enumerate(services):
        where = _at(path, index)
        defined.once(service["name"], _at(where, "name"), f"Supervisor Service '{service['name']}'", "a Supervisor runs one version of a service")
        versions = service_versions.get(service["name"])
        if versions is not None and service["version"] not in versions:
            problems.append(
                f"{_at(where, 'version')}: '{service['version']}' is not a version of Supervisor Service '{service['name']}'"
                f" (its definitions in supervisor_services: {', '.join(sorted(versions, key=version_order))})"
            )
        both = sorted(set(service.get("values") or ()) & set(service.get("secret_values") or ()))
        problems += [f"{_at(where, f'secret_values.{key}')}: also given in values: give each value once" for key in both]
    return problems


class _Definitions:
    """Reports a second definition of the same thing, naming where the first one is."""

    def __init__(self, problems):
        self._problems = problems
        self._first = {}

    def once(self, key, path, what, why=""):
        if key in self._first:
            self._problems.append(f"{path}: {what} is already defined at {self._first[key]}" + (f": {why}" if why else ""))
        else:
            self._first[key] = path


def _supervisor_problems(supervisor, path):
    problems = []
    count = supervisor["control_plane"]["count"]
    if count % 2 == 0:
        problems.append(f"{_at(path, 'control_plane.count')}: {count} is even: a control plane needs an odd number of VMs (1, 3, 5) to keep a quorum")
    wm_path = _at(path, "workload_management")
    spec = supervisor_spec(supervisor)
    for setting in SETTINGS:
        value = spec.get(setting.option)
        if value is not None:
            where = _at(path, "control_plane.size") if setting.option == "size" else _at(wm_path, setting.option)
            problems += [at_option(where, problem) for problem in setting.problems(value)]
    problems += [f"{wm_path}.{problem}" for problem in placement_problems(spec)]
    management = supervisor["workload_management"]["management_network"]
    if management.get("mode", "static") == "static":
        missing = [key for key in ("starting_address", "subnet_mask", "gateway") if key not in management]
        problems += [f"{wm_path}.management_network.{key}: required in static mode" for key in missing]
    balancer = supervisor["workload_management"]["load_balancer"]
    if balancer["type"] == "haproxy" and "address_ranges" not in balancer:
        problems.append(f"{wm_path}.load_balancer.address_ranges: required for haproxy, which hands out these virtual server addresses")
    return problems


def _namespace_problems(namespace, path):
    problems = []
    for option, parse in (("cpu_limit", megahertz), ("memory_limit", mebibytes), ("storage_limit", mebibytes)):
        if option in namespace:
            problems += _quantity_problems(parse, namespace[option], _at(path, option))
    policies = namespace.get("storage_policies", [])
    defined = _Definitions(problems)
    for index, policy in enumerate(policies):
        policy_path = _at(_at(path, "storage_policies"), index)
        defined.once(("policy", policy["name"]), _at(policy_path, "name"), f"storage policy '{policy['name']}'")
        if "limit" in policy:
            problems += _quantity_problems(mebibytes, policy["limit"], _at(policy_path, "limit"))
    for index, entry in enumerate(namespace.get("access", [])):
        # SSO and Active Directory names are case-insensitive.
        who = ("access", entry["type"], entry["domain"].casefold(), entry["principal"].casefold())
        defined.once(who, _at(_at(path, "access"), index), f"access for {entry['type']} {entry['domain']}\\{entry['principal']}")
    storage_classes = {storage_class_name(policy["name"]) for policy in policies}
    for index, cluster in enumerate(namespace["guest_clusters"]):
        cluster_path = _at(_at(path, "guest_clusters"), index)
        defined.once(("guest cluster", cluster["name"]), _at(cluster_path, "name"), f"guest cluster '{cluster['name']}'")
        problems += _guest_cluster_problems(cluster, cluster_path, namespace, storage_classes)
    return problems


def _quantity_problems(parse, value, path):
    try:
        # The unit parsers start their message with the option's name: the path comes first here instead.
        parse(value, "")
    except InvalidArgumentError as error:
        return [f"{path}: {error.message}"]
    return []


def storage_class_name(policy_name):
    """The Kubernetes StorageClass the Supervisor makes of a storage policy assigned to a namespace."""
    return policy_name.lower().replace(" ", "-")


def _guest_cluster_problems(cluster, path, namespace, storage_classes):
    problems = []
    vm_classes = set(namespace.get("vm_classes", []))
    pools = [(_at(path, "control_plane"), cluster["control_plane"])]
    pools += [(_at(_at(path, "node_pools"), index), pool) for index, pool in enumerate(cluster["node_pools"])]
    defined = _Definitions(problems)
    for pool_path, pool in pools:
        if "name" in pool:
            defined.once(pool["name"], _at(pool_path, "name"), f"node pool '{pool['name']}'")
        if pool["vm_class"] not in vm_classes:
            problems.append(
                f"{_at(pool_path, 'vm_class')}: VM class '{pool['vm_class']}' is not bound to namespace '{namespace['name']}'"
                f" (its vm_classes: {known_names(vm_classes)})"
            )
        problems += _storage_class_problems([pool["storage_class"]], _at(pool_path, "storage_class"), namespace, storage_classes)
    problems += _storage_class_problems(cluster.get("storage_classes", []), _at(path, "storage_classes"), namespace, storage_classes)
    networks = []
    for key in ("pods_cidr", "services_cidr"):
        if key in cluster:
            try:
                networks.append((key, ipaddress.IPv4Network(cluster[key])))
            except ValueError as error:
                problems.append(f"{_at(path, key)}: '{cluster[key]}' is not an IPv4 network in CIDR notation such as 192.168.0.0/16 ({error})")
    if len(networks) == 2 and networks[0][1].overlaps(networks[1][1]):
        problems.append(f"{_at(path, 'services_cidr')}: {networks[1][1]} overlaps pods_cidr {networks[0][1]}")
    return problems


def _storage_class_problems(names, path, namespace, storage_classes):
    return [
        f"{path}: storage class '{name}' is not one of namespace '{namespace['name']}' (from its storage_policies: {known_names(storage_classes)})"
        for name in names
        if name not in storage_classes
    ]


# -- pass 3: references ---------------------------------------------------------------------


def reference_problems(topology, rest, catalog=None, kinds=KINDS):
    """Names of vCenter objects that do not resolve, with one list call per kind (libraries: one call each, as vCenter lists ids only)."""
    catalog = catalog or Catalog(rest)
    lookups = {
        "policy": partial(catalog.id_of, STORAGE_POLICY),
        "network": partial(catalog.id_of, NETWORK),
        "portgroup": partial(catalog.id_of, NETWORK, distributed=True),
        "library": partial(catalog.id_of, CONTENT_LIBRARY),
        "vm class": partial(catalog.id_of, VM_CLASS),
    }
    problems = _zone_release_problems(topology, rest)
    problems += _cluster_problems(topology, rest, catalog, enabling=engine_kinds.SUPERVISOR in kinds or engine_kinds.CONTROL_PLANE in kinds)
    defined_classes = {vm_class["name"] for vm_class in topology["vm_classes"]}
    for path, kind, name, used_by in _references(topology):
        if used_by not in kinds or (kind == "vm class" and name in defined_classes):
            continue  # a class of the document is made by the run, before the namespaces that name it
        try:
            lookups[kind](name, path)
        except (NotFoundError, InvalidArgumentError) as error:
            problems.append(error.message)
    return problems


def _references(topology):
    """``(key path, kind, name, engine kind using it)`` of every vCenter object the document names, clusters aside."""
    for index, supervisor in enumerate(topology["supervisors"]):
        wm_path = _at(_at("supervisors", index), "workload_management")
        wm = supervisor["workload_management"]
        yield _at(wm_path, "management_network.network"), "network", wm["management_network"]["network"], engine_kinds.SUPERVISOR
        yield _at(wm_path, "workload_network.portgroup"), "portgroup", wm["workload_network"]["portgroup"], engine_kinds.SUPERVISOR
        for role, policy in wm["storage_policies"].items():
            yield _at(wm_path, f"storage_policies.{role}"), "policy", policy, engine_kinds.SUPERVISOR
        if "content_library" in wm:
            yield _at(wm_path, "content_library"), "library", wm["content_library"], engine_kinds.SUPERVISOR
        for ns_index, namespace in enumerate(supervisor["namespaces"]):
            ns_path = _at(_at(_at("supervisors", index), "namespaces"), ns_index)
            for policy_index, policy in enumerate(namespace.get("storage_policies", [])):
                yield _at(_at(_at(ns_path, "storage_policies"), policy_index), "name"), "policy", policy["name"], engine_kinds.NAMESPACE
            for library_index, library in enumerate(namespace.get("content_libraries", [])):
                yield _at(_at(ns_path, "content_libraries"), library_index), "library", library, engine_kinds.NAMESPACE
            for class_index, vm_class in enumerate(namespace.get("vm_classes", [])):
                yield _at(_at(ns_path, "vm_classes"), class_index), "vm class", vm_class, engine_kinds.NAMESPACE


def _zone_release_problems(topology, rest):
    """vSphere Zones and Supervisor Services need vCenter 8 (one request, only when the document has either)."""
    problems = []
    refusal = zones_unsupported(rest.vcenter_version()) if topology["zones"] else None
    if refusal:
        problems.append(f"zones: {refusal}: run each Supervisor on a cluster")
    uses = ["supervisor_services"] if topology["supervisor_services"] else []
    uses += [_at(_at("supervisors", index), "services") for index, supervisor in enumerate(topology["supervisors"]) if supervisor["services"]]
    refusal = services_unsupported(rest.vcenter_version()) if uses else None
    if refusal:
        problems.append(f"{uses[0]}: {refusal}")
    return problems


def _cluster_problems(topology, rest, catalog, *, enabling=True):
    """Unknown clusters, and, when ``enabling``, clusters that cannot hold the Supervisor asked for (DRS off, too few connected hosts)."""
    clusters = {cluster["name"]: cluster for cluster in catalog.records(CLUSTER)}
    problems = []
    for index, zone in enumerate(topology["zones"]):
        if zone["cluster"] not in clusters:
            problems.append(f"{_at(_at('zones', index), 'cluster')}: cluster '{zone['cluster']}' not found (known: {known_names(clusters)})")
    for index, supervisor in enumerate(topology["supervisors"]):
        if len(supervisor.get("zones") or ()) > 1:
            continue  # on three zones: its clusters are the zones', checked above, and each runs one control-plane VM
        path = _at(_at("supervisors", index), "zones[0]" if supervisor.get("zones") else "cluster")
        cluster = clusters.get(supervisor["cluster"])
        if cluster is None:
            if not supervisor.get("zones"):
                problems.append(f"{path}: cluster '{supervisor['cluster']}' not found (known: {known_names(clusters)})")
            continue
        if not enabling:
            continue
        if not cluster.get("drs_enabled"):
            problems.append(f"{path}: cluster '{supervisor['cluster']}' has DRS disabled: Workload Management and the anti-affinity rule need it")
        # The host list carries no cluster, so it is read per cluster: one call per Supervisor.
        hosts = rest.get("/api/vcenter/host", params={"clusters": cluster["cluster"]}, what=f"list the hosts of cluster '{cluster['name']}'") or []
        connected = sum(1 for host in hosts if host.get("connection_state") == "CONNECTED")
        needed = max(MIN_SUPERVISOR_HOSTS, supervisor["control_plane"]["count"])
        if connected < needed:
            problems.append(
                f"{path}: cluster '{supervisor['cluster']}' has {connected} connected hosts, and needs {needed}"
                f" (Workload Management: {MIN_SUPERVISOR_HOSTS}; control_plane.count: one host per VM)"
            )
    return problems
