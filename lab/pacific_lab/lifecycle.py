"""`up`, `down`, `status` and `reset`: the lab as a background service."""

import http.client
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

from . import pidfile
from .config import DEPOT_DIR, ENDPOINTS_FILE, LAB_DIR, LOG_FILE, RUN_DIR, LabError
from .depot import build_depot
from .pki import ensure_pki
from .vcsim_process import ensure_vcsim_binary

START_TIMEOUT = 120
STOP_TIMEOUT = 20
POLL_INTERVAL = 0.2
LOG_TAIL_LINES = 20


def up():
    pid = pidfile.running_pid()
    if pid is not None and _probe_front_door() is None:
        print(f"lab already up (pid {pid})")
        _print_endpoints()
        return
    if pid is None:
        # Built here rather than in `serve` so that build errors show on this terminal.
        ensure_pki()
        build_depot(DEPOT_DIR)
        ensure_vcsim_binary()
        log_start = LOG_FILE.stat().st_size if LOG_FILE.exists() else 0
        pid = _spawn_serve()
        print(f"starting the lab (pid {pid}, log {LOG_FILE}) ...")
    else:
        log_start = 0
        print(f"lab (pid {pid}) is starting; waiting for it ...")
    _wait_until_ready(pid, log_start)
    _print_endpoints()


def down():
    pid = pidfile.running_pid()
    if pid is None:
        print("lab is not running")
        return
    # Started by `up`, `serve` leads its own session, whose group holds vcsim
    # too; a bare `serve` in a terminal stops its vcsim itself on SIGTERM.
    whole_group = os.getpgid(pid) == pid
    _signal_lab(pid, whole_group, signal.SIGTERM)
    if not _wait_for(lambda: _lab_stopped(pid, whole_group), STOP_TIMEOUT):
        print(f"lab (pid {pid}) did not stop in {STOP_TIMEOUT}s; killing it", file=sys.stderr)
        _signal_lab(pid, whole_group, signal.SIGKILL)
        _wait_for(lambda: _lab_stopped(pid, whole_group), STOP_TIMEOUT)
    pidfile.remove_if_owned_by(pid)
    ENDPOINTS_FILE.unlink(missing_ok=True)
    print(f"lab stopped (pid {pid})")


def status():
    """Print the endpoints; False when the lab is down or not answering."""
    pid = pidfile.running_pid()
    if pid is None:
        print("lab is down")
        return False
    problem = _probe_front_door()
    if problem is not None:
        print(f"lab (pid {pid}) is not answering: {problem}; see {LOG_FILE}")
        return False
    print(f"lab is up (pid {pid})")
    _print_endpoints()
    return True


def reset(clusters=None, hosts=None):
    endpoints = _endpoints()
    size = {k: v for k, v in (("clusters", clusters), ("hosts", hosts)) if v is not None}
    request = urllib.request.Request(
        endpoints["control"] + "/reset", method="POST",
        data=json.dumps(size).encode() if size else None,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            print(json.dumps(json.load(response), indent=2))
    except urllib.error.HTTPError as error:
        raise LabError(f"reset failed: HTTP {error.code}: {error.read().decode(errors='replace')}") from error


def _signal_lab(pid, whole_group, signum):
    if whole_group:
        os.killpg(pid, signum)
    else:
        os.kill(pid, signum)


def _lab_stopped(pid, whole_group):
    if whole_group:
        return not pidfile.process_group_alive(pid)
    return pidfile.running_pid() != pid


def _spawn_serve():
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(LAB_DIR), env.get("PYTHONPATH")]))
    with open(LOG_FILE, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "pacific_lab", "serve"],
            cwd=LAB_DIR, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # survives this shell; `down` signals the whole group
        )
    pidfile.write(process.pid)  # before returning, so a concurrent `up` sees it
    return process.pid


def _wait_until_ready(pid, log_start):
    deadline = time.monotonic() + START_TIMEOUT
    problem = "not started"
    while time.monotonic() < deadline:
        if pidfile.running_pid() != pid:
            raise LabError(f"the lab exited while starting; see {LOG_FILE}:\n{_log_tail(log_start)}")
        problem = _probe_front_door()
        if problem is None:
            return
        time.sleep(POLL_INTERVAL)
    raise LabError(f"the lab (pid {pid}) did not answer on /sdk within {START_TIMEOUT}s "
                   f"(last: {problem}); see {LOG_FILE}:\n{_log_tail(log_start)}")


def _probe_front_door():
    """None when /sdk answers through the front door (TLS verified with the lab CA), else why not."""
    if not ENDPOINTS_FILE.exists():
        return "no endpoints.json yet"
    vcenter = _endpoints()["vcenter"]
    context = ssl.create_default_context(cafile=vcenter["ca_cert"])
    connection = http.client.HTTPSConnection(vcenter["hostname"], vcenter["port"], context=context, timeout=5)
    try:
        connection.request("GET", "/sdk/vimServiceVersions.xml")
        response = connection.getresponse()
        response.read()
    except (OSError, http.client.HTTPException) as error:
        return f"{type(error).__name__}: {error}"
    finally:
        connection.close()
    return None if response.status == 200 else f"HTTP {response.status} from /sdk"


def _endpoints():
    try:
        return json.loads(ENDPOINTS_FILE.read_text())
    except FileNotFoundError:
        raise LabError("the lab is not running (no endpoints.json); `python3 -m pacific_lab up`") from None


def _print_endpoints():
    print(json.dumps(_endpoints(), indent=2))


def _wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_INTERVAL)
    return True


def _log_tail(start):
    """The last lines the log got since `start` (a byte offset): this run's, not older ones."""
    try:
        with open(LOG_FILE, "rb") as log:
            log.seek(start)
            lines = log.read().decode(errors="replace").splitlines()
    except FileNotFoundError:
        return "(no log)"
    return "\n".join("    " + line for line in lines[-LOG_TAIL_LINES:])
