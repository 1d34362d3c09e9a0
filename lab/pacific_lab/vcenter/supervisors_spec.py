"""The request bodies of vCenter 8.0's Supervisors API (vSphere API 8.0.0.1, as vCenter 8.0 Update 3 serves it):
`Supervisors.EnableOnComputeClusterSpec`, `EnableOnZonesSpec` and the structures under them, with the field names and types that
lab/tests/reference/supervisors.json records from the documentation.

vCenter 8 keeps one Supervisor configuration whichever API enabled it: the
Clusters API (7.0) still reads, updates and disables a Supervisor enabled
here. `as_clusters_spec` gives the Clusters.EnableSpec such a body amounts
to, so that one set of value checks (supervisor_spec) serves both APIs;
`v8_path` names a problem it finds by the field of the body that was sent.
"""

import ipaddress
import math

from .schema import Bool, Enum, Field, ListOf, Long, Opaque, Str, Struct

STRINGS = ListOf(Str())
IP_RANGE = Struct("Networks.IPRange", {
    "address": Field(Str(), required=True),
    "count": Field(Long(), required=True),
})
IP_ASSIGNMENT = Struct("Networks.IPAssignment", {
    "assignee": Field(Enum("POD", "NODE", "SERVICE")),
    "ranges": Field(ListOf(IP_RANGE), required=True),
})
IP_MANAGEMENT = Struct("Networks.IPManagement", {
    "dhcp_enabled": Field(Bool()),
    "gateway_address": Field(Str()),
    "ip_assignments": Field(ListOf(IP_ASSIGNMENT)),
})
SERVICES = Struct("Networks.Services", {
    "dns": Field(Struct("Networks.Service.DNS", {
        "servers": Field(STRINGS, required=True),
        "search_domains": Field(STRINGS, required=True),
    })),
    "ntp": Field(Struct("Networks.Service.NTP", {"servers": Field(STRINGS, required=True)})),
})
MANAGEMENT_NETWORK = Struct("Supervisors.Networks.Management.Network", {
    "network": Field(Str()),
    "backing": Field(Struct("Supervisors.Networks.Management.NetworkBacking", {
        "backing": Field(Enum("NETWORK", "NETWORK_SEGMENT"), required=True),
        "network": Field(Str()),
        "network_segment": Field(Opaque()),
    }), required=True),
    "services": Field(SERVICES),
    "ip_management": Field(IP_MANAGEMENT),
    "floating_ip_address": Field(Str()),
    "proxy": Field(Opaque()),
})
CONTROL_PLANE = Struct("Supervisors.ControlPlane", {
    "network": Field(MANAGEMENT_NETWORK, required=True),
    "login_banner": Field(Str()),
    "size": Field(Enum("TINY", "SMALL", "MEDIUM", "LARGE")),
    "storage_policy": Field(Str()),
})
WORKLOAD_NETWORK = Struct("Supervisors.Networks.Workload.Network", {
    "network": Field(Str()),
    "network_type": Field(Enum("NSXT", "VSPHERE", "NSX_VPC"), required=True),
    "nsx": Field(Opaque()),
    "vsphere": Field(Struct("Supervisors.Networks.Workload.VSphereNetwork", {"dvpg": Field(Str(), required=True)})),
    "nsx_vpc": Field(Opaque()),
    "services": Field(SERVICES),
    "ip_management": Field(IP_MANAGEMENT),
})
EDGE_SERVER = Struct("Networks.Edges.Server", {
    "host": Field(Str(), required=True),
    "port": Field(Long(), required=True),
})
HAPROXY = Struct("Networks.Edges.HAProxyConfig", {
    "servers": Field(ListOf(EDGE_SERVER), required=True),
    "username": Field(Str(), required=True),
    "password": Field(Str(), required=True),
    "certificate_authority_chain": Field(Str(), required=True),
})
NSX_ADVANCED = Struct("Networks.Edges.NSXAdvancedLBConfig", {
    "server": Field(EDGE_SERVER, required=True),
    "username": Field(Str(), required=True),
    "password": Field(Str(), required=True),
    "certificate_authority_chain": Field(Str(), required=True),
    "cloud_name": Field(Str()),
})
EDGE = Struct("Networks.Edges.Edge", {
    "id": Field(Str()),
    "load_balancer_address_ranges": Field(ListOf(IP_RANGE)),
    "haproxy": Field(HAPROXY),
    "nsx": Field(Opaque()),
    "nsx_advanced": Field(NSX_ADVANCED),
    "provider": Field(Enum("HAPROXY", "NSX", "NSX_ADVANCED")),
})
IMAGES = Struct("Supervisors.Images", {
    "registry": Field(Struct("Supervisors.ImageRegistry", {
        "hostname": Field(Str(), required=True),
        "port": Field(Long()),
        "username": Field(Str()),
        "password": Field(Str()),
        "certificate_chain": Field(Str()),
    })),
    "repository": Field(Str()),
    "kubernetes_content_library": Field(Str()),
    "content_libraries": Field(ListOf(Struct("Clusters.ContentLibrarySpec", {
        "content_library": Field(Str(), required=True),
        "supervisor_services": Field(STRINGS),
        "resource_naming_strategy": Field(Enum("FROM_ITEM_ID", "PREFER_ITEM_SOURCE_ID")),
    }))),
})
WORKLOADS = Struct("Supervisors.Workloads", {
    "network": Field(WORKLOAD_NETWORK, required=True),
    "edge": Field(EDGE, required=True),
    "kube_API_server_options": Field(Struct("Supervisors.KubeAPIServerOptions", {
        "security": Field(Struct("Supervisors.KubeAPIServerSecurity", {"certificate_dns_names": Field(STRINGS, required=True)})),
    })),
    "images": Field(IMAGES),
    "storage": Field(Struct("Supervisors.WorkloadsStorageConfig", {
        "cloud_native_file_volume": Field(Opaque()),
        "ephemeral_storage_policy": Field(Str()),
        "image_storage_policy": Field(Str()),
    })),
})
ENABLE_ON_COMPUTE_CLUSTER = Struct("Supervisors.EnableOnComputeClusterSpec", {
    "zone": Field(Str()),
    "name": Field(Str(), required=True),
    "control_plane": Field(CONTROL_PLANE, required=True),
    "workloads": Field(WORKLOADS, required=True),
})
ENABLE_ON_ZONES = Struct("Supervisors.EnableOnZonesSpec", {
    "zones": Field(STRINGS, required=True),
    "name": Field(Str(), required=True),
    "control_plane": Field(CONTROL_PLANE, required=True),
    "workloads": Field(WORKLOADS, required=True),
})

EDGE_PROVIDERS = {"HAPROXY": ("HA_PROXY", "haproxy", "ha_proxy_config_create_spec"),
                  "NSX_ADVANCED": ("AVI", "nsx_advanced", "avi_config_create_spec")}
DEFAULT_SIZE = "SMALL"

# Clusters.EnableSpec field path (prefix) -> the field of an EnableOnComputeClusterSpec it comes from.
V8_PATHS = (
    ("spec.master_management_network.network", "spec.control_plane.network.backing.network"),
    ("spec.master_management_network.address_range", "spec.control_plane.network.ip_management"),
    ("spec.master_management_network", "spec.control_plane.network"),
    ("spec.master_storage_policy", "spec.control_plane.storage_policy"),
    ("spec.master_DNS", "spec.control_plane.network.services.dns.servers"),
    ("spec.master_NTP_servers", "spec.control_plane.network.services.ntp.servers"),
    ("spec.worker_DNS", "spec.workloads.network.services.dns.servers"),
    ("spec.workload_ntp_servers", "spec.workloads.network.services.ntp.servers"),
    ("spec.service_cidr", "spec.workloads.network.ip_management.ip_assignments"),
    ("spec.workload_networks_spec.supervisor_primary_workload_network.vsphere_network.portgroup",
     "spec.workloads.network.vsphere.dvpg"),
    ("spec.workload_networks_spec.supervisor_primary_workload_network.vsphere_network",
     "spec.workloads.network.ip_management"),
    ("spec.workload_networks_spec.supervisor_primary_workload_network.network", "spec.workloads.network.network"),
    ("spec.workload_networks_spec", "spec.workloads.network"),
    ("spec.load_balancer_config_spec.address_ranges", "spec.workloads.edge.load_balancer_address_ranges"),
    ("spec.load_balancer_config_spec.ha_proxy_config_create_spec", "spec.workloads.edge.haproxy"),
    ("spec.load_balancer_config_spec.avi_config_create_spec", "spec.workloads.edge.nsx_advanced"),
    ("spec.load_balancer_config_spec", "spec.workloads.edge"),
    ("spec.ephemeral_storage_policy", "spec.workloads.storage.ephemeral_storage_policy"),
    ("spec.image_storage.storage_policy", "spec.workloads.storage.image_storage_policy"),
    ("spec.default_kubernetes_service_content_library", "spec.workloads.images.kubernetes_content_library"),
    ("spec.default_image_registry", "spec.workloads.images.registry"),
)


def v8_path(path):
    """The EnableOnComputeClusterSpec / EnableOnZonesSpec field a Clusters.EnableSpec problem path stands for."""
    for clusters_path, supervisors_path in V8_PATHS:
        if path == clusters_path or path.startswith((clusters_path + ".", clusters_path + "[")):
            return supervisors_path + path[len(clusters_path):]
    return path


def structure_problems(spec):
    """What an EnableOnComputeClusterSpec needs beyond its shape before it can amount to a Clusters.EnableSpec."""
    problems = []
    control_plane, workloads = spec["control_plane"], spec["workloads"]
    backing = control_plane["network"]["backing"]
    if backing["backing"] != "NETWORK" or not backing.get("network"):
        problems.append(("spec.control_plane.network.backing", "the lab serves NETWORK backings (a port group) only"))
    network = workloads["network"]
    if network["network_type"] != "VSPHERE" or network.get("vsphere") is None:
        problems.append(("spec.workloads.network", "the lab simulates VSPHERE workload networks only (no NSX)"))
    elif network.get("ip_management") is None or not network["ip_management"].get("gateway_address"):
        problems.append(("spec.workloads.network.ip_management.gateway_address", "required for a VSPHERE network"))
    elif _service_range(network) is None:
        problems.append(("spec.workloads.network.ip_management.ip_assignments",
                         "a SERVICE assignment of a power-of-two count of addresses is needed (the service CIDR)"))
    management = control_plane["network"].get("ip_management") or {}
    if not management.get("dhcp_enabled") and not (management.get("gateway_address") and _ranges(management, "NODE")):
        problems.append(("spec.control_plane.network.ip_management",
                         "a gateway_address and a NODE range are needed unless dhcp_enabled"))
    edge = workloads["edge"]
    if edge.get("provider") not in EDGE_PROVIDERS:
        problems.append(("spec.workloads.edge.provider", f"the lab simulates {sorted(EDGE_PROVIDERS)} edges only"))
    if (workloads.get("storage") or {}).get("ephemeral_storage_policy") is None:
        problems.append(("spec.workloads.storage.ephemeral_storage_policy", "required field is missing"))
    if control_plane.get("storage_policy") is None:
        problems.append(("spec.control_plane.storage_policy", "required field is missing"))
    return problems


def as_clusters_spec(spec):
    """The Clusters.EnableSpec an EnableOnComputeClusterSpec without `structure_problems` amounts to."""
    control_plane, workloads = spec["control_plane"], spec["workloads"]
    management = control_plane["network"]
    management_ip = management.get("ip_management") or {}
    network = workloads["network"]
    storage = workloads.get("storage") or {}
    images = workloads.get("images") or {}
    result = {
        "size_hint": control_plane.get("size") or DEFAULT_SIZE,
        "network_provider": "VSPHERE_NETWORK",
        "service_cidr": _cidr_of(_service_range(network)),
        "master_management_network": _management_network(management, management_ip),
        "master_storage_policy": control_plane["storage_policy"],
        "ephemeral_storage_policy": storage["ephemeral_storage_policy"],
        "image_storage": {"storage_policy": storage.get("image_storage_policy") or control_plane["storage_policy"]},
        "workload_networks_spec": {"supervisor_primary_workload_network": _workload_network(network)},
        "load_balancer_config_spec": _load_balancer(workloads["edge"]),
    }
    dns = (management.get("services") or {}).get("dns") or {}
    optional = {
        "login_banner": control_plane.get("login_banner"),
        "master_DNS": dns.get("servers"),
        "master_DNS_search_domains": dns.get("search_domains"),
        "master_NTP_servers": ((management.get("services") or {}).get("ntp") or {}).get("servers"),
        "worker_DNS": (((network.get("services") or {}).get("dns")) or {}).get("servers"),
        "workload_ntp_servers": (((network.get("services") or {}).get("ntp")) or {}).get("servers"),
        "Master_DNS_names": ((workloads.get("kube_API_server_options") or {}).get("security") or {}).get("certificate_dns_names"),
        "default_kubernetes_service_content_library": images.get("kubernetes_content_library"),
        "default_image_repository": images.get("repository"),
        "default_image_registry": ({key: images["registry"][key] for key in ("hostname", "port") if key in images["registry"]}
                                   if images.get("registry") else None),
    }
    result.update({key: value for key, value in optional.items() if value is not None})
    return result


def _ranges(ip_management, assignee):
    return [address_range for assignment in ip_management.get("ip_assignments") or ()
            if assignment.get("assignee", "NODE") == assignee for address_range in assignment["ranges"]]


def _service_range(network):
    ranges = _ranges(network.get("ip_management") or {}, "SERVICE")
    if len(ranges) != 1 or ranges[0]["count"] < 1 or ranges[0]["count"] & (ranges[0]["count"] - 1):
        return None
    return ranges[0]


def _cidr_of(address_range):
    return {"address": address_range["address"], "prefix": 32 - int(math.log2(address_range["count"]))}


def _gateway_and_mask(gateway_address):
    """("10.0.0.1", "255.255.255.0") of "10.0.0.1/24"; the text unchanged and an empty mask when it is no CIDR."""
    try:
        interface = ipaddress.IPv4Interface(gateway_address)
    except ValueError:
        return gateway_address, ""
    return str(interface.ip), str(interface.netmask)


def _management_network(management, ip_management):
    network = {"network": management["backing"]["network"], "mode": "DHCP" if ip_management.get("dhcp_enabled") else "STATICRANGE"}
    if management.get("floating_ip_address"):
        network["floating_IP"] = management["floating_ip_address"]
    if network["mode"] == "STATICRANGE":
        first = _ranges(ip_management, "NODE")[0]
        gateway, mask = _gateway_and_mask(ip_management["gateway_address"])
        network["address_range"] = {"starting_address": first["address"], "address_count": first["count"],
                                    "subnet_mask": mask, "gateway": gateway}
    return network


def _workload_network(network):
    gateway, mask = _gateway_and_mask(network["ip_management"]["gateway_address"])
    return {
        "network": network.get("network") or "network-1",
        "network_provider": "VSPHERE_NETWORK",
        "vsphere_network": {"portgroup": network["vsphere"]["dvpg"], "gateway": gateway, "subnet_mask": mask,
                            "address_ranges": _ranges(network["ip_management"], "NODE")},
    }


def _load_balancer(edge):
    provider, v8_field, clusters_field = EDGE_PROVIDERS[edge["provider"]]
    config = edge.get(v8_field)
    spec = {"id": edge.get("id") or "edge-1", "provider": provider,
            "address_ranges": edge.get("load_balancer_address_ranges") or []}
    if config is not None:
        spec[clusters_field] = {key: value for key, value in config.items() if key != "cloud_name"}
    return spec
