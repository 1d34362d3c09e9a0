"""Fault injection, driven through the control API (`/faults`), so that clients'
retries, waits and re-logins are exercised against something that fails.

- transient: a share of the front door's requests of one API (`vim25`,
  `rest` or `k8s`) whose operation (SOAP method / REST operation name) or path
  matches a glob is answered 503, has its connection reset before it is
  served, or is served and its answer lost (`lost`: the connection is reset
  instead of answering, so a client cannot tell whether it took effect);
  optionally only `count` times, and with a `seed` of its own so that which
  requests it hits repeats from run to run.
- task: vcsim tasks of one operation (e.g. `InstallHostPatchV2_Task`) end in
  error with a message, or take `delay` simulated seconds longer. vcsim
  applies these (lab/vcsim/taskfaults.go); the lab keeps its copy in step.
- service: the installs and upgrades of a Supervisor Service (its identifier,
  or a glob) end in ERROR with a message, optionally only `count` times.
- session_expiry: ends the REST sessions and/or the vim25 sessions clients
  hold now (not a standing fault: it acts once).
"""

import fnmatch
import itertools
import json
import random
import re
import threading
import urllib.request

from pyVmomi import vim

APIS = ("vim25", "rest", "k8s")
# 503 and reset come before the request is served; "lost" after: served, and its answer dropped.
RESPONSES = ("503", "reset", "lost")
VIM25_SESSION_COOKIE = re.compile(r'vmware_soap_session="?([^";]+)"?')
# Calls vCenter answers without a live session: how clients start a new one.
SESSION_FREE_OPERATIONS = frozenset(("RetrieveServiceContent", "Login", "LoginByToken", "LoginExtensionByCertificate"))


class FaultError(ValueError):
    """A fault spec the control API rejects (answered 400)."""


class Faults:
    def __init__(self, settings, rest_sessions, rng=None):
        self._settings = settings
        self._rest_sessions = rest_sessions
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._transient = []
        self._seeded = {}  # fault id -> its own Random, for faults given a seed
        self._tasks = []
        self._services = []
        self._vim25_sessions = set()  # session keys the front door has seen handed out
        self._ended_vim25_sessions = set()  # keys ended by a forced expiry
        self._vcsim_url = None  # base URL of vcsim's /lab/ hooks
        self._vsphere = None

    def bind(self, vcsim_url, vsphere):
        """A new vcsim: it starts with no task faults, and with no sessions of the old one."""
        with self._lock:
            self._vcsim_url = vcsim_url
            self._vsphere = vsphere
            self._vim25_sessions.clear()
            self._ended_vim25_sessions.clear()
        self._push_task_faults()

    def clear(self):
        with self._lock:
            self._transient.clear()
            self._seeded.clear()
            self._tasks.clear()
            self._services.clear()
        self._push_task_faults()

    # --- control API ----------------------------------------------------------

    def add(self, spec):
        if not isinstance(spec, dict):
            raise FaultError("body must be a JSON object")
        kind = spec.get("kind")
        if kind == "session_expiry":
            return {"expired": self._expire_sessions(spec)}
        if kind == "transient":
            fault = self._transient_fault(spec)
            with self._lock:
                fault["id"] = f"fault-{next(self._ids)}"
                if "seed" in fault:
                    self._seeded[fault["id"]] = random.Random(fault["seed"])
                self._transient.append(fault)
            return fault
        if kind == "task":
            fault = self._task_fault(spec)
            self._refresh_task_counts()
            with self._lock:
                fault["id"] = f"fault-{next(self._ids)}"
                self._tasks.append(fault)
            self._push_task_faults()
            return fault
        if kind == "service":
            _only_keys(spec, "kind", "service", "error", "count")
            if not isinstance(spec.get("error"), str) or not spec["error"]:
                raise FaultError("error must be a non-empty message")
            fault = {"kind": "service", "service": _glob(spec.get("service")), "error": spec["error"], "remaining": _count(spec)}
            with self._lock:
                fault["id"] = f"fault-{next(self._ids)}"
                self._services.append(fault)
            return fault
        raise FaultError("kind must be one of transient, task, service, session_expiry")

    def list(self):
        self._refresh_task_counts()
        with self._lock:
            return [dict(fault) for fault in self._transient + self._tasks + self._services]

    def remove(self, fault_id):
        with self._lock:
            before = len(self._transient) + len(self._tasks) + len(self._services)
            self._transient = [fault for fault in self._transient if fault["id"] != fault_id]
            self._seeded.pop(fault_id, None)
            self._tasks = [fault for fault in self._tasks if fault["id"] != fault_id]
            self._services = [fault for fault in self._services if fault["id"] != fault_id]
            found = len(self._transient) + len(self._tasks) + len(self._services) < before
        if found:
            self._push_task_faults()
        return found

    def time_scale_changed(self):
        """Task delays are simulated seconds: vcsim gets them again in real time."""
        self._refresh_task_counts()
        self._push_task_faults()

    # --- the front door's side ----------------------------------------------

    def transient(self, api, operation, path):
        """The injected answer for this request ("503" or "reset"), or None to serve it."""
        with self._lock:
            for fault in self._transient:
                if fault["api"] != api or fault["remaining"] == 0:
                    continue
                if not (fnmatch.fnmatchcase(operation or "", fault["match"]) or fnmatch.fnmatchcase(path, fault["match"])):
                    continue
                if self._seeded.get(fault["id"], self._rng).random() >= fault["share"]:
                    continue
                fault["hits"] += 1
                if fault["remaining"] is not None:
                    fault["remaining"] -= 1
                return fault["response"]
        return None

    def service_error(self, service_id):
        """The message an install or upgrade of Supervisor Service `service_id` fails with, or None."""
        with self._lock:
            for fault in self._services:
                if fault["remaining"] != 0 and fnmatch.fnmatchcase(service_id, fault["service"]):
                    if fault["remaining"] is not None:
                        fault["remaining"] -= 1
                    return fault["error"]
        return None

    def saw_vim25_cookie(self, set_cookie):
        """Remember the session a vim25 response hands out (for forced expiry)."""
        match = VIM25_SESSION_COOKIE.search(set_cookie or "")
        if match:
            with self._lock:
                self._vim25_sessions.add(match.group(1))

    def vim25_session_ended(self, cookie, operation):
        """Whether this call rides on a session a forced expiry ended (a new login may)."""
        if operation in SESSION_FREE_OPERATIONS:
            return False
        match = VIM25_SESSION_COOKIE.search(cookie or "")
        with self._lock:
            return bool(match) and match.group(1) in self._ended_vim25_sessions

    # --- helpers --------------------------------------------------------------

    def _expire_sessions(self, spec):
        api = spec.get("api", "all")
        if api not in (*APIS, "all"):
            raise FaultError("api must be vim25, rest or all")
        expired = {}
        if api in ("rest", "all"):
            expired["rest"] = self._rest_sessions.expire_all()
        if api in ("vim25", "all"):
            expired["vim25"] = self._terminate_vim25_sessions()
        return expired

    def _terminate_vim25_sessions(self):
        """End, through vim25's own SessionManager.TerminateSession, the client sessions seen so far."""
        with self._lock:
            keys, self._vim25_sessions = self._vim25_sessions, set()
            self._ended_vim25_sessions |= keys
            vsphere = self._vsphere
        ended = 0
        for key in keys:
            try:
                vsphere.content.sessionManager.TerminateSession([key])
                ended += 1
            except vim.fault.NotFound:
                pass  # the client logged out already
        return ended

    def _transient_fault(self, spec):
        _only_keys(spec, "kind", "api", "match", "share", "response", "count", "seed")
        if spec.get("api") not in APIS:
            raise FaultError(f"api must be one of {list(APIS)}")
        share = spec.get("share", 1.0)
        if not isinstance(share, (int, float)) or isinstance(share, bool) or not 0 < share <= 1:
            raise FaultError("share must be a number in (0, 1]")
        response = str(spec.get("response", "503"))
        if response not in RESPONSES:
            raise FaultError(f"response must be one of {list(RESPONSES)}")
        fault = {"kind": "transient", "api": spec["api"], "match": _glob(spec.get("match", "*")), "share": share,
                 "response": response, "remaining": _count(spec), "hits": 0}
        if "seed" in spec:
            if not isinstance(spec["seed"], int) or isinstance(spec["seed"], bool):
                raise FaultError("seed must be an integer")
            fault["seed"] = spec["seed"]
        return fault

    @staticmethod
    def _task_fault(spec):
        _only_keys(spec, "kind", "operation", "error", "delay", "count")
        if not isinstance(spec.get("operation"), str) or not spec["operation"]:
            raise FaultError("operation (a task method such as InstallHostPatchV2_Task) is required")
        error, delay = spec.get("error"), spec.get("delay")
        if (error is None) == (delay is None):
            raise FaultError("give either error (a message) or delay (simulated seconds)")
        if error is not None and (not isinstance(error, str) or not error):
            raise FaultError("error must be a non-empty message")
        if delay is not None and (not isinstance(delay, (int, float)) or isinstance(delay, bool) or delay <= 0):
            raise FaultError("delay must be a positive number of simulated seconds")
        fault = {"kind": "task", "operation": spec["operation"], "remaining": _count(spec)}
        fault.update({"error": error} if error is not None else {"delay": delay})
        return fault

    def _refresh_task_counts(self):
        """Take over what vcsim has used up of the task faults' counts."""
        if self._vcsim_url is None:
            return
        with urllib.request.urlopen(self._vcsim_url + "/lab/task-faults", timeout=10) as response:
            remaining = {rule["id"]: rule["remaining"] for rule in json.load(response)}
        with self._lock:
            for fault in self._tasks:
                left = remaining.get(fault["id"], 0)
                fault["remaining"] = None if left < 0 else left
            self._tasks = [fault for fault in self._tasks if fault["remaining"] != 0]

    def _push_task_faults(self):
        with self._lock:
            if self._vcsim_url is None:
                return
            rules = [{"id": fault["id"], "operation": fault["operation"], "error": fault.get("error", ""),
                      "delay_ms": round(self._settings.real_seconds(fault.get("delay", 0)) * 1000),
                      "remaining": -1 if fault["remaining"] is None else fault["remaining"]}
                     for fault in self._tasks]
            url = self._vcsim_url + "/lab/task-faults"
        request = urllib.request.Request(url, data=json.dumps(rules).encode(), method="PUT",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()


def _only_keys(spec, *allowed):
    unknown = set(spec) - set(allowed)
    if unknown:
        raise FaultError(f"unknown fields {sorted(unknown)}; allowed: {list(allowed)}")


def _glob(pattern):
    if not isinstance(pattern, str) or not pattern:
        raise FaultError("match must be a non-empty glob (operation or path)")
    return pattern


def _count(spec):
    count = spec.get("count")
    if count is None:
        return None
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise FaultError("count must be a positive integer")
    return count
