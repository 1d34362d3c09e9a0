# Copyright: (c) 2026, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""A guest cluster's admin kubeconfig written to a file of the user's: planned, then written, readable by its owner only.

The content holds the admin's credentials: the plan names the file, its mode and whether the content differs, never
the content (as Terraform's ``local_sensitive_file`` shows ``(sensitive value)``).
"""

from __future__ import annotations

import os
import stat
import tempfile

from .errors import PacificError
from .plan import CREATE, NONE, UPDATE, PlanItem

MODE = 0o600
SENSITIVE = "(sensitive value)"


def check_kubeconfig_dest(path):
    """Refuse, before any change, a ``kubeconfig_dest`` that cannot be written: PacificError naming the option."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise PacificError(f"kubeconfig_dest '{path}' is a directory: give the path of the file to write")
    if not os.path.isdir(directory):
        raise PacificError(f"kubeconfig_dest '{path}': directory '{directory}' does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PacificError(f"kubeconfig_dest '{path}': directory '{directory}' is not writable")


def plan_kubeconfig_file(path, content):
    """The PlanItem of writing ``content`` to ``path``; None: not known yet (check mode for a new cluster; with wait=false,
    not made yet, which the caller says)."""
    address = f"kubeconfig_file/{path}"
    after = {"path": path, "mode": f"{MODE:04o}", "content": SENSITIVE}
    try:
        with open(path, encoding="utf-8") as existing:
            current = existing.read()
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return PlanItem(address, CREATE, None, after, ("the admin kubeconfig is written",))
    except (OSError, UnicodeDecodeError) as error:
        raise PacificError(f"kubeconfig_dest '{path}' cannot be read ({error})") from error
    before = {"path": path, "mode": f"{mode:04o}", "content": SENSITIVE}
    reasons = []
    if content is None:
        reasons.append("the new cluster's admin kubeconfig replaces it")
    elif current != content:
        reasons.append("the admin kubeconfig differs")
    if mode != MODE:
        reasons.append(f"mode {mode:04o} is not {MODE:04o}")
    return PlanItem(address, UPDATE if reasons else NONE, before, after, tuple(reasons))


def write_kubeconfig_file(path, content):
    """Replace ``path`` by ``content`` in one step (a reader sees the old file or the new one), mode 0600."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=".kubeconfig-", dir=directory)  # created 0600
    except OSError as error:
        raise PacificError(f"kubeconfig_dest '{path}' cannot be written ({error})") from error
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as written:
            written.write(content)
        os.replace(temporary, path)
    except OSError as error:
        raise PacificError(f"kubeconfig_dest '{path}' cannot be written ({error})") from error
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
