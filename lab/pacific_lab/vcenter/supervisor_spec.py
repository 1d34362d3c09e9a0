"""What vCenter checks in a Clusters.EnableSpec / UpdateSpec before it starts any work.

`enable_problems` and `update_problems` return every (field path, reason)
found, so one 400 answer names them all; nothing is changed when there are any.
"""

import ipaddress
from typing import NamedTuple

from .naming import check_dns_label
from .schema import check

# Three control-plane VMs, the floating API address and one spare for rolling
# upgrades: vCenter asks for 5 consecutive management addresses.
MIN_MANAGEMENT_ADDRESSES = 5
MIN_HOSTS = 3  # one per control-plane VM, kept apart by a mandatory anti-affinity rule


# Control-plane VM size per size_hint: (vCPUs, memory MiB), as vCenter 7 sizes them.
VM_SIZES = {"TINY": (2, 8192), "SMALL": (4, 16384), "MEDIUM": (8, 16384), "LARGE": (16, 32768)}


class World(NamedTuple):
    """The inventory a spec refers to."""

    cluster_name: str
    drs_enabled: bool
    host_count: int
    network_types: dict  # network moid -> REST network type
    policy_ids: set
    library_ids: set
    switch_problem: str = ""  # why no distributed switch can carry vSphere networking on the clusters ("": one can)


class AddressBlock(NamedTuple):
    """A range of IPv4 addresses a spec claims, for overlap checks."""

    path: str
    first: ipaddress.IPv4Address
    last: ipaddress.IPv4Address

    def overlaps(self, other):
        return self.first <= other.last and other.first <= self.last


def enable_problems(shape, spec, world):
    problems = check(shape, spec).items
    if problems:
        return problems  # values are only looked at once the structure is right
    problems += [("cluster", reason) for reason in incompatibilities(world.cluster_name, world.drs_enabled, world.host_count)]
    blocks = []
    cidr = _cidr(spec["service_cidr"], "spec.service_cidr", problems)
    if cidr is not None:
        blocks.append(AddressBlock("spec.service_cidr", cidr[0], cidr[-1]))
    blocks += _management_network(spec["master_management_network"], world, problems)
    for field in ("master_storage_policy", "ephemeral_storage_policy"):
        _policy(spec[field], f"spec.{field}", world, problems)
    _policy(spec["image_storage"]["storage_policy"], "spec.image_storage.storage_policy", world, problems)
    _common_values(spec, world, problems)
    if spec["network_provider"] == "VSPHERE_NETWORK":
        if world.switch_problem:
            problems.append(("cluster", world.switch_problem))
        blocks += _workload_networks(spec.get("workload_networks_spec"), world, problems)
        blocks += _load_balancer(spec.get("load_balancer_config_spec"), problems)
    _overlaps(blocks, problems)
    return problems


def incompatibilities(cluster_name, drs_enabled, host_count):
    """Why Workload Management cannot run on a cluster (what ClusterCompatibility reports and enable refuses)."""
    reasons = []
    if not drs_enabled:
        reasons.append(f"DRS is not enabled on cluster '{cluster_name}'")
    if host_count < MIN_HOSTS:
        reasons.append(f"cluster '{cluster_name}' has {host_count} hosts; the control plane needs {MIN_HOSTS}")
    return reasons


def update_problems(shape, spec, world):
    problems = check(shape, spec).items
    if problems:
        return problems
    for field in ("master_storage_policy", "ephemeral_storage_policy"):
        if spec.get(field) is not None:
            _policy(spec[field], f"spec.{field}", world, problems)
    if spec.get("image_storage") is not None:
        _policy(spec["image_storage"]["storage_policy"], "spec.image_storage.storage_policy", world, problems)
    _common_values(spec, world, problems)
    return problems


def _common_values(spec, world, problems):
    for field in ("master_DNS", "worker_DNS"):
        for index, server in enumerate(spec.get(field) or ()):
            if _ipv4(server) is None:
                problems.append((f"spec.{field}[{index}]", f"{server!r} is not an IPv4 address"))
    for field in ("master_NTP_servers", "workload_ntp_servers"):
        for index, server in enumerate(spec.get(field) or ()):
            if not server.strip():
                problems.append((f"spec.{field}[{index}]", "empty NTP server"))
    library = spec.get("default_kubernetes_service_content_library")
    if library is not None and library not in world.library_ids:
        problems.append(("spec.default_kubernetes_service_content_library",
                         f"content library {library!r} not found (known: {sorted(world.library_ids)})"))
    registry = spec.get("default_image_registry")
    if registry is not None and registry.get("port") is not None and not 0 < registry["port"] < 65536:
        problems.append(("spec.default_image_registry.port", "must be 1..65535"))


def _policy(policy, path, world, problems):
    if policy not in world.policy_ids:
        problems.append((path, f"storage policy {policy!r} not found (known: {sorted(world.policy_ids)})"))


def _management_network(network_spec, world, problems):
    path = "spec.master_management_network"
    if network_spec["network"] not in world.network_types:
        problems.append((f"{path}.network", f"network {network_spec['network']!r} not found"))
    if network_spec["mode"] != "STATICRANGE":
        return []
    address_range = network_spec.get("address_range")
    if address_range is None:
        problems.append((f"{path}.address_range", "required when mode is STATICRANGE"))
        return []
    block = _subnet_range(f"{path}.address_range", address_range["starting_address"],
                          address_range["address_count"], address_range["subnet_mask"],
                          address_range["gateway"], problems, first_field="starting_address",
                          count_field="address_count")
    if address_range["address_count"] < MIN_MANAGEMENT_ADDRESSES:
        problems.append((f"{path}.address_range.address_count",
                         f"{address_range['address_count']} addresses are too few for the control plane; "
                         f"at least {MIN_MANAGEMENT_ADDRESSES} are needed"))
    return [block] if block else []


def _workload_networks(networks_spec, world, problems):
    path = "spec.workload_networks_spec"
    if networks_spec is None:
        problems.append((path, "required when network_provider is VSPHERE_NETWORK"))
        return []
    networks = [(f"{path}.supervisor_primary_workload_network", networks_spec["supervisor_primary_workload_network"])]
    networks += [(f"{path}.network_list[{i}]", n) for i, n in enumerate(networks_spec.get("network_list") or ())]
    blocks = []
    for network_path, network in networks:
        if reason := check_dns_label(network["network"]):
            problems.append((f"{network_path}.network", reason))
        if network["network_provider"] != "VSPHERE_NETWORK":
            problems.append((f"{network_path}.network_provider", "must be VSPHERE_NETWORK"))
        dvpg = network.get("vsphere_network")
        if dvpg is None:
            problems.append((f"{network_path}.vsphere_network", "required for a VSPHERE_NETWORK network"))
            continue
        portgroup_type = world.network_types.get(dvpg["portgroup"])
        if portgroup_type is None:
            problems.append((f"{network_path}.vsphere_network.portgroup", f"network {dvpg['portgroup']!r} not found"))
        elif portgroup_type != "DISTRIBUTED_PORTGROUP":
            problems.append((f"{network_path}.vsphere_network.portgroup",
                             f"{dvpg['portgroup']!r} is a {portgroup_type}; a distributed port group is needed"))
        blocks += _ranges(f"{network_path}.vsphere_network", dvpg["address_ranges"], problems,
                          subnet=(dvpg["gateway"], dvpg["subnet_mask"]))
    return blocks


def _load_balancer(lb_spec, problems):
    path = "spec.load_balancer_config_spec"
    if lb_spec is None:
        problems.append((path, "required when network_provider is VSPHERE_NETWORK"))
        return []
    if reason := check_dns_label(lb_spec["id"]):
        problems.append((f"{path}.id", reason))
    provider = lb_spec["provider"]
    config_field = {"HA_PROXY": "ha_proxy_config_create_spec", "AVI": "avi_config_create_spec"}[provider]
    config = lb_spec.get(config_field)
    if config is None:
        problems.append((f"{path}.{config_field}", f"required when provider is {provider}"))
    else:
        servers = config["servers"] if provider == "HA_PROXY" else [config["server"]]
        if not servers:
            problems.append((f"{path}.{config_field}.servers", "at least one server is needed"))
        for index, server in enumerate(servers):
            server_path = f"{path}.{config_field}." + (f"servers[{index}]" if provider == "HA_PROXY" else "server")
            if not server["host"].strip():
                problems.append((f"{server_path}.host", "empty host"))
            if not 0 < server["port"] < 65536:
                problems.append((f"{server_path}.port", "must be 1..65535"))
    if provider == "HA_PROXY" and not lb_spec["address_ranges"]:
        problems.append((f"{path}.address_ranges", "HA_PROXY needs at least one range of virtual server addresses"))
    return _ranges(path, lb_spec["address_ranges"], problems)


def _ranges(path, ranges, problems, subnet=None):
    """Blocks of IPRange entries, checked to lie in `subnet` (gateway, mask) when given."""
    network = None
    if subnet is not None:
        network = _network(f"{path}", subnet[0], subnet[1], problems)
    blocks = []
    for index, address_range in enumerate(ranges):
        range_path = f"{path}.address_ranges[{index}]"
        first = _ipv4(address_range["address"])
        if first is None:
            problems.append((f"{range_path}.address", f"{address_range['address']!r} is not an IPv4 address"))
            continue
        if address_range["count"] < 1:
            problems.append((f"{range_path}.count", "must be >= 1"))
            continue
        block = AddressBlock(range_path, first, first + address_range["count"] - 1)
        if network is not None and not (block.first in network and block.last in network):
            problems.append((range_path, f"{block.first}-{block.last} is not inside {network}"))
        if network is not None and block.first <= _ipv4(subnet[0]) <= block.last:
            problems.append((range_path, f"includes the gateway {subnet[0]}"))
        blocks.append(block)
    return blocks


def _subnet_range(path, start, count, mask, gateway, problems, first_field, count_field):
    first = _ipv4(start)
    if first is None:
        problems.append((f"{path}.{first_field}", f"{start!r} is not an IPv4 address"))
    network = _network(path, gateway, mask, problems)
    if first is None or network is None or count < 1:
        if count < 1:
            problems.append((f"{path}.{count_field}", "must be >= 1"))
        return None
    block = AddressBlock(path, first, first + count - 1)
    if not (block.first in network and block.last in network):
        problems.append((path, f"{block.first}-{block.last} is not inside the subnet {network}"))
    elif block.first <= _ipv4(gateway) <= block.last:
        problems.append((f"{path}.gateway", f"{gateway} is inside the address range"))
    return block


def _network(path, gateway, mask, problems):
    """The subnet given by a gateway and a mask, or None (with the problem recorded)."""
    if _ipv4(gateway) is None:
        problems.append((f"{path}.gateway", f"{gateway!r} is not an IPv4 address"))
        return None
    try:
        network = ipaddress.IPv4Network(f"{gateway}/{mask}", strict=False)
    except ValueError:
        problems.append((f"{path}.subnet_mask", f"{mask!r} is not a subnet mask"))
        return None
    if str(network.netmask) != mask:  # "24" is a prefix length, not a mask
        problems.append((f"{path}.subnet_mask", f"{mask!r} is not a dotted subnet mask"))
        return None
    return network


def _cidr(cidr, path, problems):
    try:
        return ipaddress.IPv4Network(f"{cidr['address']}/{cidr['prefix']}")
    except ValueError as error:
        problems.append((path, f"{cidr['address']}/{cidr['prefix']} is not an IPv4 network: {error}"))
        return None


def _overlaps(blocks, problems):
    for index, block in enumerate(blocks):
        for earlier in blocks[:index]:
            if block.overlaps(earlier):
                problems.append((block.path, f"{block.first}-{block.last} overlaps {earlier.path} "
                                             f"({earlier.first}-{earlier.last})"))


def _ipv4(text):
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        return None
