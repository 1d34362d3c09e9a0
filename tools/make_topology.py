"""Write a topology of a given size for a lab: the example's settings, repeated.

    python3 tools/make_topology.py LAB_RUN_DIR --clusters 4 --namespaces 200 --guest-clusters 40 > topology.yml

One Supervisor per cluster of the lab (``python3 -m pacific_lab reset
--clusters N --hosts M`` sizes it), namespaces spread over them round robin,
one guest cluster (alternately TKC and Cluster API) in each of the first
namespaces. The vCenter password stays a reference ({env: VMWARE_PASSWORD});
the load balancers' is {env: LAB_HAPROXY_PASSWORD}. For the benchmark and the
scale tests of the engine.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

import yaml


def supervisor(index, lab, ca_certificate):
    third = 10 + index
    return {
        "cluster": f"DC0_C{index}",
        "spherelet": {"url": lab["depot"]["spherelet"]["7.0.3-2"], "version": "7.0.3-2", "max_parallel": 4},
        "control_plane": {"count": 3, "size": "tiny"},
        "workload_management": {
            "management_network": {
                "network": "VM Network",
                "starting_address": f"192.168.{third}.10",
                "address_count": 5,
                "subnet_mask": "255.255.255.0",
                "gateway": f"192.168.{third}.1",
            },
            "workload_network": {
                "portgroup": "DC0_DVPG0",
                "address_ranges": [{"address": f"192.168.{third + 100}.100", "count": 50}],
                "gateway": f"192.168.{third + 100}.1",
                "subnet_mask": "255.255.255.0",
            },
            "load_balancer": {
                "type": "haproxy",
                "endpoint": f"192.168.{third + 50}.5:5556",
                "address_ranges": [{"address": f"192.168.{third + 50}.64", "count": 64}],
                "username": "admin",
                "password": {"env": "LAB_HAPROXY_PASSWORD"},
                "ca_certificate": ca_certificate,
            },
            "storage_policies": {"control_plane": "vSAN Default Storage Policy"},
            "content_library": "tkg-content",
        },
        "namespaces": [],
    }


def namespace(index):
    return {
        "name": f"ns-{index:03d}",
        "description": f"Generated namespace {index}",
        "cpu_limit": "20GHz",
        "memory_limit": "64Gi",
        "storage_policies": [{"name": "gold", "limit": "500Gi"}],
        "access": [{"principal": f"team-{index:03d}", "domain": "vsphere.local", "type": "GROUP", "role": "EDIT"}],
        "vm_classes": ["best-effort-small"],
        "content_libraries": ["tkg-content"],
        "guest_clusters": [],
    }


def guest_cluster(index):
    api = "tkc" if index % 2 == 0 else "cluster"
    return {
        "name": f"gc-{index:03d}",
        "api": api,
        "kubernetes_version": "v1.27",
        "control_plane": {"replicas": 1, "vm_class": "best-effort-small", "storage_class": "gold"},
        "node_pools": [{"name": "workers", "replicas": 1, "vm_class": "best-effort-small", "storage_class": "gold"}],
    }


def topology(lab, clusters, namespaces, guest_clusters):
    vcenter = lab["vcenter"]
    ca_certificate = pathlib.Path(vcenter["ca_cert"]).read_text()
    supervisors = [supervisor(index, lab, ca_certificate) for index in range(clusters)]
    for index in range(namespaces):
        entry = namespace(index)
        if index < guest_clusters:
            entry["guest_clusters"].append(guest_cluster(index))
        supervisors[index % clusters]["namespaces"].append(entry)
    return {
        "vcenter": {
            "hostname": vcenter["hostname"],
            "port": vcenter["port"],
            "username": vcenter["username"],
            "password": {"env": "VMWARE_PASSWORD"},
            "ca_cert": vcenter["ca_cert"],
        },
        "supervisors": supervisors,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", help="the lab's LAB_RUN_DIR (its endpoints.json)")
    parser.add_argument("--clusters", type=int, default=2)
    parser.add_argument("--namespaces", type=int, default=3)
    parser.add_argument("--guest-clusters", type=int, default=2)
    args = parser.parse_args(argv)
    if args.guest_clusters > args.namespaces:
        parser.error(f"--guest-clusters {args.guest_clusters}: at most one per namespace, so at most --namespaces ({args.namespaces})")
    lab = json.loads((pathlib.Path(args.run_dir) / "endpoints.json").read_text())
    yaml.safe_dump(topology(lab, args.clusters, args.namespaces, args.guest_clusters), sys.stdout, sort_keys=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
