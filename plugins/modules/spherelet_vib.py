#!/usr/bin/python
# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: spherelet_vib
short_description: Keep the Spherelet VIB (or another VIB) at one version on ESXi hosts
version_added: 0.2.0
description:
  - Installs, upgrades or removes a VIB on every host of a cluster, or on listed hosts, through each
    host's patch manager. Spherelet, the kubelet of the vSphere with Tanzu Supervisor, is the default.
  - A host already at the version is left alone. A host with a newer version is not downgraded unless
    O(allow_downgrade=true).
  - Hosts are remediated O(max_parallel) at a time. A host that fails stops the rollout. Hosts already
    started finish, the others are not touched, and the error names the host and the vSphere fault.
  - Hosts are put in maintenance mode only where the VIB needs it (see O(maintenance_mode)), and taken
    out of it afterwards. A host that an interrupted earlier run left in maintenance mode is brought back.
    Such hosts are recognised by the custom attribute C(pacific.vsphere.maintenance), which the module
    sets before it enters maintenance mode and clears after it leaves it. A host that someone else put
    in maintenance mode stays there.
  - All input is checked, and the hosts and the VIB read, before the first change.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  cluster:
    description:
      - Name of the cluster whose hosts get the VIB.
      - Exactly one of O(cluster) and O(esxi_hosts) is required.
    type: str
  esxi_hosts:
    description:
      - Names of the hosts, as vCenter knows them, that get the VIB.
      - Exactly one of O(cluster) and O(esxi_hosts) is required.
    type: list
    elements: str
  name:
    description:
      - Name of the VIB, as in its descriptor and in C(esxcli software vib list).
    type: str
    default: spherelet
  version:
    description:
      - Version the hosts must have, for example V(7.0.3-2).
      - When not set with O(state=present), the version of the VIB at O(vib_url).
      - With O(state=present), the VIB at O(vib_url) must be this version, or the module fails before any change.
      - With O(state=absent), the VIB is removed only from hosts that have this version.
    type: str
  vib_url:
    description:
      - URL, or list of URLs, of the VIB file(s) the hosts download, over C(http) or C(https).
      - Several URLs are installed together, all or none; one of them must be the VIB O(name).
      - Required with O(state=present).
      - The module reads the descriptor at the start of each file (a few kilobytes) to learn its version and
        whether it needs maintenance mode. It does so when O(version) is not set, or when O(maintenance_mode=auto)
        and a host must install it. The URL must then be reachable from the managed node too.
        HTTPS is verified against the CA bundle of Python requests (E(REQUESTS_CA_BUNDLE) changes it),
        unless O(validate_certs=false).
    type: list
    elements: str
  state:
    description:
      - V(present) installs the VIB at O(version) where it is missing or older.
      - V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  maintenance_mode:
    description:
      - V(auto) enters maintenance mode only on hosts where the change needs it. The VIB's descriptor says
        whether installing it does, and the installed package says whether removing it does.
      - V(always) enters maintenance mode on every host that changes.
      - V(never) never enters it. A VIB that needs it then fails on hosts not already in maintenance mode.
      - Entering maintenance mode lets DRS move the powered-on VMs away (the cluster's DRS must be fully
        automated for that). Hosts go back to service after the change.
        Hosts that were already in maintenance mode stay in it.
    type: str
    choices: [auto, always, never]
    default: auto
  max_parallel:
    description:
      - How many hosts are remediated, and so may be in maintenance mode, at the same time.
    type: int
    default: 1
  wait_timeout:
    description:
      - Seconds to wait for each task on a host (enter maintenance mode, install or remove, exit maintenance mode).
    type: int
    default: 3600
  allow_downgrade:
    description:
      - Install O(version) also on hosts that have a newer version of the VIB.
    type: bool
    default: false
extends_documentation_fragment:
  - pacific.vsphere.vcenter
attributes:
  check_mode:
    support: full
    description: Reads the hosts and the VIB, and reports what would change, including which hosts would enter maintenance mode.
  diff_mode:
    support: full
    description: Shows the version and maintenance mode of the VIB on each host, before and after.
notes:
  - The user needs the C(Host.Config.Patch) and C(Host.Config.Maintenance) privileges,
    and C(Global.ManageCustomFields) and C(Global.SetCustomField) for the maintenance marker.
  - Hosts that vCenter cannot reach make the module fail before any change. Leave them out with O(esxi_hosts).
seealso:
  - module: pacific.vsphere.spherelet_vib_info
  - module: pacific.vsphere.cluster_info
"""

EXAMPLES = r"""
- name: Roll Spherelet 7.0.3-2 over every host of cluster C1, one host at a time
  pacific.vsphere.spherelet_vib:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
    cluster: C1
    version: 7.0.3-2
    vib_url: https://depot.example.com/vibs/spherelet-7.0.3-2.vib

- name: Install on two hosts at once, entering maintenance mode whatever the VIB says
  pacific.vsphere.spherelet_vib:
    esxi_hosts:
      - esx-01.example.com
      - esx-02.example.com
    vib_url: https://depot.example.com/vibs/spherelet-7.0.3-2.vib
    maintenance_mode: always
    max_parallel: 2

- name: Show which hosts would change, and why
  pacific.vsphere.spherelet_vib:
    cluster: C1
    vib_url: https://depot.example.com/vibs/spherelet-7.0.3-2.vib
  check_mode: true
  diff: true
  register: rollout

- name: Remove Spherelet from a cluster
  pacific.vsphere.spherelet_vib:
    cluster: C1
    state: absent
"""

RETURN = r"""
hosts:
  description:
    - One entry per host, sorted by name. In check mode, what a real run would do.
    - When a host fails, the module fails and still returns this list. Hosts the rollout did not reach
      have RV(hosts[].changed=false).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the host.
      type: str
      returned: always
      sample: esx-01.example.com
    version_before:
      description: Version of the VIB before the run; V(null) when it was not installed.
      type: str
      returned: always
      sample: 7.0.3-1
    version_after:
      description: Version of the VIB after the run, as the host reports it; V(null) when not installed.
      type: str
      returned: always
      sample: 7.0.3-2
    changed:
      description: Whether the host was changed.
      type: bool
      returned: always
      sample: true
    maintenance_mode_entered:
      description: Whether the run put the host in maintenance mode (and took it out again).
      type: bool
      returned: always
      sample: true
version:
  description: The version O(state=present) installs, from O(version) or the VIB at O(vib_url); with O(state=absent), O(version).
  returned: always
  type: str
  sample: 7.0.3-2
plan:
  description: What the run does (or would do, in check mode) on each host, and why.
  returned: always
  type: list
  elements: dict
  sample:
    - address: vib/esx-01.example.com/spherelet
      action: update
      before: {version: 7.0.3-1, in_maintenance_mode: false}
      after: {version: 7.0.3-2, in_maintenance_mode: false}
      reasons: [upgrade 7.0.3-1 -> 7.0.3-2]
  contains:
    address:
      description: The VIB on one host, as C(vib/<host>/<name>).
      type: str
      returned: always
      sample: vib/esx-01.example.com/spherelet
    action:
      description: What happens to it.
      type: str
      returned: always
      choices: [create, update, delete, none]
      sample: update
    before:
      description: Version and maintenance mode before; V(null) when the VIB is not installed.
      type: dict
      returned: always
      sample: {version: 7.0.3-1, in_maintenance_mode: false}
    after:
      description: Version and maintenance mode after; V(null) when the VIB will not be installed.
      type: dict
      returned: always
      sample: {version: 7.0.3-2, in_maintenance_mode: false}
    reasons:
      description: Why it changes, or why a host is left alone when that is worth knowing.
      type: list
      elements: str
      returned: always
      sample: [upgrade 7.0.3-1 -> 7.0.3-2]
"""

from functools import partial

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import REQUESTS_LIBRARY
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vib_descriptor import read_vib_descriptor
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vim import PYVMOMI_LIBRARY, VimClient
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec
from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.host_vib import HostVibs, VibSpec


def argument_spec():
    return dict(
        vcenter_argument_spec(),
        cluster=dict(type="str"),
        esxi_hosts=dict(type="list", elements="str"),
        name=dict(type="str", default="spherelet"),
        version=dict(type="str"),
        vib_url=dict(type="list", elements="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        maintenance_mode=dict(type="str", choices=["auto", "always", "never"], default="auto"),
        max_parallel=dict(type="int", default=1),
        wait_timeout=dict(type="int", default=3600),
        allow_downgrade=dict(type="bool", default=False),
    )


def vib_spec(params):
    return VibSpec(
        name=params["name"],
        state=params["state"],
        version=params["version"],
        urls=tuple(params["vib_url"] or ()),
        maintenance_mode=params["maintenance_mode"],
        max_parallel=params["max_parallel"],
        wait_timeout=params["wait_timeout"],
        allow_downgrade=params["allow_downgrade"],
    )


def work(run):
    params = run.params
    spec = vib_spec(params)
    spec.validate()
    with VimClient(run.vcenter()) as client:
        vibs = HostVibs(client, partial(read_vib_descriptor, validate_certs=params["validate_certs"]))
        hosts = vibs.read(spec.name, cluster=params["cluster"], hosts=params["esxi_hosts"])
        rollout = vibs.plan(spec, hosts)
        results = rollout.predicted_results() if run.check_mode else vibs.apply(rollout)
    return run.result(rollout.items, changed=rollout.changed, hosts=results, version=rollout.version, plan=[item.as_dict() for item in rollout.items])


def main():
    run_module(
        argument_spec(),
        work,
        libraries=[PYVMOMI_LIBRARY, REQUESTS_LIBRARY],
        mutually_exclusive=[("cluster", "esxi_hosts")],
        required_one_of=[("cluster", "esxi_hosts")],
        required_if=[("state", "present", ["vib_url"])],
    )


if __name__ == "__main__":
    main()
