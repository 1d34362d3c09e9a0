#!/usr/bin/python
# Copyright: (c) 2026, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: supervisor_service_info
short_description: Read a Supervisor Service's registration in vCenter and its state on a Supervisor
version_added: 0.3.0
description:
  - Returns a Supervisor Service as vCenter has it (its versions and their states) and, with O(cluster), its state on
    that Supervisor (desired and current version, status, namespace, vCenter's messages). Its values are not returned.
  - Supervisor Services from Carvel definitions need vCenter 8.0 or later.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  name:
    description:
      - Identifier of the service, such as V(harbor.tanzu.vmware.com).
    type: str
    required: true
  cluster:
    description:
      - Name of the cluster whose Supervisor to look at.
    type: str
extends_documentation_fragment:
  - pacific.vsphere.vcenter
  - pacific.vsphere.read_only
seealso:
  - module: pacific.vsphere.supervisor_service
"""

EXAMPLES = r"""
- name: Is Harbor configured on Cluster-01?
  pacific.vsphere.supervisor_service_info:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
    name: harbor.tanzu.vmware.com
    cluster: Cluster-01
  register: harbor

- name: Show its status
  ansible.builtin.debug:
    msg: "{{ harbor.supervisor_service.supervisor.config_status | default('not installed') }}"
"""

RETURN = r"""
supervisor_service:
  description: The service as M(pacific.vsphere.supervisor_service) returns it; V(null) when it is not registered.
  returned: always
  type: dict
  sample:
    name: harbor.tanzu.vmware.com
    display_name: Harbor
    versions: [{version: 2.9.1, state: ACTIVATED}]
    supervisor: {cluster: Cluster-01, desired_version: 2.9.1, current_version: 2.9.1, config_status: CONFIGURED,
                 namespace: svc-harbor-domain-c8, messages: []}
"""

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import REQUESTS_LIBRARY, RestClient
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec
from ansible_collections.pacific.vsphere.plugins.module_utils.manifests import YAML_LIBRARY
from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_service import ServiceSpec, SupervisorServices


def argument_spec():
    return dict(vcenter_argument_spec(), name=dict(type="str", required=True), cluster=dict(type="str"))


def work(run):
    spec = ServiceSpec(name=run.params["name"], cluster=run.params["cluster"])
    with RestClient(run.vcenter()) as rest:
        services = SupervisorServices(rest)
        described = services.describe(spec, services.read(spec))
    return run.result(changed=False, supervisor_service=described)


def main():
    run_module(argument_spec(), work, libraries=[REQUESTS_LIBRARY, YAML_LIBRARY])


if __name__ == "__main__":
    main()
