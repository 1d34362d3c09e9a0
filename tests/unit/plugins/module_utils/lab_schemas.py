"""The CRD schemas the lab's Supervisor serves, and the lab's own validator, for tests that check manifests against them.

Both live in the clone (``lab/pacific_lab/supervisor/``): found next to the
tests when they run from a clone, or where ``PACIFIC_VSPHERE_LAB`` points
(the ``lab`` directory), since the built collection that ``make unit`` tests
leaves ``lab/`` out. Test-only: nothing of the collection imports the lab.
"""

import importlib
import os
import sys
from pathlib import Path

import pytest
import yaml

LAB_ENV = "PACIFIC_VSPHERE_LAB"
CRDS = Path("pacific_lab", "supervisor", "crds")


def lab_directory():
    """The clone's ``lab`` directory, or None when these tests run without one."""
    configured = os.environ.get(LAB_ENV)
    candidates = [Path(configured)] if configured else [parent / "lab" for parent in Path(__file__).resolve().parents]
    return next((candidate for candidate in candidates if (candidate / CRDS).is_dir()), None)


def require_lab():
    lab = lab_directory()
    if lab is None:
        pytest.skip(f"the lab's CRDs are not here: run from a clone, or set {LAB_ENV} to its lab directory")
    return lab


def crd_schema(file_name, version):
    """The openAPIV3Schema of ``version`` in the lab's CRD ``file_name``."""
    crd = yaml.safe_load((require_lab() / CRDS / file_name).read_text())
    served = next(entry for entry in crd["spec"]["versions"] if entry["name"] == version)
    return served["schema"]["openAPIV3Schema"]


def lab_schema_module():
    """The lab's ``apimachinery.schema``: pruning and validation as the API server does them."""
    lab = str(require_lab())
    if lab not in sys.path:
        sys.path.insert(0, lab)
    return importlib.import_module("pacific_lab.supervisor.apimachinery.schema")
