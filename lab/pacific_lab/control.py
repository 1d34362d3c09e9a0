"""The control API (plain HTTP on loopback): request log, reset, health, depot
files, fault injection and the simulated vCenter's settings.

    GET    /requests[?api=&operation=&target=...]  request log entries (JSON list)
    DELETE /requests                               clear the request log
    POST   /reset  [{"clusters": N, "hosts": N}]   fresh vcsim and initial state (startup size without a body)
    GET    /health                                 lab state; 503 when vcsim is gone
    GET    /depot/<file>                           depot files (the VIBs vcsim installs)
    GET    /faults                                 injected faults in force
    POST   /faults  {"kind": ...}                  inject one (see vcenter/faults.py, CONTRACT.md)
    DELETE /faults[/<id>]                          remove all faults, or one
    GET    /settings, PATCH /settings {...}        time scale, REST idle timeout, simulated durations
    POST   /time-scale {"scale": S}                the time scale alone
"""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from .config import LOOPBACK, InventorySize, LabError


class ControlHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        path, query = self._split_path()
        if path == "/requests":
            try:
                entries = self.server.lab.request_log.entries(**query)
            except ValueError as error:
                return self._json(400, {"error": str(error)})
            return self._json(200, entries)
        if path == "/health":
            health = self.server.lab.health()
            return self._json(200 if health["status"] == "ok" else 503, health)
        if path.startswith("/depot/"):
            return self._depot_file(path[len("/depot/"):])
        if path == "/faults":
            return self._json(200, self.server.lab.vcenter.faults.list())
        if path in ("/settings", "/time-scale"):
            return self._json(200, self._settings_document(path))
        return self._json(404, {"error": f"no such resource: {path}"})

    do_HEAD = do_GET

    def do_DELETE(self):
        path = self._split_path()[0]
        if path == "/requests":
            self.server.lab.request_log.clear()
            return self._json(200, {"cleared": True})
        faults = self.server.lab.vcenter.faults
        if path == "/faults":
            faults.clear()
            return self._json(200, {"cleared": True})
        if path.startswith("/faults/"):
            fault_id = path[len("/faults/"):]
            if not faults.remove(fault_id):
                return self._json(404, {"error": f"no such fault: {fault_id}"})
            return self._json(200, {"removed": fault_id})
        return self._json(404, {"error": f"no such resource: {self.path}"})

    def do_POST(self):
        path = self._split_path()[0]
        if path not in ("/reset", "/faults", "/time-scale"):
            return self._json(404, {"error": f"no such resource: {self.path}"})
        try:
            body = self._json_body()
            if path == "/faults":
                return self._json(201, self.server.lab.vcenter.faults.add(body))
            if path == "/time-scale":
                if not isinstance(body, dict) or set(body) != {"scale"}:
                    raise ValueError('body must be {"scale": S}')
                self.server.lab.vcenter.update_settings({"time_scale": body["scale"]})
                return self._json(200, self._settings_document(path))
            size = self._requested_size(body)
        except ValueError as error:  # FaultError included
            return self._json(400, {"error": str(error)})
        try:
            return self._json(200, self.server.lab.reset(size))
        except LabError as error:
            return self._json(500, {"error": str(error)})

    def do_PATCH(self):
        if self._split_path()[0] != "/settings":
            return self._json(404, {"error": f"no such resource: {self.path}"})
        try:
            body = self._json_body()
            if not isinstance(body, dict):
                raise ValueError("body must be a JSON object of settings")
            return self._json(200, self.server.lab.vcenter.update_settings(body))
        except ValueError as error:
            return self._json(400, {"error": str(error)})

    def _settings_document(self, path):
        settings = self.server.lab.vcenter.settings.as_dict()
        return {"scale": settings["time_scale"]} if path == "/time-scale" else settings

    def _json_body(self):
        """The request body as JSON; None without a body."""
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except json.JSONDecodeError as error:
            raise ValueError(f"body is not JSON: {error}") from error

    def _requested_size(self, fields):
        """The size in the body, each field defaulting to the startup size; None without a body."""
        if fields is None:
            return None
        if not isinstance(fields, dict) or set(fields) - {"clusters", "hosts"}:
            raise ValueError('body must be {"clusters": N, "hosts": N}')
        startup = self.server.lab.startup_size
        size = InventorySize(fields.get("clusters", startup.clusters), fields.get("hosts", startup.hosts))
        if not all(type(n) is int and n >= 1 for n in (size.clusters, size.hosts)):
            raise ValueError("clusters and hosts must be integers >= 1")
        return size

    def _depot_file(self, name):
        depot_dir = self.server.lab.depot_dir
        # Only plain file names: nothing outside the depot directory is served.
        if not name or Path(name).name != name or name.startswith("."):
            return self._json(404, {"error": f"no such depot file: {name}"})
        try:
            data = (depot_dir / name).read_bytes()
        except FileNotFoundError:
            return self._json(404, {"error": f"no such depot file: {name}"})
        self._send(200, "application/octet-stream", data)

    def _split_path(self):
        parts = urlsplit(self.path)
        return parts.path.rstrip("/") or "/", dict(parse_qsl(parts.query))

    def _json(self, status, document):
        self._send(status, "application/json", json.dumps(document).encode())

    def _send(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_request(self, code="-", size="-"):
        # Tests poll /requests and /health a lot; only errors are worth a log line.
        if isinstance(code, int) and code >= 400:
            super().log_request(code, size)


class ControlServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port, lab):
        self.lab = lab  # the LabServer: request_log, depot_dir, startup_size, vcenter, reset(), health()
        super().__init__((LOOPBACK, port), ControlHandler)
