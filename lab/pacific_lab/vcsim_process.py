"""The vcsim child: build its binary when the sources changed, start it, stop it."""

import os
import queue
import re
import socket
import subprocess
import sys
import threading

from .config import LOOPBACK, VCSIM_BINARY, VCSIM_SOURCE_DIR, LabError

# The contract's build command, run in lab/vcsim; the output follows LAB_RUN_DIR.
BUILD_COMMAND = ["go", "build", "-o", str(VCSIM_BINARY), "."]
BUILD_ENV = {"GOPATH": "/usr/share/gocode", "GO111MODULE": "off"}
READY_LINE = re.compile(r"^READY (http://[^\s/]+/sdk)\s*$")
READY_TIMEOUT = 60
STOP_TIMEOUT = 10


def ensure_vcsim_binary():
    """Build the binary if it is missing or older than any source file."""
    sources = list(VCSIM_SOURCE_DIR.glob("*.go"))
    if VCSIM_BINARY.exists():
        built = VCSIM_BINARY.stat().st_mtime
        if all(source.stat().st_mtime <= built for source in sources):
            return
    elif not sources:
        raise LabError(f"no vcsim sources in {VCSIM_SOURCE_DIR} and no binary at {VCSIM_BINARY}")
    print(f"building {VCSIM_BINARY} ...", file=sys.stderr, flush=True)
    result = subprocess.run(BUILD_COMMAND, cwd=VCSIM_SOURCE_DIR, env={**os.environ, **BUILD_ENV})
    if result.returncode != 0:
        raise LabError(
            f"vcsim build failed (exit {result.returncode}): cd {VCSIM_SOURCE_DIR} && "
            f"GOPATH={BUILD_ENV['GOPATH']} GO111MODULE=off {' '.join(BUILD_COMMAND)}"
        )


class VcsimProcess:
    """One running vcsim, sized at start; `url` is its /sdk endpoint once started."""

    def __init__(self, size, username, password, release):
        self.size = size
        self._credentials = ["-username", username, "-password", password]
        self._release = ["-version", release.version, "-api-version", release.api_version, "-build", release.build,
                         "-host-build", release.host_build, "-esx-base", release.esx_base,
                         "-image-profile", release.image_profile, "-release-date", release.release_date]
        self._process = None
        self.url = None
        self.port = None

    def start(self):
        port = _free_loopback_port()
        self._process = subprocess.Popen(
            [str(VCSIM_BINARY), "-listen", f"{LOOPBACK}:{port}",
             "-clusters", str(self.size.clusters), "-hosts", str(self.size.hosts),
             *self._credentials, *self._release],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
        )  # stderr (Go's log, panics) goes wherever ours goes: lab.log
        ready = queue.Queue(maxsize=1)
        threading.Thread(target=self._read_stdout, args=(ready,), daemon=True,
                         name=f"vcsim-{self._process.pid}-stdout").start()
        try:
            url = ready.get(timeout=READY_TIMEOUT)
        except queue.Empty:
            self.stop()
            raise LabError(f"vcsim (pid {self._process.pid}) printed no READY line in {READY_TIMEOUT}s") from None
        if url is None:
            code = self._process.wait()
            raise LabError(f"vcsim exited with status {code} before it was ready (see its log above)")
        self.url = url
        self.port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
        return self

    def running(self):
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self):
        return self._process.pid

    def stop(self):
        if not self.running():
            return
        self._process.terminate()
        try:
            self._process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def _read_stdout(self, ready):
        """Hand the READY URL over, then keep draining stdout so vcsim never blocks on it."""
        announced = False
        for line in self._process.stdout:
            match = READY_LINE.match(line)
            if match and not announced:
                ready.put(match.group(1))
                announced = True
            else:
                print(f"vcsim: {line}", end="", file=sys.stderr, flush=True)
        if not announced:
            ready.put(None)


def _free_loopback_port():
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]
