# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Which API enables a Supervisor: vCenter 8's Supervisors API, or on vCenter 7.0 the Clusters API.

vCenter 8.0 (vSphere API 8.0.0.1) enables through
``POST .../namespace-management/supervisors/{cluster}?action=enable_on_compute_cluster``
with an ``EnableOnComputeClusterSpec``; it still reads, updates and disables
every Supervisor through the Clusters API, whichever API enabled it. The
choice is made once per vCenter, from the version the appliance reports
(``RestClient.vcenter_version``), read only when an enable is planned.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

CLUSTERS_PATH = "/api/vcenter/namespace-management/clusters"
SUPERVISORS_PATH = "/api/vcenter/namespace-management/supervisors"
EDGE_PROVIDERS = {"HA_PROXY": ("HAPROXY", "haproxy", "ha_proxy_config_create_spec"), "AVI": ("NSX_ADVANCED", "nsx_advanced", "avi_config_create_spec")}


@dataclass(frozen=True)
class EnableApi:
    """How one vCenter enables a Supervisor: the path, the ``?action=`` and the body built from a Clusters.EnableSpec."""

    name: str
    vcenter_version: str

    @property
    def supervisors(self):
        return self.name == "supervisors"

    def path(self, cluster_id, zones=None):
        if zones:
            return SUPERVISORS_PATH
        return f"{SUPERVISORS_PATH if self.supervisors else CLUSTERS_PATH}/{cluster_id}"

    def action(self, zones=None):
        if zones:
            return "enable_on_zones"
        return "enable_on_compute_cluster" if self.supervisors else "enable"

    def body(self, clusters_body, name, zones=None):
        """What this API is sent for ``clusters_body`` (a Clusters.EnableSpec); ``name`` names the Supervisor on vCenter 8,
        whose EnableOnZonesSpec carries the ``zones`` it runs on."""
        if not self.supervisors:
            return clusters_body
        body = enable_on_compute_cluster_body(clusters_body, name)
        return {"zones": list(zones), **body} if zones else body


def enable_api(rest):
    """The EnableApi of the vCenter ``rest`` talks to."""
    version = rest.vcenter_version()
    return EnableApi("supervisors" if has_supervisors_api(version) else "clusters", version)


def has_supervisors_api(version):
    """Whether a vCenter of ``version`` (``8.0.3.00000``) serves the Supervisors and vSphere Zones APIs (8.0 and later)."""
    major = version.split(".", 1)[0]
    return major.isdigit() and int(major) >= 8


def zones_unsupported(version):
    """Why a vCenter of ``version`` cannot take vSphere Zones, or None when it can: each caller says what to do instead."""
    if has_supervisors_api(version):
        return None
    return f"vSphere Zones need vCenter 8.0 or later; this vCenter is {version or 'of an unknown version'}"


def enable_on_compute_cluster_body(body, name):
    """The Supervisors.EnableOnComputeClusterSpec carrying what the Clusters.EnableSpec ``body`` carries."""
    management = body["master_management_network"]
    control_network = {"backing": {"backing": "NETWORK", "network": management["network"]}}
    if management["mode"] == "DHCP":
        control_network["ip_management"] = {"dhcp_enabled": True}
    else:
        address_range = management["address_range"]
        control_network["ip_management"] = {
            "dhcp_enabled": False,
            "gateway_address": _gateway_address(address_range["gateway"], address_range["subnet_mask"]),
            "ip_assignments": [{"assignee": "NODE", "ranges": [{"address": address_range["starting_address"], "count": address_range["address_count"]}]}],
        }
    if management.get("floating_IP"):
        control_network["floating_ip_address"] = management["floating_IP"]
    control_network.update(_services(body.get("master_DNS"), body.get("master_DNS_search_domains"), body.get("master_NTP_servers")))
    control_plane = {"network": control_network, "size": body["size_hint"], "storage_policy": body["master_storage_policy"]}
    if body.get("login_banner"):
        control_plane["login_banner"] = body["login_banner"]

    primary = body["workload_networks_spec"]["supervisor_primary_workload_network"]
    dvpg = primary["vsphere_network"]
    service = ipaddress.IPv4Network(f"{body['service_cidr']['address']}/{body['service_cidr']['prefix']}")
    network = {
        "network": primary["network"],
        "network_type": "VSPHERE",
        "vsphere": {"dvpg": dvpg["portgroup"]},
        "ip_management": {
            "dhcp_enabled": False,
            "gateway_address": _gateway_address(dvpg["gateway"], dvpg["subnet_mask"]),
            "ip_assignments": [
                {"assignee": "NODE", "ranges": dvpg["address_ranges"]},
                {"assignee": "SERVICE", "ranges": [{"address": str(service.network_address), "count": service.num_addresses}]},
            ],
        },
    }
    network.update(_services(body.get("worker_DNS"), None, body.get("workload_ntp_servers")))
    balancer = body["load_balancer_config_spec"]
    provider, edge_field, clusters_field = EDGE_PROVIDERS[balancer["provider"]]
    edge = {"id": balancer["id"], "provider": provider, "load_balancer_address_ranges": balancer.get("address_ranges") or []}
    edge[edge_field] = balancer[clusters_field]
    workloads = {
        "network": network,
        "edge": edge,
        "storage": {"ephemeral_storage_policy": body["ephemeral_storage_policy"], "image_storage_policy": body["image_storage"]["storage_policy"]},
    }
    image_fields = (("kubernetes_content_library", "default_kubernetes_service_content_library"), ("repository", "default_image_repository"))
    images = {key: body[field] for key, field in image_fields if body.get(field)}
    if body.get("default_image_registry"):
        images["registry"] = body["default_image_registry"]
    if images:
        workloads["images"] = images
    if body.get("Master_DNS_names"):
        workloads["kube_API_server_options"] = {"security": {"certificate_dns_names": body["Master_DNS_names"]}}
    return {"name": name, "control_plane": control_plane, "workloads": workloads}


def _gateway_address(gateway, subnet_mask):
    """``10.0.0.1/24``: the gateway with the prefix length of its subnet, as Networks.IPManagement carries it."""
    return f"{gateway}/{ipaddress.IPv4Network(f'0.0.0.0/{subnet_mask}').prefixlen}"


def _services(dns_servers, search_domains, ntp_servers):
    """Networks.Services, under ``services``, of what is set; nothing when none is."""
    services = {}
    if dns_servers or search_domains:
        services["dns"] = {"servers": list(dns_servers or ()), "search_domains": list(search_domains or ())}
    if ntp_servers:
        services["ntp"] = {"servers": list(ntp_servers)}
    return {"services": services} if services else {}
