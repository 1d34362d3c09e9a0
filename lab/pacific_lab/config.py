"""Where the lab keeps its state and the knobs it reads from the environment."""

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

LAB_DIR = Path(__file__).resolve().parent.parent
# LAB_RUN_DIR lets several labs run side by side (each with its own ports).
RUN_DIR = Path(os.environ.get("LAB_RUN_DIR", LAB_DIR / ".run")).resolve()
PKI_DIR = RUN_DIR / "pki"
DEPOT_DIR = RUN_DIR / "depot"
VCSIM_SOURCE_DIR = LAB_DIR / "vcsim"
VCSIM_BINARY = RUN_DIR / "bin" / "pacific-vcsim"
PID_FILE = RUN_DIR / "lab.pid"
LOG_FILE = RUN_DIR / "lab.log"
ENDPOINTS_FILE = RUN_DIR / "endpoints.json"


def _supervisor_network():
    """Loopback /24 the Supervisors' API endpoints are allocated from.

    Derived from the vCenter port unless set, so labs started side by side
    (each on its own ports) never hand out the same Supervisor address.
    """
    if os.environ.get("LAB_SUPERVISOR_NETWORK"):
        return ipaddress.IPv4Network(os.environ["LAB_SUPERVISOR_NETWORK"])
    port = int(os.environ.get("LAB_VCENTER_PORT", "18443"))
    return ipaddress.IPv4Network(f"127.{(port >> 8) & 255}.{port & 255}.0/24")


SUPERVISOR_NETWORK = _supervisor_network()

# The front door presents a certificate for these names only.
VCENTER_HOSTNAME = "localhost"
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class InventorySize:
    clusters: int
    hosts: int  # per cluster

    def as_dict(self):
        return {"clusters": self.clusters, "hosts": self.hosts}


@dataclass(frozen=True)
class Settings:
    vcenter_port: int
    control_port: int
    size: InventorySize
    username: str
    password: str

    @classmethod
    def from_env(cls):
        env = os.environ
        return cls(
            vcenter_port=int(env.get("LAB_VCENTER_PORT", "18443")),
            control_port=int(env.get("LAB_CONTROL_PORT", "18480")),
            size=InventorySize(
                clusters=int(env.get("LAB_CLUSTERS", "2")),
                hosts=int(env.get("LAB_HOSTS", "3")),
            ),
            username=env.get("LAB_USER", "administrator@vsphere.local"),
            password=env.get("LAB_PASSWORD", "VMware1!"),
        )

    @property
    def control_url(self):
        return f"http://{LOOPBACK}:{self.control_port}"


class LabError(Exception):
    """A failure to report to whoever runs the lab, as a message rather than a traceback."""
