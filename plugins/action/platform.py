# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Runs pacific.vsphere.platform on the controller, printing the engine's progress as objects change.

The engine talks to vCenter and the Supervisors over HTTPS, as the module
would from the host it runs on; running it here lets each event become a
line of the play's output while the task runs (``supervisor.C1: Still
creating... [1m20s elapsed]``), where a module could only report at its end.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.basic import missing_required_lib
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.render import progress_line
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import PacificError
from ansible_collections.pacific.vsphere.plugins.module_utils.platform_task import LIBRARIES, argument_spec, run_platform

display = Display()


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        for name, found, _import_error in LIBRARIES:
            if not found:
                raise AnsibleActionFail(missing_required_lib(name))
        _validation, params = self.validate_argument_spec(argument_spec=argument_spec())
        host = task_vars.get("inventory_hostname", "localhost") if task_vars else "localhost"

        def show(event):
            display.display(f"{host}: {progress_line(event)}")

        try:
            result.update(run_platform(params, check_mode=self._task.check_mode, diff_mode=self._task.diff, on_event=show))
        except PacificError as error:
            result.update(error.details(), failed=True, msg=str(error))
        return result
