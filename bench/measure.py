"""One measured run of a command: wall time, peak memory of its process tree, exit code, output."""

from __future__ import annotations

import os
import pathlib
import subprocess
import threading
import time
from dataclasses import dataclass

SAMPLE_INTERVAL = 0.05  # seconds between looks at the process tree's memory
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Run:
    exit_code: int
    seconds: float
    peak_rss_mib: float
    output: str


def run(command, *, env=None, cwd=None, timeout=3600):
    """Run ``command`` to its end; stdout and stderr merged into ``output``."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd)
    peak = _PeakMemory(process.pid)
    peak.start()
    try:
        output = process.communicate(timeout=timeout)[0]
    finally:
        peak.stop()
    return Run(process.returncode, time.monotonic() - started, peak.mib, output)


class _PeakMemory:
    """The largest sum of resident memory over a process and its descendants, sampled from /proc.

    Ansible forks a worker per task: the sum over the tree, not the largest
    process, is what the run holds.
    """

    def __init__(self, pid):
        self._pid = pid
        self._peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @property
    def mib(self):
        return self._peak * PAGE_SIZE / 2**20

    def start(self):
        self._thread.start()

    def stop(self):
        self._done.set()
        self._thread.join()

    def _sample(self):
        while not self._done.wait(SAMPLE_INTERVAL):
            self._peak = max(self._peak, sum(_resident_pages(pid) for pid in _tree(self._pid)))


def _tree(root):
    children = {}
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def _resident_pages(pid):
    try:
        return int(pathlib.Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
