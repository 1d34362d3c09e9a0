# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""What every module of the collection does around its own work, in one place.

A module is its documentation, its argument spec and a function
``work(run)`` that returns the result. ``run_module()`` builds the
AnsibleModule (every module supports check mode), refuses to start when a
library it needs is missing, and turns a PacificError into ``fail_json``
with the error's one-line message and the details it carries (what was
reached before it failed), never a traceback. ``Run.result()`` adds the diff
of the plan items in diff mode, so that every module derives it the same way.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.pacific.vsphere.plugins.module_utils.connection_spec import vcenter_connection
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import PacificError
from ansible_collections.pacific.vsphere.plugins.module_utils.plan import plan_diff


class Run:
    """One run of a module: its parameters, modes and connection, and how to return."""

    def __init__(self, module):
        self._module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.diff_mode = module._diff

    def vcenter(self):
        """The VCenterConnection the connection options describe."""
        return vcenter_connection(self.params)

    def require(self, library):
        """Fail the module, naming it, when ``library`` (``(name, found, import error)``, a client's ``*_LIBRARY``) is missing."""
        name, found, import_error = library
        if not found:
            self._module.fail_json(msg=missing_required_lib(name), exception=import_error)

    def warn(self, message):
        """A warning Ansible shows after the task."""
        self._module.warn(message)

    def result(self, items=None, *, after_header=None, **fields):
        """The module's result: ``fields``, with ``diff`` of the plan ``items`` in diff mode."""
        if self.diff_mode and items is not None:
            fields["diff"] = plan_diff(items)
            if after_header:
                fields["diff"]["after_header"] = after_header
        return fields


def run_module(argument_spec, work, *, libraries=(), failure_defaults=None, **module_options):
    """Run ``work(run)`` as an Ansible module and exit with the result it returns.

    ``module_options`` go to AnsibleModule (``mutually_exclusive``,
    ``required_if``, ...). ``failure_defaults`` are returned with every
    failure, under the details the error carries (``problems: []``).
    """
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **module_options)
    run = Run(module)
    for library in libraries:
        run.require(library)
    try:
        result = work(run)
    except PacificError as error:
        # The message says what failed, where, and what to do: no traceback.
        module.fail_json(msg=str(error), **dict(failure_defaults or {}, **error.details()))
    module.exit_json(**result)
