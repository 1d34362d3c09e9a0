# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""What a user asks of a guest cluster, checked before anything is sent, and the manifest variables it leads to.

The desired state comes from one of three sources: the options (rendered by
the built-in template of ``api``), the options rendered by the user's own
``template``, or a whole ``definition`` used as it is.

Options left out leave the cluster as it is: each takes the value this
collection applied last (what its field manager owns), so a run that names
only ``control_plane.replicas`` changes only that. Fields set by others, or
defaulted by the Supervisor, are never taken over unless an option names
them.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Optional

from ansible_collections.pacific.vsphere.plugins.module_utils.bounds import INT32_MAX, MAX_WAIT_SECONDS, range_problem
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.manifests import API_OF_KIND, API_RESOURCES, DEFAULT_NETWORK

STATES = ("present", "absent")
CONTROL_PLANE_SIZES = (1, 3)
CONTROL_PLANE_KEYS = ("replicas", "vm_class", "storage_class")
POOL_KEYS = ("name", "replicas", "vm_class", "storage_class", "labels", "failure_domain")
NETWORK_OPTIONS = ("pods_cidr", "services_cidr", "service_domain")
# Options that shape the manifest; a definition brings its own.
SHAPE_OPTIONS = ("kubernetes_version", "control_plane", "node_pools", *NETWORK_OPTIONS, "storage_classes")
# Cluster API needs names that can prefix the names of Services and machines: DNS-1035 labels.
CLUSTER_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
MAX_LABEL = 63
MAX_SUBDOMAIN = 253


@dataclass(frozen=True)
class GuestClusterSpec:
    """The desired state in the words of the module options (so that messages can name them); None means "not set"."""

    name: Optional[str] = None
    namespace: Optional[str] = None
    api: Optional[str] = None
    kubernetes_version: Optional[str] = None
    control_plane: Optional[dict] = None
    node_pools: Optional[list] = None
    pods_cidr: Optional[str] = None
    services_cidr: Optional[str] = None
    service_domain: Optional[str] = None
    storage_classes: Optional[list] = None
    template: Optional[str] = None
    definition: Optional[dict] = None
    state: str = "present"
    force_conflicts: bool = False
    wait: bool = True
    wait_timeout: int = 1800

    @property
    def effective_api(self):
        if self.definition is not None:
            return API_OF_KIND.get(self.definition.get("kind"), self.api)
        return self.api or "tkc"

    @property
    def resource(self):
        return API_RESOURCES[self.effective_api]

    @property
    def cluster_name(self):
        return self.name if self.definition is None else self.definition["metadata"]["name"]

    @property
    def cluster_namespace(self):
        return self.namespace if self.definition is None else self.definition["metadata"]["namespace"]

    def validate(self):
        """Raise InvalidArgumentError listing every problem of the input; nothing is asked of the Supervisor."""
        problems = self._problems()
        if problems:
            who = f" '{self.namespace}/{self.name}'" if self.name and self.namespace else ""
            raise InvalidArgumentError(f"Cannot manage guest cluster{who}: " + "; ".join(problems))

    def _problems(self):
        found = []
        if self.state not in STATES:
            found.append(f"state '{self.state}' is not one of {', '.join(STATES)}")
        if self.api is not None and self.api not in API_RESOURCES:
            found.append(f"api '{self.api}' is not one of {', '.join(API_RESOURCES)}")
        found += filter(None, [range_problem("wait_timeout", self.wait_timeout, 0, MAX_WAIT_SECONDS, "seconds")])
        if self.definition is not None:
            return found + self._definition_problems()
        found += _name_problems(self.name, self.namespace)
        if self.kubernetes_version is not None and not str(self.kubernetes_version).strip():
            found.append("kubernetes_version is empty: give a release name, its version or a short version such as v1.27")
        found += _control_plane_problems(self.control_plane)
        found += _node_pool_problems(self.node_pools)
        found += _network_problems(self.pods_cidr, self.services_cidr, self.service_domain)
        for index, storage_class in enumerate(self.storage_classes or ()):
            if not _is_subdomain(storage_class):
                found.append(f"storage_classes[{index}] '{storage_class}' is not a storage class name (lower-case DNS name)")
        return found

    def _definition_problems(self):
        found = []
        given = [option for option in (*SHAPE_OPTIONS, "template") if getattr(self, option) is not None]
        if given:
            found.append(f"definition is used as it is: leave out {', '.join(given)}")
        definition = self.definition
        kinds = ", ".join(f"{resource.api_version} {resource.kind}" for resource in API_RESOURCES.values())
        resource = API_RESOURCES.get(API_OF_KIND.get(definition.get("kind"), ""))
        if resource is None or definition.get("apiVersion") != resource.api_version:
            return found + [f"definition is {definition.get('apiVersion')} {definition.get('kind')}: give one of {kinds}"]
        if self.api is not None and self.api != API_OF_KIND[resource.kind]:
            found.append(f"api '{self.api}' does not match the definition's kind {resource.kind}")
        metadata = definition.get("metadata") if isinstance(definition.get("metadata"), dict) else {}
        found += _name_problems(metadata.get("name"), metadata.get("namespace"), prefix="definition metadata.")
        for option, field in (("name", "name"), ("namespace", "namespace")):
            value = getattr(self, option)
            if value is not None and value != metadata.get(field):
                found.append(f"{option} '{value}' does not match the definition's metadata.{field} '{metadata.get(field)}'")
        return found

    def template_variables(self, owned, current, release):
        """The variables of the manifest templates: the options, with what they leave out taken from ``owned``.

        ``owned`` is the view (``manifests.view_of``) of what this collection
        applied last ({} for none), ``current`` the view of the live cluster
        (None when it is to be created), ``release`` a tanzu_releases.Release
        or None. Raises InvalidArgumentError on what the live cluster rules
        out (a control plane scaled in, a network setting changed) and on
        what a new cluster lacks.
        """
        creating = current is None
        owned_control_plane = (owned or {}).get("control_plane") or {}
        given = self.control_plane or {}
        control_plane = {key: _first_set(given.get(key), owned_control_plane.get(key)) for key in CONTROL_PLANE_KEYS}
        if creating and control_plane["replicas"] is None:
            control_plane["replicas"] = 1
        effective = {key: _first_set(control_plane[key], ((current or {}).get("control_plane") or {}).get(key)) for key in CONTROL_PLANE_KEYS}
        problems = []
        if creating:
            problems += [f"control_plane.{key} is required to create it" for key in ("vm_class", "storage_class") if effective[key] is None]
        else:
            problems += self._change_problems(current, effective)
        variables = {
            "name": self.name,
            "namespace": self.namespace,
            "release": None if release is None else {"name": release.name, "version": release.version},
            "control_plane": control_plane,
            "node_pools": self._pools(owned, current, effective),
            "storage_classes": _first_set(self.storage_classes, (owned or {}).get("storage_classes")),
        }
        for option in NETWORK_OPTIONS:
            default = DEFAULT_NETWORK[option] if creating and self.effective_api == "cluster" else None
            variables[option] = _first_set(getattr(self, option), (owned or {}).get(option), default)
        if problems:
            raise InvalidArgumentError(f"Cannot manage guest cluster '{self.namespace}/{self.name}': " + "; ".join(problems))
        return variables

    def _pools(self, owned, current, control_plane):
        """The node pools: as given, each key left out taken from what was applied, then from the live pool, then a default."""
        owned_pools = {pool["name"]: pool for pool in (owned or {}).get("node_pools") or ()}
        if self.node_pools is None:
            return list(owned_pools.values()) or None
        live_pools = {pool["name"]: pool for pool in (current or {}).get("node_pools") or ()}
        defaults = {"replicas": 1, "vm_class": control_plane["vm_class"], "storage_class": control_plane["storage_class"], "labels": None}
        pools = []
        for given in self.node_pools:
            applied, live = owned_pools.get(given["name"], {}), live_pools.get(given["name"], {})
            pools.append({key: _first_set(given.get(key), applied.get(key), live.get(key), defaults.get(key)) for key in POOL_KEYS})
        return pools

    def _change_problems(self, current, control_plane):
        found = []
        live_replicas = (current.get("control_plane") or {}).get("replicas")
        if control_plane["replicas"] is not None and live_replicas is not None and control_plane["replicas"] < live_replicas:
            found.append(
                f"control_plane.replicas {control_plane['replicas']}: the control plane has {live_replicas} nodes, and vSphere cannot scale a control plane in"
            )
        for option in NETWORK_OPTIONS:
            wanted, live = getattr(self, option), current.get(option)
            if wanted is not None and live is not None and wanted != live:
                found.append(f"{option} '{wanted}': the cluster has '{live}', which cannot change once it is created")
        return found


def _first_set(*values):
    return next((value for value in values if value is not None), None)


def _name_problems(name, namespace, prefix=""):
    found = []
    if not name:
        found.append(f"{prefix}name is required")
    elif not isinstance(name, str) or len(name) > MAX_LABEL or not CLUSTER_NAME.match(name):
        found.append(
            f"{prefix}name '{name}' is not a valid cluster name: use at most 63 lower-case letters, digits and '-',"
            " starting with a letter and ending with a letter or digit (tkc-01)"
        )
    if not namespace:
        found.append(f"{prefix}namespace is required: give the vSphere Namespace of the cluster")
    elif not isinstance(namespace, str) or len(namespace) > MAX_LABEL or not DNS_LABEL.match(namespace):
        found.append(f"{prefix}namespace '{namespace}' is not a vSphere Namespace name (a DNS label of at most 63 lower-case letters, digits and '-')")
    return found


def _control_plane_problems(control_plane):
    found = []
    control_plane = control_plane or {}
    replicas = control_plane.get("replicas")
    if replicas is not None and replicas not in CONTROL_PLANE_SIZES:
        found.append(f"control_plane.replicas {replicas} is not 1 or 3: a control plane needs an odd number of nodes for etcd, and vSphere offers 1 or 3")
    for key in ("vm_class", "storage_class"):
        value = control_plane.get(key)
        if value is not None and not _is_subdomain(value):
            found.append(f"control_plane.{key} '{value}' is not a valid name (lower-case DNS name)")
    return found


def _node_pool_problems(pools):
    found = []
    seen = set()
    for index, pool in enumerate(pools or ()):
        where = f"node_pools[{index}]"
        name = pool.get("name")
        if not isinstance(name, str) or len(name) > MAX_LABEL or not DNS_LABEL.match(name):
            found.append(f"{where}.name '{name}' is not a DNS label (at most 63 lower-case letters, digits and '-')")
        elif name in seen:
            found.append(f"node_pools names '{name}' twice: give each pool once")
        seen.add(name)
        replicas = pool.get("replicas")
        if replicas is not None:
            found += filter(None, [range_problem(f"{where}.replicas", replicas, 0, INT32_MAX, "a number of nodes")])
        for key in ("vm_class", "storage_class"):
            if pool.get(key) is not None and not _is_subdomain(pool[key]):
                found.append(f"{where}.{key} '{pool[key]}' is not a valid name (lower-case DNS name)")
        found += [f"{where}.labels: {problem}" for problem in _label_problems(pool.get("labels") or {})]
        zone = pool.get("failure_domain")
        if zone is not None and (len(zone) > MAX_LABEL or not DNS_LABEL.match(zone)):
            found.append(f"{where}.failure_domain '{zone}' is not a vSphere Zone name (at most 63 lower-case letters, digits and '-')")
    return found


def _label_problems(labels):
    found = []
    for key, value in labels.items():
        prefix, _slash, name = key.rpartition("/")
        if (prefix and not _is_subdomain(prefix)) or len(name) > MAX_LABEL or not LABEL_NAME.match(name):
            found.append(f"'{key}' is not a label key ([prefix/]name, the name at most 63 letters, digits, '-', '_' and '.')")
        if not isinstance(value, str):
            found.append(f"the value of '{key}' is not a string ({value!r}): quote it, label values are strings")
        elif len(value) > MAX_LABEL or not LABEL_VALUE.match(value):
            found.append(f"the value '{value}' of '{key}' is not a label value (at most 63 letters, digits, '-', '_' and '.')")
    return found


def _network_problems(pods_cidr, services_cidr, service_domain):
    found = []
    networks = {}
    for option, value in (("pods_cidr", pods_cidr), ("services_cidr", services_cidr)):
        if value is None:
            continue
        try:
            networks[option] = ipaddress.ip_network(value, strict=True)
        except ValueError as error:
            found.append(f"{option} '{value}' is not a CIDR block ({error}): give a network address and prefix length (192.168.0.0/16)")
    if len(networks) == 2 and networks["pods_cidr"].version == networks["services_cidr"].version and networks["pods_cidr"].overlaps(networks["services_cidr"]):
        found.append(f"pods_cidr '{pods_cidr}' and services_cidr '{services_cidr}' overlap: give disjoint blocks")
    if service_domain is not None and not _is_subdomain(service_domain):
        found.append(f"service_domain '{service_domain}' is not a DNS domain (cluster.local)")
    return found


def _is_subdomain(value):
    return isinstance(value, str) and 0 < len(value) <= MAX_SUBDOMAIN and all(len(part) <= MAX_LABEL and DNS_LABEL.match(part) for part in value.split("."))
