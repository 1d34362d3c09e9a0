"""SupervisorSpec: option checks, and the translation to Clusters.EnableSpec / UpdateSpec and from Clusters.Info."""

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_spec import (
    SETTINGS_BY_OPTION,
    SupervisorSpec,
    desired_value,
    enable_body,
    live_value,
    nest,
    update_body,
)

PEM = "-----BEGIN CERTIFICATE-----\nTUlJQg==\n-----END CERTIFICATE-----\n"
IDS = {
    "management_network.network": "network-7",
    "workload_network.portgroup": "dvportgroup-13",
    "storage_policies.control_plane": "policy-gold",
    "content_library": "library-1",
}


def full_spec(**changes):
    """A spec that enabling accepts, with ``changes`` merged into its option groups."""
    options = dict(
        cluster="C1",
        management_network=dict(network="Management", starting_address="192.168.10.10", subnet_mask="255.255.255.0", gateway="192.168.10.1"),
        dns_servers=["192.168.10.2"],
        workload_network=dict(
            portgroup="Workload", address_ranges=[{"address": "192.168.20.100", "count": 50}], gateway="192.168.20.1", subnet_mask="255.255.255.0"
        ),
        load_balancer=dict(
            type="haproxy",
            endpoint="192.168.30.5",
            address_ranges=[{"address": "192.168.30.64", "count": 64}],
            username="admin",
            password="secret",
            ca_certificate=PEM,
        ),
        storage_policies=dict(control_plane="gold"),
        content_library="tkg-content",
    )
    for name, value in changes.items():
        options[name] = {**options[name], **value} if isinstance(value, dict) and isinstance(options.get(name), dict) else value
    return SupervisorSpec(**options)


def problems_of(spec, check="validate"):
    with pytest.raises(InvalidArgumentError) as raised:
        getattr(spec, check)() if check == "validate" else spec.validate_complete("enabling")
    message = raised.value.message
    assert message.startswith("Invalid Workload Management settings for cluster 'C1': ")
    return message.split(": ", 1)[1].split("; ")


def test_a_complete_spec_is_valid():
    full_spec().validate()
    full_spec().validate_complete("enabling")


@pytest.mark.parametrize(
    "changes, problem",
    [
        ({"size": "huge"}, "size: 'huge' is not one of tiny, small, medium, large"),
        ({"service_cidr": "10.96.0.0/33"}, "service_cidr: '10.96.0.0/33' is not an IPv4 network"),
        ({"service_cidr": "10.96.0.0"}, "service_cidr: '10.96.0.0' has no prefix length"),
        ({"service_cidr": "10.96.0.1/23"}, "service_cidr: '10.96.0.1/23' is not an IPv4 network"),
        ({"management_network": {"starting_address": "192.168.10.300"}}, "management_network.starting_address: '192.168.10.300' is not an IPv4 address"),
        ({"management_network": {"subnet_mask": "24"}}, "management_network.subnet_mask: '24' is not a dotted subnet mask"),
        ({"management_network": {"subnet_mask": "255.0.255.0"}}, "management_network.subnet_mask: '255.0.255.0' is not a dotted subnet mask"),
        ({"management_network": {"address_count": 4}}, "management_network.address_count: 4 is too few"),
        ({"management_network": {"mode": "auto"}}, "management_network.mode: 'auto' is not one of static, dhcp"),
        ({"dns_servers": ["ns1.example.com"]}, "dns_servers: 'ns1.example.com' is not an IPv4 address"),
        ({"ntp_servers": [" "]}, "ntp_servers: empty entry"),
        ({"workload_network": {"name": "Primary"}}, "workload_network.name: 'Primary' is not a DNS label"),
        ({"workload_network": {"address_ranges": [{"address": "x", "count": 0}]}}, "workload_network.address_ranges[0].address 'x' is not an IPv4 address"),
        ({"load_balancer": {"type": "f5"}}, "load_balancer.type: 'f5' is not one of haproxy, avi"),
        ({"load_balancer": {"endpoint": "lb.example.com:99999"}}, "load_balancer.endpoint: 'lb.example.com:99999' has no valid port"),
        ({"load_balancer": {"endpoint": ":5556"}}, "load_balancer.endpoint: ':5556' has no host name"),
    ],
)
def test_each_malformed_option_is_named_with_its_value(changes, problem):
    problems = problems_of(full_spec(**changes))

    assert any(p.startswith(problem) for p in problems), problems


def test_every_problem_is_reported_at_once():
    spec = full_spec(size="huge", dns_servers=["a"], management_network={"gateway": "b"})

    assert len(problems_of(spec)) == 3


def test_the_control_plane_needs_five_management_addresses():
    (problem,) = problems_of(full_spec(management_network={"address_count": 3}))

    assert problem == (
        "management_network.address_count: 3 is too few: the control plane (3 VMs, the floating API address and a spare for upgrades) needs at least 5"
    )


@pytest.mark.parametrize(
    "changes, problem",
    [
        (
            {"management_network": {"starting_address": "192.168.11.10"}},
            "management_network: 192.168.11.10-192.168.11.14 is not inside the subnet 192.168.10.0/24",
        ),
        ({"management_network": {"gateway": "192.168.10.12"}}, "management_network: 192.168.10.10-192.168.10.14 contains the gateway 192.168.10.12"),
        (
            {"workload_network": {"address_ranges": [{"address": "192.168.20.250", "count": 10}]}},
            "workload_network.address_ranges: 192.168.20.250-192.168.21.3 is not inside the subnet 192.168.20.0/24",
        ),
        (
            {"load_balancer": {"address_ranges": [{"address": "192.168.10.12", "count": 2}]}},
            "load_balancer.address_ranges: 192.168.10.12-192.168.10.13 overlaps management_network (192.168.10.10-192.168.10.14)",
        ),
        ({"service_cidr": "192.168.20.0/23"}, "service_cidr: 192.168.20.0-192.168.21.255 overlaps workload_network.address_ranges"),
    ],
)
def test_ranges_must_fit_their_subnet_and_not_overlap(changes, problem):
    problems = problems_of(full_spec(**changes))

    assert any(p.startswith(problem) for p in problems), problems


def test_enabling_needs_the_networks_load_balancer_and_a_storage_policy():
    problems = problems_of(SupervisorSpec(cluster="C1", dns_servers=["192.168.10.2"]), check="complete")

    assert "management_network.network: required for enabling" in problems
    assert "storage_policies.control_plane: required for enabling" in problems
    assert "load_balancer.password: required for enabling" in problems
    assert "management_network.starting_address: required for enabling" in problems
    assert "size: required for enabling" not in problems


def test_dhcp_takes_no_address_range():
    spec = full_spec(management_network={"mode": "dhcp"})

    problems = problems_of(spec, check="complete")

    assert "management_network.starting_address: not used with management_network.mode dhcp" in problems


def test_the_enable_spec_fills_in_what_the_vsphere_client_proposes():
    body = enable_body(full_spec(), IDS)

    assert body["size_hint"] == "SMALL"
    assert body["service_cidr"] == {"address": "10.96.0.0", "prefix": 23}
    assert body["network_provider"] == "VSPHERE_NETWORK"
    assert body["master_management_network"] == {
        "network": "network-7",
        "mode": "STATICRANGE",
        "address_range": {"starting_address": "192.168.10.10", "address_count": 5, "subnet_mask": "255.255.255.0", "gateway": "192.168.10.1"},
    }
    assert body["master_storage_policy"] == body["ephemeral_storage_policy"] == body["image_storage"]["storage_policy"] == "policy-gold"
    assert body["master_DNS"] == ["192.168.10.2"]
    assert "worker_DNS" not in body and "master_NTP_servers" not in body
    assert body["default_kubernetes_service_content_library"] == "library-1"
    network = body["workload_networks_spec"]["supervisor_primary_workload_network"]
    assert network["network"] == "network-1"
    assert network["vsphere_network"]["portgroup"] == "dvportgroup-13"
    balancer = body["load_balancer_config_spec"]
    assert balancer["id"] == "haproxy" and balancer["provider"] == "HA_PROXY"
    assert balancer["ha_proxy_config_create_spec"]["servers"] == [{"host": "192.168.30.5", "port": 5556}]
    assert balancer["ha_proxy_config_create_spec"]["password"] == "secret"


def test_an_avi_load_balancer_has_one_server_on_443():
    spec = full_spec(load_balancer={"type": "avi", "endpoint": "avi.example.com", "address_ranges": None, "name": "avi-1"})

    balancer = enable_body(spec, IDS)["load_balancer_config_spec"]

    assert balancer["provider"] == "AVI"
    assert balancer["id"] == "avi-1"
    assert balancer["address_ranges"] == []
    assert balancer["avi_config_create_spec"]["server"] == {"host": "avi.example.com", "port": 443}


def test_the_update_spec_carries_only_the_given_fields():
    body = update_body({"size": "medium", "workload_network.dns_servers": ["10.0.0.1"], "storage_policies.image": "policy-silver"})

    assert body == {"size_hint": "MEDIUM", "worker_DNS": ["10.0.0.1"], "image_storage": {"storage_policy": "policy-silver"}}


@pytest.mark.parametrize("option", ["service_cidr", "management_network.gateway", "workload_network.address_ranges", "load_balancer.endpoint"])
def test_networks_and_load_balancer_cannot_change_in_place(option):
    assert not SETTINGS_BY_OPTION[option].in_place


@pytest.mark.parametrize("option", ["size", "dns_servers", "dns_search_domains", "ntp_servers", "workload_network.ntp_servers", "content_library"])
def test_sizes_name_servers_policies_and_library_change_in_place(option):
    assert SETTINGS_BY_OPTION[option].in_place


VCENTER_INFO = {
    "size_hint": "SMALL",
    "service_cidr": {"address": "10.96.0.0", "prefix": 23},
    "master_management_network": {
        "network": "network-7",
        "mode": "STATICRANGE",
        "address_range": {"starting_address": "192.168.10.10", "address_count": 5, "subnet_mask": "255.255.255.0", "gateway": "192.168.10.1"},
    },
    "master_DNS": ["192.168.10.2"],
    "workload_networks": {
        "supervisor_primary_workload_network": {
            "network": "network-1",
            "network_provider": "VSPHERE_NETWORK",
            "vsphere_network": {
                "portgroup": "dvportgroup-13",
                "address_ranges": [{"address": "192.168.20.200", "count": 10}, {"address": "192.168.20.100", "count": 50}],
                "gateway": "192.168.20.1",
                "subnet_mask": "255.255.255.0",
            },
        }
    },
    # vCenter answers with LoadBalancers.Info, without the password.
    "load_balancers": [
        {
            "id": "haproxy",
            "provider": "HA_PROXY",
            "address_ranges": [{"address": "192.168.30.64", "count": 64}],
            "ha_proxy_info": {"servers": [{"host": "192.168.30.5", "port": 5556}], "username": "admin", "certificate_authority_chain": PEM + "\n"},
        }
    ],
}


def test_clusters_info_is_read_in_the_terms_of_the_options():
    spec = full_spec()

    for option, live in {
        "size": "small",
        "service_cidr": "10.96.0.0/23",
        "management_network.mode": "static",
        "management_network.network": "network-7",
        "dns_servers": ["192.168.10.2"],
        "ntp_servers": [],
        "workload_network.name": "network-1",
        "load_balancer.type": "haproxy",
        "load_balancer.endpoint": "192.168.30.5:5556",
        "load_balancer.username": "admin",
    }.items():
        assert live_value(VCENTER_INFO, SETTINGS_BY_OPTION[option]) == live, option
    # Ranges compare regardless of order, certificates regardless of blank lines and indentation.
    ranges = SETTINGS_BY_OPTION["workload_network.address_ranges"]
    spec = full_spec(workload_network={"address_ranges": [{"address": "192.168.20.100", "count": 50}, {"address": "192.168.20.200", "count": 10}]})
    assert live_value(VCENTER_INFO, ranges) == desired_value(spec, ranges)
    certificate = SETTINGS_BY_OPTION["load_balancer.ca_certificate"]
    assert live_value(VCENTER_INFO, certificate) == desired_value(full_spec(load_balancer={"ca_certificate": "  " + PEM.replace("\n", "\n  ")}), certificate)


def test_the_load_balancer_is_also_read_from_an_echoed_config_spec():
    info = {"load_balancers": [{"id": "avi", "provider": "AVI", "avi_config_create_spec": {"server": {"host": "avi", "port": 443}, "username": "u"}}]}

    assert live_value(info, SETTINGS_BY_OPTION["load_balancer.type"]) == "avi"
    assert live_value(info, SETTINGS_BY_OPTION["load_balancer.endpoint"]) == "avi:443"


def test_an_endpoint_without_port_compares_with_the_default_port():
    assert desired_value(full_spec(), SETTINGS_BY_OPTION["load_balancer.endpoint"]) == "192.168.30.5:5556"


def test_nest_keys_views_like_the_options():
    assert nest({"a.b": 1, "a.c": 2, "d": 3}) == {"a": {"b": 1, "c": 2}, "d": 3}
