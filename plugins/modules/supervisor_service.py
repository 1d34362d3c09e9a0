#!/usr/bin/python
# Copyright: (c) 2026, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: supervisor_service
short_description: Register Supervisor Services in vCenter and install, upgrade or remove them on a Supervisor
version_added: 0.3.0
description:
  - Registers a Supervisor Service (Harbor, Contour, external-dns, Velero, a database operator ...) and its versions in
    vCenter from the Carvel package definitions its vendor ships, and, with O(cluster), installs one version on the
    Supervisor of that cluster with its values, upgrades it to another version, changes its values, or removes it.
  - Each definition is the YAML of a Carvel C(PackageMetadata) (its name is the service's identifier, O(name)) and a
    C(Package) of that C(refName) (its C(spec.version) is the version). Definitions already registered are left alone.
  - After an install, upgrade or change of values the module waits until vCenter reports the service CONFIGURED at
    the version asked on the Supervisor (its service namespace, C(svc-<prefix>-<cluster id>), holds it); a service
    vCenter reports in ERROR fails the task with vCenter's messages.
  - O(values) are the service's configuration (its C(yaml_service_config)), often credentials. They are compared with
    what vCenter holds, never shown; give them from Ansible Vault.
  - Supervisor Services from Carvel definitions need vCenter 8.0 or later; on vCenter 7.0 the module fails before any
    change.
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  name:
    description:
      - Identifier of the service, the name of its C(PackageMetadata), such as V(harbor.tanzu.vmware.com).
    type: str
    required: true
  definitions:
    description:
      - Carvel package definitions of versions of the service (YAML text, such as a C(lookup('file', ...))), one
        version each. Those vCenter does not have are registered; registering a new service needs at least one.
    type: list
    elements: str
    default: []
  cluster:
    description:
      - Name of the cluster whose Supervisor runs the service. Unset, only the registration in vCenter is managed.
    type: str
  version:
    description:
      - The version the Supervisor runs, one of O(definitions) or already registered, and ACTIVATED. A different
        version than the one installed is an upgrade (or a downgrade, if the vendor allows it).
      - Required with O(cluster) and O(state=present).
    type: str
  values:
    description:
      - The service's configuration values (its C(yaml_service_config)), as the vendor documents them.
      - Unset, a new install has none and an installed service keeps its own.
    type: dict
  state:
    description:
      - V(present) registers the definitions and, with O(cluster), installs or changes the service there.
      - V(absent) with O(cluster) removes the service from that Supervisor (its namespace goes with it); without
        O(cluster), deactivates the service in vCenter and deletes it with every version.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until the Supervisor reports the service CONFIGURED at O(version) (or gone, with O(state=absent)).
    type: bool
    default: true
  wait_timeout:
    description:
      - How long to wait, in seconds.
    type: int
    default: 600
extends_documentation_fragment:
  - pacific.vsphere.vcenter
attributes:
  check_mode:
    support: full
    description: Reads the registration and the Supervisor and reports what would change without changing it.
  diff_mode:
    support: full
    description: Shows the registered versions and the installed version before and after; values only as C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER).
notes:
  - The module reads the vCenter version, the service, its versions and, with O(cluster), the list of clusters and the
    service on that Supervisor; then it polls the service there while it waits.
seealso:
  - module: pacific.vsphere.supervisor_service_info
  - module: pacific.vsphere.workload_management
"""

EXAMPLES = r"""
- name: Harbor 2.9.1 on the Supervisor of Cluster-01, its admin password from the vault
  pacific.vsphere.supervisor_service:
    hostname: vcenter.example.com
    username: administrator@vsphere.local
    password: "{{ vcenter_password }}"
    ca_cert: /etc/pki/vcenter-ca.pem
    name: harbor.tanzu.vmware.com
    definitions:
      - "{{ lookup('ansible.builtin.file', 'harbor-2.9.1.yml') }}"
    cluster: Cluster-01
    version: 2.9.1
    values:
      hostname: harbor.example.com
      harborAdminPassword: "{{ vault_harbor_admin_password }}"

- name: Upgrade it to 2.10.0, keeping its values
  pacific.vsphere.supervisor_service:
    name: harbor.tanzu.vmware.com
    definitions:
      - "{{ lookup('ansible.builtin.file', 'harbor-2.10.0.yml') }}"
    cluster: Cluster-01
    version: 2.10.0

- name: Remove it from the Supervisor
  pacific.vsphere.supervisor_service:
    name: harbor.tanzu.vmware.com
    cluster: Cluster-01
    state: absent
"""

RETURN = r"""
supervisor_service:
  description: The service after the run (in check mode, as read before); V(null) when it is not registered.
  returned: always
  type: dict
  contains:
    name:
      description: Identifier of the service.
      type: str
      returned: always
      sample: harbor.tanzu.vmware.com
    display_name:
      description: Its name for people.
      type: str
      returned: always
      sample: Harbor
    versions:
      description: Its registered versions and their states (ACTIVATED, DEACTIVATED).
      type: list
      elements: dict
      returned: always
      sample: [{version: 2.9.1, state: ACTIVATED}]
    supervisor:
      description: The service on the Supervisor of O(cluster); V(null) when it is not installed there.
      type: dict
      returned: when O(cluster) is set
      contains:
        cluster:
          description: The cluster.
          type: str
        desired_version:
          description: The version asked of vCenter.
          type: str
        current_version:
          description: The version the Supervisor runs.
          type: str
        config_status:
          description: CONFIGURING, CONFIGURED, REMOVING or ERROR.
          type: str
        namespace:
          description: The service's namespace on the Supervisor.
          type: str
        messages:
          description: vCenter's messages about the service.
          type: list
          elements: str
plan:
  description: What the run does (or would do, in check mode) to the registration and on the Supervisor, and why.
  returned: always
  type: list
  elements: dict
  sample:
    - address: supervisor_service/harbor.tanzu.vmware.com/Cluster-01
      action: update
      before: {version: 2.9.1, values: VALUE_SPECIFIED_IN_NO_LOG_PARAMETER}
      after: {version: 2.10.0, values: VALUE_SPECIFIED_IN_NO_LOG_PARAMETER}
      reasons: ["version: 2.9.1 -> 2.10.0"]
"""

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import REQUESTS_LIBRARY, RestClient
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_argument_spec
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import InvalidArgumentError
from ansible_collections.pacific.vsphere.plugins.module_utils.manifests import YAML_LIBRARY
from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.supervisor_service import ServiceSpec, SupervisorServices


def argument_spec():
    return dict(
        vcenter_argument_spec(),
        name=dict(type="str", required=True),
        definitions=dict(type="list", elements="str", default=[]),
        cluster=dict(type="str"),
        version=dict(type="str"),
        values=dict(type="dict", no_log=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
    )


def work(run):
    params = run.params
    spec = ServiceSpec(name=params["name"], definitions=tuple(params["definitions"]), cluster=params["cluster"], version=params["version"],
                       values=params["values"], state=params["state"], wait=params["wait"], wait_timeout=params["wait_timeout"])
    spec.definition_versions()  # a malformed definition fails before vCenter is asked
    if spec.cluster and spec.state == "present" and not spec.version:
        raise InvalidArgumentError("version: required with cluster and state=present: the version the Supervisor runs")
    with RestClient(run.vcenter()) as rest:
        services = SupervisorServices(rest)
        live = services.read(spec)
        items = services.plan(spec, live)
        changed = any(item.changed for item in items)
        if changed and not run.check_mode:
            services.apply(spec, items, live)
            live = services.read(spec)
        described = services.describe(spec, live)
    return run.result(items, changed=changed, supervisor_service=described, plan=[item.as_dict() for item in items])


def main():
    run_module(argument_spec(), work, libraries=[REQUESTS_LIBRARY, YAML_LIBRARY], failure_defaults={"changed": False},
               required_by={"version": ("cluster",)})


if __name__ == "__main__":
    main()
