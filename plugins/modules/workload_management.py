#!/usr/bin/python
# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: workload_management
short_description: Enable, reconfigure and disable Workload Management (the vSphere with Tanzu Supervisor) on a cluster
version_added: 0.2.0
description:
  - Enables Workload Management on a vSphere cluster with vSphere networking (a distributed port group for
    workloads and an HAProxy or NSX Advanced Load Balancer (Avi)), changes an enabled Supervisor, or disables it.
  - Objects are given by name, as in the vSphere Client. The module looks them up with one list call per kind
    (clusters, networks, storage policies), plus one call per content library it has to read.
  - Only the options that are set are compared with the Supervisor. A second run with the same options makes no change.
  - What vCenter can change on an enabled Supervisor is changed in place. This covers O(size), the DNS and NTP servers,
    the DNS search domains, O(storage_policies) and O(content_library).
  - The other options are the service CIDR, the management and workload networks and the load balancer. Changing
    them needs Workload Management disabled and enabled again, which deletes every namespace and workload of the
    Supervisor. The module reports such a change and refuses it unless O(allow_reenable=true).
  - Every option is checked before the first change. Malformed addresses, CIDRs and masks, overlapping ranges,
    too few management addresses and unknown clusters, networks, storage policies or content libraries fail
    the task, which names the option, the value and what is allowed.
  - Before enabling, the module reads vCenter's compatibility of the clusters with Workload Management (one call
    for all of them) and refuses a cluster vCenter reports incompatible, with vCenter's reasons, before any change.
  - NSX-T networking (C(NSXT_CONTAINER_PLUGIN)) is not supported.
  - On vCenter 8 the module enables through the Supervisors API (C(enable_on_compute_cluster)), with the same
    options; on vCenter 7.0 through the Clusters API. It reads the vCenter version once, and only when it enables.
    Both vCenter releases read, change and disable a Supervisor through the Clusters API. The Supervisor is named
    after its cluster.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  cluster:
    description:
      - Name of the vSphere cluster. It needs DRS enabled and at least three hosts.
      - Required unless O(zones) is set.
    type: str
  zones:
    description:
      - vCenter 8 only. The vSphere Zones the Supervisor runs on, one or three, each holding one cluster
        (see M(pacific.vsphere.zone)). On three zones one control-plane VM runs in each zone's cluster.
      - The Supervisor is then read and changed through the cluster of the first zone, and named after it.
      - Changing the zones of an enabled Supervisor needs it disabled and enabled again (see O(allow_reenable)).
      - On vCenter 7.0, and with a zone that does not exist or holds no cluster, the module fails before any change.
    type: list
    elements: str
  state:
    description:
      - V(enabled) enables Workload Management, or changes it to match the options.
      - V(disabled) disables it. The Supervisor, its control-plane VMs and every namespace on it are deleted.
        The Spherelet VIB stays on the hosts.
    type: str
    choices: [enabled, disabled]
    default: enabled
  size:
    description:
      - Size of the control-plane VMs. It can be changed in place, and vCenter then resizes the VMs one by one.
      - When enabling without it, V(small) is used. It is not compared when not set.
    type: str
    choices: [tiny, small, medium, large]
  service_cidr:
    description:
      - IPv4 network of the Kubernetes services of the Supervisor, in CIDR notation.
      - When enabling without it, V(10.96.0.0/23) is used.
      - Changing it forces disable + re-enable.
    type: str
  management_network:
    description:
      - The network through which vCenter and the control-plane VMs talk to each other.
      - Required to enable. Changing any of it forces disable + re-enable.
    type: dict
    suboptions:
      network:
        description: Name of the port group (standard or distributed).
        type: str
      mode:
        description:
          - V(static) takes O(management_network.address_count) consecutive addresses from
            O(management_network.starting_address). V(dhcp) leaves them to a DHCP server.
          - When enabling without it, V(static) is used.
        type: str
        choices: [static, dhcp]
      starting_address:
        description: First of the consecutive management addresses (static mode).
        type: str
      address_count:
        description:
          - Number of consecutive management addresses (static mode), at least 5. The 3 control-plane VMs,
            the floating API address and a spare for upgrades each take one.
          - When enabling without it, V(5) is used.
        type: int
      subnet_mask:
        description: Subnet mask of the management network, such as V(255.255.255.0) (static mode).
        type: str
      gateway:
        description: Gateway of the management network (static mode). It must not be in the range of addresses.
        type: str
      floating_ip:
        description: Floating IP address of the control plane when the DHCP server does not support client identifiers.
        type: str
  dns_servers:
    description:
      - IPv4 addresses of the DNS servers of the control plane, in order of preference. Changed in place.
    type: list
    elements: str
  dns_search_domains:
    description:
      - DNS search domains of the control plane, in order of preference. Changed in place.
    type: list
    elements: str
  ntp_servers:
    description:
      - NTP servers (names or addresses) of the control plane, in order of preference. Changed in place.
    type: list
    elements: str
  workload_network:
    description:
      - The primary workload network, where the Supervisor's Kubernetes nodes and services live.
      - Required to enable. Its DNS and NTP servers change in place; any other change forces disable + re-enable.
    type: dict
    suboptions:
      name:
        description:
          - Name of the workload network in the Supervisor, a DNS label.
          - When enabling without it, V(network-1) is used, as in the vSphere Client.
        type: str
      portgroup:
        description: Name of the distributed port group.
        type: str
      address_ranges:
        description: Ranges of addresses for the workloads, inside the subnet and without the gateway.
        type: list
        elements: dict
        suboptions:
          address:
            description: First address of the range.
            type: str
            required: true
          count:
            description: Number of addresses.
            type: int
            required: true
      gateway:
        description: Gateway of the workload network.
        type: str
      subnet_mask:
        description: Subnet mask of the workload network, such as V(255.255.255.0).
        type: str
      dns_servers:
        description: IPv4 addresses of the DNS servers of the workloads, in order of preference. Changed in place.
        type: list
        elements: str
      ntp_servers:
        description: NTP servers of the workloads. When not set, vCenter uses O(ntp_servers). Changed in place.
        type: list
        elements: str
  load_balancer:
    description:
      - The load balancer that gives the Supervisor's Kubernetes services their virtual addresses.
      - Required to enable. Changing it forces disable + re-enable.
      - vCenter never returns the password, so it is sent when enabling and never compared.
    type: dict
    suboptions:
      type:
        description: V(haproxy) for the HAProxy appliance, V(avi) for the NSX Advanced Load Balancer.
        type: str
        choices: [haproxy, avi]
      name:
        description:
          - Name of the load balancer in vCenter, a DNS label unique in vCenter.
          - When enabling without it, the value of O(load_balancer.type) is used.
        type: str
      address_ranges:
        description: Ranges of virtual server addresses; required for V(haproxy).
        type: list
        elements: dict
        suboptions:
          address:
            description: First address of the range.
            type: str
            required: true
          count:
            description: Number of addresses.
            type: int
            required: true
      endpoint:
        description:
          - C(host) or C(host:port) of the HAProxy Data Plane API or the Avi Controller.
          - The port defaults to 5556 for V(haproxy) and 443 for V(avi).
        type: str
      username:
        description: User name on the load balancer.
        type: str
      password:
        description: Password of O(load_balancer.username). Needed to enable, and to disable and enable again.
        type: str
      ca_certificate:
        description:
          - PEM text of the CA certificate that signed the load balancer's certificate; read a file with the C(file) lookup.
        type: str
  storage_policies:
    description:
      - Names of the storage policies of the Supervisor. Changed in place.
      - O(storage_policies.control_plane) is required to enable.
    type: dict
    suboptions:
      control_plane:
        description: Policy of the control-plane VMs' disks.
        type: str
      ephemeral:
        description: Policy of the ephemeral disks of vSphere Pods. When enabling without it, the control-plane policy is used.
        type: str
      image:
        description: Policy of the container image cache. When enabling without it, the control-plane policy is used.
        type: str
  content_library:
    description:
      - Name (or identifier) of the content library of Tanzu Kubernetes releases. Changed in place.
    type: str
  allow_reenable:
    description:
      - Allow the module to disable and enable Workload Management again. This deletes every namespace and workload
        of the Supervisor.
      - It is needed when an option that vCenter cannot change in place differs, and to recover a Supervisor
        in ERROR that vCenter did not bring back by itself.
      - Options that are not set keep their current values when enabling again. O(load_balancer.password)
        must be given, since vCenter never returns it.
    type: bool
    default: false
  kubernetes_version:
    description:
      - The Supervisor version to run, as vCenter names it (V(v1.27.11+vmware.1-fips.1-vsc0.1.10-23710254)), or a prefix
        of it that ends at a part (V(v1.27), V(v1.27.11)), which picks the newest offered version it matches.
      - When the Supervisor runs another version, the module upgrades it through vCenter's software API
        (C(namespace-management/software/clusters)) and waits until vCenter reports the new version.
        vCenter replaces the control-plane VMs one at a time; the Supervisor keeps serving.
      - vCenter upgrades a Supervisor one minor version at a time and never downgrades it. Any other version fails
        the task before any change, and the message lists the versions vCenter offers.
      - When enabling, the Supervisor is upgraded once it is RUNNING if vCenter deployed another version.
      - An upgrade already under way to the version asked is waited for, not asked again.
      - Needs O(wait=true). The versions are read with one call, only when this option is set.
    type: str
  wait:
    description:
      - Wait until the Supervisor is RUNNING (or ERROR, which fails the task) after enabling or changing it,
        or until it is removed after disabling it.
      - Also waits for an operation already under way (CONFIGURING or REMOVING) before changing anything.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait in all. On timeout the task fails, and RV(supervisor) reports the status reached so far.
      - Enabling takes 10 to 30 minutes on a real vCenter.
    type: int
    default: 1800
extends_documentation_fragment:
  - pacific.vsphere.vcenter
attributes:
  check_mode:
    support: full
    description:
      - Reads the cluster, resolves every name and reports what would change, with the same C(changed) as a real run.
      - The task fails the way a real run would, for example on a change that forces disable + re-enable without O(allow_reenable).
      - RV(supervisor) is the Supervisor as it is now.
  diff_mode:
    support: full
    description:
      - Shows the options that change, before and after, and every option when enabling or disabling.
      - The password is masked, and the header says when the change forces disable + re-enable.
notes:
  - The first failure of an enable is reported with vCenter's messages. vCenter keeps reconciling a Supervisor
    in ERROR and may bring it back by itself. A later run with O(allow_reenable=true) disables it and enables it again.
  - Transient failures (HTTP 503, dropped connections on reads) are retried, and an expired session is renewed.
  - The control-plane VMs are read through the vSphere API (vim25) in one call, whatever the number of hosts.
seealso:
  - module: pacific.vsphere.workload_management_info
  - module: pacific.vsphere.spherelet_vib
"""

EXAMPLES = r"""
- name: Enable Workload Management with vSphere networking and HAProxy
  pacific.vsphere.workload_management:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
    cluster: C1
    size: small
    management_network:
      network: Management
      starting_address: 192.168.10.10
      address_count: 5
      subnet_mask: 255.255.255.0
      gateway: 192.168.10.1
    dns_servers: [192.168.10.2]
    dns_search_domains: [example.com]
    ntp_servers: [pool.ntp.org]
    workload_network:
      portgroup: Workload
      address_ranges:
        - address: 192.168.20.100
          count: 50
      gateway: 192.168.20.1
      subnet_mask: 255.255.255.0
      dns_servers: [192.168.10.2]
    load_balancer:
      type: haproxy
      endpoint: 192.168.30.5:5556
      address_ranges:
        - address: 192.168.30.64
          count: 64
      username: admin
      password: "{{ haproxy_password }}"
      ca_certificate: "{{ lookup('file', 'haproxy-ca.pem') }}"
    storage_policies:
      control_plane: gold
    content_library: tkg-content
  register: enabled

- name: Change the DNS servers and grow the control plane, in place
  pacific.vsphere.workload_management:
    cluster: C1
    size: medium
    dns_servers: [192.168.10.2, 192.168.10.3]

- name: Move the Supervisor to another service CIDR, deleting its namespaces
  pacific.vsphere.workload_management:
    cluster: C1
    service_cidr: 10.97.0.0/23
    load_balancer:
      password: "{{ haproxy_password }}"
    allow_reenable: true

- name: Upgrade the Supervisor to the next Kubernetes minor version vCenter offers
  pacific.vsphere.workload_management:
    cluster: C1
    kubernetes_version: v1.27
    wait_timeout: 3600

- name: Disable Workload Management
  pacific.vsphere.workload_management:
    cluster: C1
    state: disabled

- name: A three-zone Supervisor (vCenter 8), on zones made with pacific.vsphere.zone
  pacific.vsphere.workload_management:
    zones: [zone-a, zone-b, zone-c]
    size: small
    management_network:
      network: Management
      starting_address: 192.168.40.10
      subnet_mask: 255.255.255.0
      gateway: 192.168.40.1
    workload_network:
      portgroup: Workload
      address_ranges:
        - address: 192.168.50.100
          count: 50
      gateway: 192.168.50.1
      subnet_mask: 255.255.255.0
    load_balancer:
      type: haproxy
      endpoint: 192.168.30.5:5556
      address_ranges:
        - address: 192.168.30.128
          count: 64
      username: admin
      password: "{{ haproxy_password }}"
      ca_certificate: "{{ lookup('file', 'haproxy-ca.pem') }}"
    storage_policies:
      control_plane: gold
"""

RETURN = r"""
supervisor:
  description:
    - The Supervisor after the run (in check mode, as it is now). V(null) when Workload Management is not enabled.
    - When the task fails after a change, the status reached, with RV(supervisor.control_plane_vms) V(null).
  returned: always
  type: dict
  contains:
    cluster:
      description: Name of the cluster.
      type: str
      returned: always
      sample: C1
    cluster_moid:
      description: Managed object ID of the cluster.
      type: str
      returned: always
      sample: domain-c8
    config_status:
      description: How far vCenter got in applying the configuration.
      type: str
      returned: always
      choices: [CONFIGURING, RUNNING, REMOVING, ERROR]
      sample: RUNNING
    kubernetes_status:
      description: Health of the Supervisor's Kubernetes control plane.
      type: str
      returned: always
      choices: [READY, WARNING, ERROR]
      sample: READY
    messages:
      description: vCenter's messages about the configuration, such as the reason of an ERROR.
      type: list
      elements: dict
      returned: always
      sample: [{severity: ERROR, message: "Failed to enable the Supervisor: InstallationError: VIB download failed"}]
    kubernetes_status_messages:
      description: vCenter's messages about the health of Kubernetes.
      type: list
      elements: dict
      returned: always
      sample: []
    api_server_cluster_endpoint:
      description: Address of the Kubernetes API of the Supervisor, for C(kubectl vsphere login).
      type: str
      returned: always
      sample: 192.168.30.64
    api_server_management_endpoint:
      description: Address of the Kubernetes API on the management network.
      type: str
      returned: always
      sample: 192.168.10.10
    size:
      description: Size of the control-plane VMs.
      type: str
      returned: always
      sample: small
    kubernetes_version:
      description: The Supervisor version it runs, as vCenter's software API reports it.
      type: str
      returned: when the task succeeds
      sample: v1.27.11+vmware.1-fips.1-vsc0.1.10-23710254
    control_plane_vms:
      description: The control-plane VMs with the host each runs on, by number; V(null) when the task failed.
      type: list
      elements: dict
      returned: always
      sample:
        - {name: SupervisorControlPlaneVM (1), host: esx-01.example.com}
        - {name: SupervisorControlPlaneVM (2), host: esx-02.example.com}
        - {name: SupervisorControlPlaneVM (3), host: esx-03.example.com}
plan:
  description: What the run does (or would do, in check mode) and why; returned also when a change is refused.
  returned: always
  type: list
  elements: dict
  sample:
    - address: supervisor/C1
      action: update
      before: {dns_servers: [192.168.10.2], service_cidr: 10.96.0.0/23}
      after: {dns_servers: [192.168.10.2, 192.168.10.3], service_cidr: 10.97.0.0/23}
      reasons:
        - "dns_servers: ['192.168.10.2'] -> ['192.168.10.2', '192.168.10.3']"
        - "service_cidr: 10.96.0.0/23 -> 10.97.0.0/23 (forces disable + re-enable)"
  contains:
    address:
      description: C(supervisor/<cluster>).
      type: str
      returned: always
      sample: supervisor/C1
    action:
      description: V(create) to enable, V(update) to change (in place, or by disable + re-enable), V(delete) to disable.
      type: str
      returned: always
      choices: [create, update, delete, none]
      sample: update
    before:
      description: The options as they are, keyed like the module options; V(null) when not enabled.
      type: dict
      returned: always
      sample: {dns_servers: [192.168.10.2]}
    after:
      description: The options after the run; V(null) when disabled. The password is masked.
      type: dict
      returned: always
      sample: {dns_servers: [192.168.10.2, 192.168.10.3]}
    reasons:
      description: Each option that changes, and whether that forces disable + re-enable.
      type: list
      elements: str
      returned: always
      sample: ["dns_servers: ['192.168.10.2'] -> ['192.168.10.2', '192.168.10.3']"]
"""

from functools import partial

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import REQUESTS_LIBRARY, RestClient
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vim import PYVMOMI_LIBRARY, VimClient
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec
from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor import FORCES_REENABLE, WorkloadManagement
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_spec import SupervisorSpec


def _address_ranges():
    return dict(type="list", elements="dict", options=dict(address=dict(type="str", required=True), count=dict(type="int", required=True)))


def argument_spec():
    return dict(
        vcenter_argument_spec(),
        cluster=dict(type="str"),
        zones=dict(type="list", elements="str"),
        state=dict(type="str", choices=["enabled", "disabled"], default="enabled"),
        size=dict(type="str", choices=["tiny", "small", "medium", "large"]),
        service_cidr=dict(type="str"),
        management_network=dict(
            type="dict",
            options=dict(
                network=dict(type="str"),
                mode=dict(type="str", choices=["static", "dhcp"]),
                starting_address=dict(type="str"),
                address_count=dict(type="int"),
                subnet_mask=dict(type="str"),
                gateway=dict(type="str"),
                floating_ip=dict(type="str"),
            ),
        ),
        dns_servers=dict(type="list", elements="str"),
        dns_search_domains=dict(type="list", elements="str"),
        ntp_servers=dict(type="list", elements="str"),
        workload_network=dict(
            type="dict",
            options=dict(
                name=dict(type="str"),
                portgroup=dict(type="str"),
                address_ranges=_address_ranges(),
                gateway=dict(type="str"),
                subnet_mask=dict(type="str"),
                dns_servers=dict(type="list", elements="str"),
                ntp_servers=dict(type="list", elements="str"),
            ),
        ),
        load_balancer=dict(
            type="dict",
            options=dict(
                type=dict(type="str", choices=["haproxy", "avi"]),
                name=dict(type="str"),
                address_ranges=_address_ranges(),
                endpoint=dict(type="str"),
                username=dict(type="str"),
                password=dict(type="str", no_log=True),
                ca_certificate=dict(type="str"),
            ),
        ),
        storage_policies=dict(type="dict", options=dict(control_plane=dict(type="str"), ephemeral=dict(type="str"), image=dict(type="str"))),
        content_library=dict(type="str"),
        allow_reenable=dict(type="bool", default=False),
        kubernetes_version=dict(type="str"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
    )


def supervisor_spec(params):
    return SupervisorSpec(**{name: params[name] for name in SupervisorSpec.__dataclass_fields__})


def work(run):
    spec = supervisor_spec(run.params)
    connection = run.vcenter()
    spec.validate()
    with RestClient(connection) as rest:
        workload_management = WorkloadManagement(rest, partial(VimClient, connection))
        spec = workload_management.on_zones(spec)
        state = workload_management.read(spec.cluster)
        plan = workload_management.plan(spec, state)
        reached = state if run.check_mode else workload_management.apply(plan)
        described = workload_management.describe([reached])
    return run.result(
        [plan.item],
        after_header=f"{plan.item.address} ({FORCES_REENABLE})" if plan.forces_reenable else None,
        changed=plan.changed,
        supervisor=described[0] if described else None,
        plan=[plan.item.as_dict()],
    )


def main():
    run_module(
        argument_spec(),
        work,
        libraries=[PYVMOMI_LIBRARY, REQUESTS_LIBRARY],
        required_one_of=[("cluster", "zones")],
        mutually_exclusive=[("cluster", "zones")],
    )


if __name__ == "__main__":
    main()
