"""The pid file of the running `serve`, and what /proc says about that process."""

import os
import signal
from pathlib import Path

from .config import ENDPOINTS_FILE, PID_FILE


def running_pid():
    """The pid of the lab's live `serve` process, or None (a stale pid file is removed)."""
    try:
        pid = int(PID_FILE.read_text())
    except FileNotFoundError:
        return None
    except ValueError:
        pid = None  # garbage: treat as stale
    if pid is not None and _is_lab_server(pid):
        return pid
    if pid is not None:
        _stop_orphaned_vcsim(pid)
    # The process is gone (or the pid was reused by something else): its files are stale.
    PID_FILE.unlink(missing_ok=True)
    ENDPOINTS_FILE.unlink(missing_ok=True)
    return None


def write(pid):
    PID_FILE.parent.mkdir(parents=True, exist_ok=True)
    PID_FILE.write_text(f"{pid}\n")


def remove_if_owned_by(pid):
    if PID_FILE.exists() and PID_FILE.read_text().strip() == str(pid):
        PID_FILE.unlink()


def process_group_alive(pgid):
    """Whether any live (non-zombie) process is still in the group."""
    return any(True for _ in _group_members(pgid))


def _stop_orphaned_vcsim(pgid):
    """A `serve` that died without stopping (SIGKILL, crash) leaves its vcsim running in its group."""
    for pid in _group_members(pgid):
        if _cmdline(pid)[0].endswith(b"pacific-vcsim"):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass  # it exited by itself meanwhile: the goal is reached


def _group_members(pgid):
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _ppid, group = _stat_fields(stat.read_text())[:3]
        except (FileNotFoundError, ProcessLookupError):
            continue  # exited while we looked
        if int(group) == pgid and state != "Z":
            yield int(stat.parent.name)


def _cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (FileNotFoundError, ProcessLookupError):
        return [b""]  # exited meanwhile


def _is_lab_server(pid):
    try:
        state = _stat_fields(Path(f"/proc/{pid}/stat").read_text())[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    cmdline = _cmdline(pid)
    # A zombie has exited already; it lingers when its parent (often PID 1 in a
    # container) does not reap it.
    return state != "Z" and b"pacific_lab" in cmdline and b"serve" in cmdline


def _stat_fields(stat):
    # The command name, in parentheses, may contain spaces: split after it.
    return stat.rsplit(")", 1)[1].split()
