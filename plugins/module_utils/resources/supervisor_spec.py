# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The desired Supervisor in the words of the module options, and its translation to the vCenter REST API.

Options read as a person configures Workload Management in the vSphere Client
(``size``, ``management_network.starting_address``, ``storage_policies.image``,
names rather than identifiers); the API takes a ``Clusters.EnableSpec`` to
enable and a ``Clusters.UpdateSpec`` to change an enabled Supervisor (vSphere
Automation API 7.0 Update 3, ``vcenter.namespace_management``).

``SETTINGS`` lists every comparable option once: where ``Clusters.Info``
reports it, whether ``Clusters.UpdateSpec`` can change it in place, and how.
Options that UpdateSpec does not carry (networks, load balancer, service CIDR)
can only change by disabling and enabling the Supervisor again.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Callable, Optional

from ansible_collections.pacific.vsphere.plugins.module_utils.bounds import IPV4_ADDRESSES, MAX_WAIT_SECONDS, range_problem
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_software import version_problem

SIZES = ("tiny", "small", "medium", "large")
STATES = ("enabled", "disabled")
MANAGEMENT_MODES = {"static": "STATICRANGE", "dhcp": "DHCP"}
LOAD_BALANCER_TYPES = {"haproxy": "HA_PROXY", "avi": "AVI"}
# The Data Plane API port of the HAProxy appliance, and the Avi Controller's HTTPS port.
DEFAULT_LOAD_BALANCER_PORTS = {"haproxy": 5556, "avi": 443}
# Three control-plane VMs, the floating API address and one spare for rolling
# upgrades: vCenter asks for 5 consecutive management addresses.
MIN_MANAGEMENT_ADDRESSES = 5
# What the vSphere Client proposes; applied when enabling only, never compared.
ENABLE_DEFAULTS = {"size": "small", "service_cidr": "10.96.0.0/23", "management_network.mode": "static", "management_network.address_count": 5}
DEFAULT_WORKLOAD_NETWORK_NAME = "network-1"
MASKED = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# A Supervisor runs on one vSphere Zone or on three (vSphere 8 docs: "three-zone Supervisor").
ZONE_COUNTS = (1, 3)


@dataclass(frozen=True)
class SupervisorSpec:
    """The desired state; ``None`` is an option the user did not set, which is then neither sent nor compared.

    ``management_network``, ``workload_network``, ``load_balancer`` and
    ``storage_policies`` are dicts of the sub-options, ``None`` for the unset ones.
    """

    cluster: Optional[str]
    state: str = "enabled"
    size: Optional[str] = None
    service_cidr: Optional[str] = None
    management_network: Optional[dict] = None
    dns_servers: Optional[list] = None
    dns_search_domains: Optional[list] = None
    ntp_servers: Optional[list] = None
    workload_network: Optional[dict] = None
    load_balancer: Optional[dict] = None
    storage_policies: Optional[dict] = None
    content_library: Optional[str] = None
    allow_reenable: bool = False
    wait: bool = True
    wait_timeout: int = 1800
    # vCenter 8: the vSphere Zones the Supervisor runs on (one, or three with a control-plane VM in each zone's
    # cluster); ``cluster`` is then the first zone's cluster, which vCenter reads and changes the Supervisor through.
    zones: Optional[list] = None
    # The Supervisor version to run (or a prefix of one, v1.27): upgraded to through vCenter's software API.
    kubernetes_version: Optional[str] = None

    @property
    def subject(self):
        """The Supervisor in messages: its cluster, or its zones while the cluster is not known yet."""
        return f"cluster '{self.cluster}'" if self.cluster is not None else f"zones {', '.join(self.zones or ())}"

    def get(self, path):
        """The value of option ``path`` (``management_network.gateway``); None when unset."""
        value = self
        for key in path.split("."):
            value = getattr(value, key) if isinstance(value, SupervisorSpec) else (value or {}).get(key)
        return value

    def validate(self):
        """Raise InvalidArgumentError listing every malformed option, before anything is read or changed."""
        problems = []
        if self.state not in STATES:
            problems.append(f"state: '{self.state}' is not one of {', '.join(STATES)}")
        problems += filter(None, [range_problem("wait_timeout", self.wait_timeout, 0, MAX_WAIT_SECONDS, "seconds")])
        for setting in SETTINGS:
            value = self.get(setting.option)
            if value is not None:
                problems.extend(at_option(setting.option, problem) for problem in setting.problems(value))
        problems.extend(placement_problems(self))
        problems.extend(zone_problems(self.zones))
        version = None if self.kubernetes_version is None else version_problem(self.kubernetes_version)
        if version:
            problems.append(at_option("kubernetes_version", version))
        if self.kubernetes_version is not None and not self.wait and self.state == "enabled":
            problems.append("kubernetes_version: needs wait: true (vCenter upgrades a Supervisor once it is RUNNING)")
        _raise_if(problems, self.subject)

    def validate_complete(self, why):
        """Raise InvalidArgumentError naming every option enabling needs and the spec lacks (``why``: enabling, re-enabling)."""
        required = ["management_network.network", "storage_policies.control_plane", "workload_network.portgroup", "workload_network.address_ranges"]
        required += ["workload_network.gateway", "workload_network.subnet_mask", "load_balancer.type", "load_balancer.endpoint"]
        required += ["load_balancer.username", "load_balancer.password", "load_balancer.ca_certificate"]
        if self.enable_value("management_network.mode") == "static":
            required += ["management_network.starting_address", "management_network.subnet_mask", "management_network.gateway"]
        if self.get("load_balancer.type") == "haproxy":
            required.append("load_balancer.address_ranges")
        problems = [f"{option}: required for {why}" for option in required if self.get(option) in (None, "", [])]
        if self.enable_value("management_network.mode") == "dhcp":
            problems += [f"{option}: not used with management_network.mode dhcp" for option in _STATIC_ONLY if self.get(option) is not None]
        _raise_if(problems, self.subject)

    def enable_value(self, option):
        """The value enabling uses for ``option``: the user's, else the default the vSphere Client proposes."""
        value = self.get(option)
        if value is not None:
            return value
        if option in ("storage_policies.ephemeral", "storage_policies.image"):
            return self.get("storage_policies.control_plane")
        if option == "workload_network.name":
            return DEFAULT_WORKLOAD_NETWORK_NAME
        if option == "load_balancer.name":
            return self.get("load_balancer.type")
        return ENABLE_DEFAULTS.get(option)


_STATIC_ONLY = ("management_network.starting_address", "management_network.address_count", "management_network.subnet_mask", "management_network.gateway")


def zone_problems(zones):
    """A Supervisor runs on one vSphere Zone or on three, each named once."""
    if zones is None:
        return []
    problems = list(filter(None, [zone_count_problem(zones)]))
    if len(set(zones)) != len(zones):
        problems.append("zones: a zone is named twice")
    return problems


def zone_count_problem(zones):
    """The problem of a Supervisor on neither one zone nor three, prefixed with ``zones``; None when the count is right."""
    if len(zones) in ZONE_COUNTS:
        return None
    return f"zones: {len(zones)} zones given; a Supervisor runs on one zone or on three (one control-plane VM in each)"


def _raise_if(problems, subject):
    if problems:
        raise InvalidArgumentError(f"Invalid Workload Management settings for {subject}: " + "; ".join(problems))


# -- value checks and normal forms --------------------------------------------------


def _ipv4(text):
    try:
        return ipaddress.IPv4Address(text)
    except (ipaddress.AddressValueError, ValueError):
        return None


def _ip_problems(value):
    return [] if _ipv4(value) else [f"'{value}' is not an IPv4 address"]


def _ips_problems(values):
    return [f"'{value}' is not an IPv4 address" for value in values if not _ipv4(value)]


def _names_problems(values):
    return ["empty entry" for value in values if not str(value).strip()]


def _mask_problems(value):
    try:
        network = ipaddress.IPv4Network(f"0.0.0.0/{value}")
    except ValueError:
        network = None
    if network is None or str(network.netmask) != value:
        return [f"'{value}' is not a dotted subnet mask such as 255.255.255.0"]
    return []


def _cidr_problems(value):
    try:
        ipaddress.IPv4Network(value)
    except ValueError as error:
        return [f"'{value}' is not an IPv4 network in CIDR notation such as 10.96.0.0/23 ({error})"]
    return [] if "/" in value else [f"'{value}' has no prefix length: write it as address/prefix, such as 10.96.0.0/23"]


def _choice_problems(choices):
    def problems(value):
        return [] if value in choices else [f"'{value}' is not one of {', '.join(choices)}"]

    return problems


def _count_problems(minimum, why):
    def problems(value):
        if value > IPV4_ADDRESSES:
            return [f"{value} is more than the {IPV4_ADDRESSES} addresses of IPv4"]
        return [] if value >= minimum else [f"{value} is too few: {why} needs at least {minimum}"]

    return problems


def at_option(option, problem):
    """``problem`` of ``option``, prefixed with it: a problem of one item (``[0].count ...``) continues its key path."""
    return f"{option}{problem}" if problem.startswith("[") else f"{option}: {problem}"


def _ranges_problems(ranges):
    problems = []
    for index, address_range in enumerate(ranges):
        address, count = address_range.get("address"), address_range.get("count")
        if not _ipv4(address):
            problems.append(f"[{index}].address '{address}' is not an IPv4 address")
        first = _ipv4(address)
        last_count = IPV4_ADDRESSES - int(first) if first else IPV4_ADDRESSES
        problems += filter(None, [range_problem(f"[{index}].count", count, 1, last_count, "a number of addresses that stays within IPv4")])
    return problems


def _label_problems(value):
    if DNS_LABEL.match(value):
        return []
    return [f"'{value}' is not a DNS label: lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit"]


def _endpoint_problems(value):
    host, port = _split_endpoint(value, 1)
    problems = [] if host else [f"'{value}' has no host name"]
    if port is None or not 0 < port < 65536:
        problems.append(f"'{value}' has no valid port: write host or host:port with a port in 1..65535")
    return problems


def _split_endpoint(value, default_port):
    host, colon, port = str(value).rpartition(":")
    if not colon:
        return value.strip(), default_port
    return host.strip(), int(port) if port.isdigit() else None


def _normal_ranges(ranges):
    normal = [{"address": str(_ipv4(r["address"]) or r["address"]), "count": int(r["count"])} for r in ranges or ()]
    return sorted(normal, key=lambda r: (_ipv4(r["address"]) or ipaddress.IPv4Address(0), r["count"]))


def _normal_pem(text):
    return "\n".join(line.strip() for line in str(text).strip().splitlines() if line.strip())


def _normal_ips(values):
    return [str(_ipv4(value) or value) for value in values or ()]


def _normal_ip(value):
    return None if value in (None, "") else str(_ipv4(value) or value)


def _normal_cidr(value):
    return str(ipaddress.IPv4Network(value))


def _same(value):
    return value


# -- where Clusters.Info reports each option -----------------------------------------


def _path(*keys):
    def read(info):
        value = info
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    return read


def _primary_workload_network(info):
    return _path("workload_networks", "supervisor_primary_workload_network")(info) or {}


def _load_balancer(info):
    balancers = info.get("load_balancers") or [{}]
    return balancers[0] or {}


def _load_balancer_config(info):
    # vCenter answers with LoadBalancers.Info (ha_proxy_info / avi_info); the
    # lab echoes the ConfigSpec it was given (ha_proxy_config_create_spec ...).
    balancer = _load_balancer(info)
    for key in ("ha_proxy_info", "avi_info", "ha_proxy_config_create_spec", "avi_config_create_spec"):
        if balancer.get(key):
            return balancer[key]
    return {}


def _load_balancer_servers(info):
    config = _load_balancer_config(info)
    servers = config.get("servers") or ([config["server"]] if config.get("server") else [])
    return ",".join(f"{server['host']}:{server['port']}" for server in servers) or None


def _lower(read):
    def lowered(info):
        value = read(info)
        return value.lower() if isinstance(value, str) else value

    return lowered


def _service_cidr(info):
    cidr = info.get("service_cidr")
    return f"{cidr['address']}/{cidr['prefix']}" if cidr else None


def _management_mode(info):
    mode = _path("master_management_network", "mode")(info)
    return {api: option for option, api in MANAGEMENT_MODES.items()}.get(mode, mode)


def _load_balancer_type(info):
    provider = _load_balancer(info).get("provider")
    return {api: option for option, api in LOAD_BALANCER_TYPES.items()}.get(provider, provider)


def _live_list(read):
    def listed(info):
        return read(info) or []

    return listed


# -- the comparable options ------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One option as vCenter knows it.

    ``read`` takes it from Clusters.Info in the option's terms (identifiers for
    references); ``normal`` puts a value in the form both sides are compared
    in. ``reference`` names what the value is the name of (``policy``,
    ``network``, ``portgroup``, ``library``). ``update`` builds the UpdateSpec
    fragment from the API value; options without one cannot change in place.
    """

    option: str
    read: Callable[[dict], Any]
    problems: Callable[[Any], list] = lambda value: []
    normal: Callable[[Any], Any] = _same
    reference: Optional[str] = None
    update: Optional[Callable[[Any], dict]] = None

    @property
    def in_place(self):
        return self.update is not None


def _size_update(value):
    return {"size_hint": value.upper()}


SETTINGS = (
    Setting("size", _lower(_path("size_hint")), _choice_problems(SIZES), update=_size_update),
    Setting("service_cidr", _service_cidr, _cidr_problems, _normal_cidr),
    Setting("management_network.network", _path("master_management_network", "network"), reference="network"),
    Setting("management_network.mode", _management_mode, _choice_problems(tuple(MANAGEMENT_MODES))),
    Setting("management_network.starting_address", _path("master_management_network", "address_range", "starting_address"), _ip_problems, _normal_ip),
    Setting(
        "management_network.address_count",
        _path("master_management_network", "address_range", "address_count"),
        _count_problems(MIN_MANAGEMENT_ADDRESSES, "the control plane (3 VMs, the floating API address and a spare for upgrades)"),
    ),
    Setting("management_network.subnet_mask", _path("master_management_network", "address_range", "subnet_mask"), _mask_problems),
    Setting("management_network.gateway", _path("master_management_network", "address_range", "gateway"), _ip_problems, _normal_ip),
    Setting("management_network.floating_ip", _path("master_management_network", "floating_IP"), _ip_problems, _normal_ip),
    Setting("dns_servers", _live_list(_path("master_DNS")), _ips_problems, _normal_ips, update=lambda value: {"master_DNS": value}),
    Setting("dns_search_domains", _live_list(_path("master_DNS_search_domains")), _names_problems, update=lambda value: {"master_DNS_search_domains": value}),
    Setting("ntp_servers", _live_list(_path("master_NTP_servers")), _names_problems, update=lambda value: {"master_NTP_servers": value}),
    Setting("workload_network.name", lambda info: _primary_workload_network(info).get("network"), _label_problems),
    Setting("workload_network.portgroup", lambda info: _path("vsphere_network", "portgroup")(_primary_workload_network(info)), reference="portgroup"),
    Setting(
        "workload_network.address_ranges",
        lambda info: _path("vsphere_network", "address_ranges")(_primary_workload_network(info)),
        _ranges_problems,
        _normal_ranges,
    ),
    Setting("workload_network.gateway", lambda info: _path("vsphere_network", "gateway")(_primary_workload_network(info)), _ip_problems, _normal_ip),
    Setting("workload_network.subnet_mask", lambda info: _path("vsphere_network", "subnet_mask")(_primary_workload_network(info)), _mask_problems),
    Setting("workload_network.dns_servers", _live_list(_path("worker_DNS")), _ips_problems, _normal_ips, update=lambda value: {"worker_DNS": value}),
    Setting("workload_network.ntp_servers", _live_list(_path("workload_ntp_servers")), _names_problems, update=lambda value: {"workload_ntp_servers": value}),
    Setting("load_balancer.type", _load_balancer_type, _choice_problems(tuple(LOAD_BALANCER_TYPES))),
    Setting("load_balancer.name", lambda info: _load_balancer(info).get("id"), _label_problems),
    Setting("load_balancer.address_ranges", lambda info: _load_balancer(info).get("address_ranges"), _ranges_problems, _normal_ranges),
    Setting("load_balancer.endpoint", _load_balancer_servers, _endpoint_problems),
    Setting("load_balancer.username", lambda info: _load_balancer_config(info).get("username")),
    Setting("load_balancer.ca_certificate", lambda info: _load_balancer_config(info).get("certificate_authority_chain"), normal=_normal_pem),
    Setting("storage_policies.control_plane", _path("master_storage_policy"), reference="policy", update=lambda value: {"master_storage_policy": value}),
    Setting("storage_policies.ephemeral", _path("ephemeral_storage_policy"), reference="policy", update=lambda value: {"ephemeral_storage_policy": value}),
    Setting(
        "storage_policies.image",
        _path("image_storage", "storage_policy"),
        reference="policy",
        update=lambda value: {"image_storage": {"storage_policy": value}},
    ),
    Setting(
        "content_library",
        _path("default_kubernetes_service_content_library"),
        reference="library",
        update=lambda value: {"default_kubernetes_service_content_library": value},
    ),
)
SETTINGS_BY_OPTION = {setting.option: setting for setting in SETTINGS}
# vCenter never returns the password, so it cannot be compared: it is sent when enabling only.
SECRET_OPTIONS = ("load_balancer.password",)


def normal_endpoint(value, balancer_type):
    """``host:port`` with the load balancer type's default port when none is given."""
    host, port = _split_endpoint(value, DEFAULT_LOAD_BALANCER_PORTS.get(balancer_type, 443))
    return f"{host}:{port}"


def desired_value(spec, setting):
    """The user's value of ``setting`` in its compared form; None when unset."""
    value = spec.get(setting.option)
    if value is None:
        return None
    if setting.option == "load_balancer.endpoint":
        return normal_endpoint(value, spec.get("load_balancer.type"))
    return setting.normal(value)


def live_value(info, setting):
    """What Clusters.Info says of ``setting``, in its compared form (identifiers for references)."""
    value = setting.read(info)
    if value is None or setting.reference:
        return value
    return setting.normal(value)


# -- checks across options ----------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    option: str
    first: ipaddress.IPv4Address
    last: ipaddress.IPv4Address

    def __str__(self):
        return f"{self.first}-{self.last}"


def placement_problems(spec):
    """Ranges outside their subnet or over their gateway, and address blocks that overlap (vCenter refuses both)."""
    problems = []
    blocks = []
    if spec.get("management_network.mode") != "dhcp" and _ipv4(spec.get("management_network.starting_address")):
        count = spec.get("management_network.address_count") or MIN_MANAGEMENT_ADDRESSES
        first = _ipv4(spec.get("management_network.starting_address"))
        block = _Block("management_network", first, first + max(count, 1) - 1)
        problems += _subnet_problems("management_network", [block], spec.get("management_network.gateway"), spec.get("management_network.subnet_mask"))
        blocks.append(block)
    for option in ("workload_network", "load_balancer"):
        ranges = [r for r in spec.get(f"{option}.address_ranges") or () if _ipv4(r.get("address")) and (r.get("count") or 0) >= 1]
        option_blocks = [_Block(f"{option}.address_ranges", _ipv4(r["address"]), _ipv4(r["address"]) + r["count"] - 1) for r in ranges]
        if option == "workload_network":
            problems += _subnet_problems(option, option_blocks, spec.get("workload_network.gateway"), spec.get("workload_network.subnet_mask"))
        blocks += option_blocks
    cidr = spec.get("service_cidr")
    if cidr and not _cidr_problems(cidr):
        network = ipaddress.IPv4Network(cidr)
        blocks.append(_Block("service_cidr", network[0], network[-1]))
    for index, block in enumerate(blocks):
        for earlier in blocks[:index]:
            if block.first <= earlier.last and earlier.first <= block.last:
                problems.append(f"{block.option}: {block} overlaps {earlier.option} ({earlier})")
    return problems


def _subnet_problems(option, blocks, gateway, mask):
    """Blocks outside the subnet of ``gateway``/``mask``, or that contain the gateway; nothing to say when either is unknown."""
    if not _ipv4(gateway) or mask is None or _mask_problems(mask):
        return []
    subnet = ipaddress.IPv4Network(f"{gateway}/{mask}", strict=False)
    problems = []
    for block in blocks:
        if block.first not in subnet or block.last not in subnet:
            problems.append(f"{block.option}: {block} is not inside the subnet {subnet} of {option}.gateway and {option}.subnet_mask")
        elif block.first <= _ipv4(gateway) <= block.last:
            problems.append(f"{block.option}: {block} contains the gateway {gateway}")
    return problems


# -- request bodies ----------------------------------------------------------------------------


def enable_body(spec, ids):
    """The Clusters.EnableSpec of ``spec``; ``ids`` maps each reference option to the identifier it resolved to."""
    value = spec.enable_value
    cidr = ipaddress.IPv4Network(value("service_cidr"))
    management = {"network": ids["management_network.network"], "mode": MANAGEMENT_MODES[value("management_network.mode")]}
    if management["mode"] == "STATICRANGE":
        management["address_range"] = {
            "starting_address": value("management_network.starting_address"),
            "address_count": value("management_network.address_count"),
            "subnet_mask": value("management_network.subnet_mask"),
            "gateway": value("management_network.gateway"),
        }
    if value("management_network.floating_ip"):
        management["floating_IP"] = value("management_network.floating_ip")
    body = {
        "size_hint": value("size").upper(),
        "service_cidr": {"address": str(cidr.network_address), "prefix": cidr.prefixlen},
        "network_provider": "VSPHERE_NETWORK",
        "master_management_network": management,
        "master_storage_policy": ids["storage_policies.control_plane"],
        "ephemeral_storage_policy": ids.get("storage_policies.ephemeral", ids["storage_policies.control_plane"]),
        "image_storage": {"storage_policy": ids.get("storage_policies.image", ids["storage_policies.control_plane"])},
        "workload_networks_spec": {"supervisor_primary_workload_network": _workload_network(spec, ids)},
        "load_balancer_config_spec": _load_balancer_spec(spec),
    }
    optional = {
        "master_DNS": "dns_servers",
        "master_DNS_search_domains": "dns_search_domains",
        "master_NTP_servers": "ntp_servers",
        "worker_DNS": "workload_network.dns_servers",
        "workload_ntp_servers": "workload_network.ntp_servers",
    }
    body.update({field: value(option) for field, option in optional.items() if value(option) is not None})
    if "content_library" in ids:
        body["default_kubernetes_service_content_library"] = ids["content_library"]
    return body


def _workload_network(spec, ids):
    value = spec.enable_value
    return {
        "network": value("workload_network.name"),
        "network_provider": "VSPHERE_NETWORK",
        "vsphere_network": {
            "portgroup": ids["workload_network.portgroup"],
            "address_ranges": [{"address": r["address"], "count": r["count"]} for r in value("workload_network.address_ranges")],
            "gateway": value("workload_network.gateway"),
            "subnet_mask": value("workload_network.subnet_mask"),
        },
    }


def _load_balancer_spec(spec):
    value = spec.enable_value
    balancer_type = value("load_balancer.type")
    host, port = _split_endpoint(value("load_balancer.endpoint"), DEFAULT_LOAD_BALANCER_PORTS[balancer_type])
    server = {"host": host, "port": port}
    config = {"username": value("load_balancer.username"), "password": value("load_balancer.password")}
    config["certificate_authority_chain"] = value("load_balancer.ca_certificate")
    body = {
        "id": value("load_balancer.name"),
        "provider": LOAD_BALANCER_TYPES[balancer_type],
        "address_ranges": [{"address": r["address"], "count": r["count"]} for r in value("load_balancer.address_ranges") or ()],
    }
    if balancer_type == "haproxy":
        body["ha_proxy_config_create_spec"] = dict(servers=[server], **config)
    else:
        body["avi_config_create_spec"] = dict(server=server, **config)
    return body


def update_body(changes):
    """The Clusters.UpdateSpec carrying ``changes``, ``{option: API value}`` of options that change in place."""
    body = {}
    for option, value in changes.items():
        body.update(SETTINGS_BY_OPTION[option].update(value))
    return body


def nest(flat):
    """``{"a.b": 1, "c": 2}`` as ``{"a": {"b": 1}, "c": 2}``: views keyed like the options."""
    nested = {}
    for option, value in flat.items():
        *parents, leaf = option.split(".")
        target = nested
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return nested
