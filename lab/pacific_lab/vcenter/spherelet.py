"""The Spherelet VIB Workload Management installs on every host: the depot's newest."""

import re
from pathlib import Path
from typing import NamedTuple

VIB_NAME = "spherelet"
# In a VIB's descriptor.xml: <system-requires><maintenance-mode>true</maintenance-mode>
_MAINTENANCE_MODE = re.compile(rb"<maintenance-mode>\s*true\s*</maintenance-mode>")


class Release(NamedTuple):
    version: str
    url: str
    needs_maintenance_mode: bool


def newest_release(depot_dir, depot_urls):
    """The newest spherelet in the depot; `depot_urls` is endpoints.json's depot["spherelet"]."""
    version = max(depot_urls[VIB_NAME], key=_version_key)
    url = depot_urls[VIB_NAME][version]
    vib = (Path(depot_dir) / url.rsplit("/", 1)[1]).read_bytes()
    return Release(version, url, bool(_MAINTENANCE_MODE.search(vib)))


def _version_key(version):
    return tuple(int(part) for part in re.findall(r"\d+", version))
