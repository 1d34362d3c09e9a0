#!/usr/bin/python
# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# or, at your option, the GNU General Public License v3.0+ that Ansible modules
# are distributed under (see https://www.gnu.org/licenses/gpl-3.0.txt).
# SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-or-later

DOCUMENTATION = r"""
module: topology_file
short_description: Read a pacific.vsphere topology file as data, never as a template
version_added: 0.2.0
description:
  - Reads the YAML file that describes a platform and returns its document, for M(pacific.vsphere.topology) and the
    roles to check and apply.
  - "The file is data. It is read with YAML's safe loader (no C(!!python) tags), and a string that looks like a
    Jinja2 template, such as C({{ lookup('ansible.builtin.pipe', 'id') }}), is kept as written and never rendered:
    the document comes back as a module result, which Ansible does not template. M(ansible.builtin.include_vars)
    would render it, running whatever the file's author wrote on the controller."
  - Refuses a file larger than 1 MiB, a file whose YAML aliases expand to more than 200,000 nodes (an alias bomb),
    an empty file and a document that is not a mapping. A YAML error names the file, line and column.
  - The host the module runs on reads the file; the playbooks of the collection run it on C(localhost).
author:
  - pacific.vsphere maintainers (@pacific-vsphere)
options:
  path:
    description:
      - Path of the topology file.
    type: path
    required: true
extends_documentation_fragment:
  - pacific.vsphere.read_only
seealso:
  - module: pacific.vsphere.topology
"""

EXAMPLES = r"""
- name: Read the topology file the survey names
  pacific.vsphere.topology_file:
    path: "{{ topology_file }}"
  register: topology_read

- name: Take it as the topology the roles of the collection read
  ansible.builtin.set_fact:
    topology: "{{ topology_read.topology }}"
"""

RETURN = r"""
topology:
  description: The document as written in the file, strings untouched; M(pacific.vsphere.topology) checks it and fills in defaults.
  returned: success
  type: dict
  sample:
    name: lab
    supervisors: [{cluster: C1, namespaces: [{name: team-a, description: "{{ not rendered }}"}]}]
"""

from ansible_collections.pacific.vsphere.plugins.module_utils.module_runner import run_module
from ansible_collections.pacific.vsphere.plugins.module_utils.topology_document import read_topology_file


def argument_spec():
    return dict(path=dict(type="path", required=True))


def work(run):
    _text, document = read_topology_file(run.params["path"])
    return run.result(changed=False, topology=document)


def main():
    run_module(argument_spec(), work)


if __name__ == "__main__":
    main()
