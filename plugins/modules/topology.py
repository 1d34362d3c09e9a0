#!/usr/bin/python
# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: topology
short_description: Validate a pacific.vsphere topology document against its schema and the vCenter it names
version_added: 0.2.0
description:
  - Checks the document that describes a whole vSphere with Tanzu platform, and returns it with its defaults filled in.
    The document gives the vCenter connection and, per Supervisor, its cluster, the Spherelet VIB, the control plane,
    the Workload Management settings, and the namespaces with their guest clusters.
  - Checks the structure (types, required and unknown keys, choices), then the values (an odd control-plane count,
    quantities and their units, duplicate names, addresses and CIDRs, guest clusters that use VM classes and storage
    classes their namespace has), then the names of vCenter objects (clusters, networks, storage policies, content
    libraries, VM classes).
  - "Every problem is reported at once, prefixed with its key path, such as
    C(supervisors[1].namespaces[0].storage_policies[0].name: storage policy 'platinum' not found (known: gold, silver))."
  - The module changes nothing. Run it before the first change, as the roles of this collection do.
  - The schema is in C(plugins/module_utils/topology.py) of the collection, in JSON Schema.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  topology:
    description:
      - The topology document, usually read from a YAML file with M(pacific.vsphere.topology_file), which keeps it data.
      - "Passwords are never in it. A password is a reference, C({env: NAME}) for an environment variable of the
        controller or C({var: NAME}) for an Ansible variable (usually kept in Ansible Vault), that the roles resolve."
    type: dict
    required: true
extends_documentation_fragment:
  - pacific.vsphere.vcenter
  - pacific.vsphere.read_only
notes:
  - Names are resolved with one list call per kind (clusters, networks, storage policies, VM classes), plus one host
    list per Supervisor cluster to count its hosts. The content library API lists identifiers only, so naming libraries
    costs one more call per library in vCenter.
  - The connection options are the vCenter to check the names against. The roles set them from the document's
    C(vcenter) section, or leave them to the E(VMWARE_HOST), E(VMWARE_USER) and E(VMWARE_PASSWORD) environment variables.
seealso:
  - module: pacific.vsphere.topology_file
  - module: pacific.vsphere.workload_management
  - module: pacific.vsphere.namespace
"""

EXAMPLES = r"""
- name: Read the topology file, as data
  pacific.vsphere.topology_file:
    path: topology.yml
  register: topology_read

- name: Validate it before anything changes
  pacific.vsphere.topology:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vault_vcenter_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
    topology: "{{ topology_read.topology }}"
  register: validated

- name: List the namespaces it describes
  ansible.builtin.debug:
    msg: "{{ validated.topology.supervisors | map(attribute='namespaces') | flatten | map(attribute='name') }}"
"""

RETURN = r"""
topology:
  description:
    - The document with the defaults of every key that has one filled in, such as C(control_plane.count=3) of a
      Supervisor and C(guest_clusters=[]) of a namespace.
    - Quantities are as written (V(64Gi)); the modules that use them normalise them.
  returned: success
  type: dict
  sample:
    vcenter: {hostname: vcenter.example.com, password: {env: VMWARE_PASSWORD}}
    supervisors:
      - cluster: C1
        control_plane: {count: 3, rule_name: SupervisorControlPlaneVM anti-affinity, mandatory: true}
        workload_management: {wait_timeout: 1800}
        namespaces: [{name: team-a, memory_limit: 64Gi, guest_clusters: []}]
namespaces:
  description: Every namespace of the document with the cluster of its Supervisor and without its guest clusters, in the order of the document.
  returned: success
  type: list
  elements: dict
  sample: [{cluster: C1, name: team-a, memory_limit: 64Gi}]
guest_clusters:
  description: Every guest cluster of the document with its namespace and the cluster of its Supervisor (C(supervisor_cluster)).
  returned: success
  type: list
  elements: dict
  sample:
    - supervisor_cluster: C1
      namespace: team-a
      name: tkc-a
      api: tkc
      kubernetes_version: v1.27
      control_plane: {replicas: 1, vm_class: best-effort-small, storage_class: gold}
      node_pools: []
      wait_timeout: 1800
secret_references:
  description:
    - Where the document refers to a password, and how to find it - an environment variable (RV(secret_references[].env))
      or an Ansible variable (RV(secret_references[].var)). The roles check that each one resolves before any change.
  returned: success
  type: list
  elements: dict
  sample: [{path: vcenter.password, env: VMWARE_PASSWORD}, {path: "supervisors[0].workload_management.load_balancer.password", var: vault_haproxy}]
  contains:
    path:
      description: Key path of the password in the document.
      type: str
      returned: always
      sample: vcenter.password
    env:
      description: "Name of the environment variable that holds it, when the reference is C({env: NAME})."
      type: str
      returned: when the reference names an environment variable
      sample: VMWARE_PASSWORD
    var:
      description: "Name of the Ansible variable that holds it, when the reference is C({var: NAME})."
      type: str
      returned: when the reference names a variable
      sample: vault_haproxy_password
problems:
  description: Every problem found, each prefixed with its key path; empty when the document is valid.
  returned: always
  type: list
  elements: str
  sample: ["supervisors[0].control_plane.count: 2 is even: a control plane needs an odd number of VMs (1, 3, 5) to keep a quorum"]
"""

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import REQUESTS_LIBRARY, RestClient
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec
from ansible_collections.pacific.vsphere.plugins.module_utils.manifests import YAML_LIBRARY
from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.topology import guest_clusters, namespaces, secret_references, validate


def argument_spec():
    return dict(vcenter_argument_spec(), topology=dict(type="dict", required=True))


def work(run):
    # A document that is wrong by itself fails without a call to vCenter.
    validate(run.params["topology"])
    with RestClient(run.vcenter()) as rest:
        topology = validate(run.params["topology"], rest)
    return run.result(
        changed=False,
        topology=topology,
        namespaces=namespaces(topology),
        guest_clusters=guest_clusters(topology),
        secret_references=secret_references(topology),
        problems=[],
    )


def main():
    run_module(argument_spec(), work, libraries=[REQUESTS_LIBRARY, YAML_LIBRARY], failure_defaults={"problems": []})


if __name__ == "__main__":
    main()
