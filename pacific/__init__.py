# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""``pacific``: plan, apply and destroy the platform of one topology file, Terraform-style, with the collection's engine.

The engine's modules import each other under the collection's name
(``ansible_collections.pacific.vsphere.plugins.module_utils``). Where Ansible
has the collection installed, that name imports as it is. Otherwise it is
answered here from the engine's own files: those shipped inside this package
(``pip install .`` copies ``plugins/module_utils`` to ``pacific/module_utils``),
or, in a clone of the repository, ``plugins/module_utils`` beside this
package. Nothing is copied at run time, and no Ansible is needed.
"""

from __future__ import annotations

import importlib.machinery
import pathlib
import sys

ENGINE_PACKAGE = "ansible_collections.pacific.vsphere.plugins.module_utils"
_HERE = pathlib.Path(__file__).resolve().parent
__version__ = "0.3.0"


def _engine_directory():
    for candidate in (_HERE / "module_utils", _HERE.parent / "plugins" / "module_utils"):
        if (candidate / "engine" / "planner.py").is_file():
            return candidate
    raise ImportError(f"the engine of pacific.vsphere is neither in {_HERE / 'module_utils'} nor in {_HERE.parent / 'plugins' / 'module_utils'}")


class _EngineFinder:
    """Answers the collection's package names, when nothing else does, with namespace packages ending at the engine's directory."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == ENGINE_PACKAGE:
            locations = [str(_engine_directory())]
        elif ENGINE_PACKAGE.startswith(fullname + "."):
            locations = []
        else:
            return None
        spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
        spec.submodule_search_locations = locations
        return spec


if not any(isinstance(finder, _EngineFinder) for finder in sys.meta_path):
    # Last: an installed collection, or an ansible_collections package of another distribution, comes first.
    sys.meta_path.append(_EngineFinder())
