"""What the pacific lab tests and the benchmark need of a running lab: its control API and the secrets pacific reads.

    from lab_access import Control, secrets
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import shlex
import shutil
import socket
import subprocess
import sys
import urllib.request

from request_summary import control_url

FAULT_APIS = ("vim25", "rest", "k8s")
LAB_DIR = pathlib.Path(__file__).resolve().parents[1] / "lab"


class Control:
    """The lab's control API (reset, time scale, faults, request log) of the lab at ``run_dir``."""

    def __init__(self, run_dir):
        self.url = control_url(run_dir)

    def call(self, method, path, document=None):
        data = None if document is None else json.dumps(document).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=180) as response:
            body = response.read()
        return json.loads(body) if body else None

    def client_requests(self):
        return self.call("GET", "/requests?origin=client")

    def inject_faults(self, share, lost, seed):
        """On vim25, REST and the Supervisors' API each: ``share`` of requests answered 503, as many reset before
        they are served, ``lost`` served with their answer lost; seeded, so a run meets the same faults again."""
        for index, api in enumerate(FAULT_APIS):
            for offset, (response, fault_share) in enumerate((("503", share), ("reset", share), ("lost", lost))):
                self.call("POST", "/faults", {"kind": "transient", "api": api, "response": response, "share": fault_share,
                                              "seed": seed * 100 + index * 10 + offset})

    def clear_faults(self):
        """``{response: hits}`` of the faults in force; then none are."""
        met = {}
        for fault in self.call("GET", "/faults"):
            met[fault["response"]] = met.get(fault["response"], 0) + fault["hits"]
        self.call("DELETE", "/faults")
        return met


def secrets(run_dir):
    """{PACIFIC_VAR_*: value} that tools/export_lab_topology.yml wrote to ``run_dir``/pacific.env."""
    values = {}
    for line in (pathlib.Path(run_dir) / "pacific.env").read_text().splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        values[name] = shlex.split(value)[0]
    return values


@contextlib.contextmanager
def side_by_side_lab(run_dir, binary_from, **settings):
    """A lab of its own in ``run_dir`` on free ports, with ``settings`` (``LAB_VCENTER_VERSION="7.0.3"``), beside the
    running one: started (with the vcsim binary of ``binary_from``, a run directory, not built again), yielded as
    ``run_dir``, stopped."""
    run_dir = pathlib.Path(run_dir)
    (run_dir / "bin").mkdir(parents=True, exist_ok=True)
    binary = run_dir / "bin" / "pacific-vcsim"
    shutil.copy2(pathlib.Path(binary_from) / "bin" / "pacific-vcsim", binary)
    binary.touch()  # newer than the sources: the lab starts it as it is
    environ = {key: value for key, value in os.environ.items() if key != "LAB_SUPERVISOR_NETWORK"}
    environ.update(LAB_RUN_DIR=str(run_dir), LAB_VCENTER_PORT=str(_free_port()), LAB_CONTROL_PORT=str(_free_port()), **settings)

    def lab(command):
        subprocess.run([sys.executable, "-m", "pacific_lab", command], cwd=LAB_DIR, env=environ, check=True,
                       stdout=subprocess.DEVNULL, timeout=180)

    lab("up")
    try:
        yield run_dir
    finally:
        lab("down")


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
