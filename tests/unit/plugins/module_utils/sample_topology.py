"""Topology documents for the tests: a Supervisor entry to build on, and a small validated topology of two."""

from ansible_collections.pacific.vsphere.plugins.module_utils.topology import validate

LOAD_BALANCER_PASSWORD = "supervisors[0].workload_management.load_balancer.password"


def supervisor(cluster, **extra):
    """A Supervisor entry with the Workload Management settings every one needs, and ``extra`` keys."""
    return {
        "cluster": cluster,
        "workload_management": {
            "management_network": {
                "network": "VM Network",
                "starting_address": "192.168.10.10",
                "subnet_mask": "255.255.255.0",
                "gateway": "192.168.10.1",
            },
            "workload_network": {
                "portgroup": "Workload",
                "address_ranges": [{"address": "192.168.20.100", "count": 50}],
                "gateway": "192.168.20.1",
                "subnet_mask": "255.255.255.0",
            },
            "load_balancer": {
                "type": "haproxy",
                "endpoint": "192.168.30.5",
                "address_ranges": [{"address": "192.168.30.64", "count": 64}],
                "username": "admin",
                "password": {"env": "HAPROXY_PASSWORD"},
                "ca_certificate": "PEM",
            },
            "storage_policies": {"control_plane": "gold"},
        },
        **extra,
    }


GUEST_CLUSTER = {
    "name": "tkc-a",
    "kubernetes_version": "v1.27",
    "control_plane": {"replicas": 1, "vm_class": "best-effort-small", "storage_class": "gold"},
    "node_pools": [{"name": "workers", "vm_class": "best-effort-small", "storage_class": "gold"}],
}
TOPOLOGY = validate(
    {
        "supervisors": [
            supervisor(
                "C1",
                namespaces=[
                    {
                        "name": "team-a",
                        "cpu_limit": "20GHz",
                        "storage_policies": [{"name": "gold"}],
                        "vm_classes": ["best-effort-small"],
                        "guest_clusters": [GUEST_CLUSTER],
                    }
                ],
                spherelet={"url": "http://depot/spherelet.vib", "version": "7.0.3-2"},
            ),
            supervisor("C2", namespaces=[{"name": "team-b"}], spherelet={"url": "http://depot/spherelet.vib", "remove_on_teardown": True}),
        ]
    }
)
