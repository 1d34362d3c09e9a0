"""`serve`: the whole lab in one process (PKI, depot, vcsim child, front door,
control, the simulated vCenter's own services behind /api, and the API
servers of its Supervisors)."""

import json
import logging
import os
import signal
import threading

from . import pidfile
from .config import DEPOT_DIR, ENDPOINTS_FILE, GUEST_CLUSTER_ENDPOINTS, LOOPBACK, RUN_DIR, SUPERVISOR_ENDPOINTS, VCENTER_HOSTNAME, LabError
from .control import ControlServer
from .depot import build_depot
from .frontdoor import FrontDoor
from .pki import ensure_pki
from .requestlog import RequestLog
from .supervisor.lab import lab_supervisors
from .upstream import UpstreamPool
from .vcenter.service import VcenterService
from .vcsim_process import VcsimProcess, ensure_vcsim_binary

log = logging.getLogger("pacific_lab")


class LabServer:
    def __init__(self, settings):
        self.settings = settings
        self.startup_size = settings.size
        self.depot_dir = DEPOT_DIR
        self.request_log = RequestLog()
        self._reset_lock = threading.Lock()
        self._vcsim = None
        self._frontdoor = None
        self.vcenter = None  # the VcenterService, once started
        self.supervisors = None  # the SupervisorFleet, once started
        self._endpoints_document = None
        self._bound = []  # servers holding a port
        self._serving = []  # servers whose serve_forever runs

    def start(self):
        """Bring everything up and publish endpoints.json; the servers run in threads."""
        ENDPOINTS_FILE.unlink(missing_ok=True)  # whatever it says is about an older lab
        pki = ensure_pki()
        depot = build_depot(self.depot_dir)
        ensure_vcsim_binary()
        # Bind first: a port conflict fails before anything else is started.
        self._frontdoor = self._bind("front door", FrontDoor, self.settings.vcenter_port, pki, self.request_log)
        self._bind("control", ControlServer, self.settings.control_port, self)
        self._vcsim = self._start_vcsim(self.startup_size)
        self._frontdoor.upstream = UpstreamPool(LOOPBACK, self._vcsim.port)
        endpoints = self._endpoints(pki, depot)
        self.vcenter = VcenterService(
            username=self.settings.username, password=self.settings.password, run_dir=RUN_DIR,
            depot_dir=self.depot_dir, depot_urls=endpoints["depot"], request_log=self.request_log,
            release=self.settings.release)
        # Before serving: what the store holds (a restart) is rebuilt into the fresh vcsim.
        self.vcenter.start(self._vcsim)
        self._frontdoor.vcenter = self.vcenter
        for server in self._bound:
            threading.Thread(target=server.serve_forever, name=type(server).__name__, daemon=True).start()
            self._serving.append(server)
        self._endpoints_document = endpoints
        self.supervisors = lab_supervisors(self.vcenter, self.request_log, on_change=self._publish_supervisors)
        self.vcenter.supervisors.served = self.supervisors.serves
        self.vcenter.catalog.vms_of_class = self.supervisors.vms_of_class
        self.supervisors.start()
        endpoints["supervisors"] = self.supervisors.endpoints()
        _write_json(ENDPOINTS_FILE, endpoints)
        log.info("lab ready: https://%s:%d/sdk (vcsim %s), control %s", VCENTER_HOSTNAME,
                 self.settings.vcenter_port, self._vcsim.url, self.settings.control_url)

    def reset(self, size=None):
        """Replace vcsim with a fresh one (startup size when `size` is None) and return the
        simulated vCenter to its initial state (no Supervisors, namespaces, faults); clear the log."""
        size = size or self.startup_size
        with self._reset_lock:
            # The new vcsim is up before the old one goes: no request meets a dead port.
            fresh = self._start_vcsim(size)
            self.supervisors.reset(lambda: self.vcenter.reset(fresh))
            old_vcsim, old_pool = self._vcsim, self._frontdoor.upstream
            self._vcsim, self._frontdoor.upstream = fresh, UpstreamPool(LOOPBACK, fresh.port)
            old_pool.close()
            old_vcsim.stop()
            self.request_log.clear()
        log.info("reset: vcsim %s with %d clusters x %d hosts", fresh.url, size.clusters, size.hosts)
        return self.health()

    def health(self):
        vcsim = self._vcsim
        return {
            "status": "ok" if vcsim.running() else "vcsim exited",
            "vcsim": {"url": vcsim.url, "pid": vcsim.pid},
            "size": vcsim.size.as_dict(),
            "startup_size": self.startup_size.as_dict(),
        }

    def stop(self):
        for server in self._serving:
            server.shutdown()  # waits for serve_forever to return, so only for those serving
        for server in self._bound:
            server.server_close()
        if self.supervisors is not None:
            self.supervisors.stop()
        if self.vcenter is not None:
            self.vcenter.stop()
        if self._vcsim is not None:
            self._vcsim.stop()
        ENDPOINTS_FILE.unlink(missing_ok=True)

    def _bind(self, what, server_class, port, *args):
        try:
            server = server_class(port, *args)
        except OSError as error:
            raise LabError(f"{what}: cannot listen on {LOOPBACK}:{port}: {error.strerror} "
                           "(another lab running? try `python3 -m pacific_lab status`)") from error
        self._bound.append(server)
        return server

    def _publish_supervisors(self, supervisors):
        """endpoints.json["supervisors"]: the API servers of the Supervisors now RUNNING."""
        self._endpoints_document["supervisors"] = supervisors
        _write_json(ENDPOINTS_FILE, self._endpoints_document)

    def _start_vcsim(self, size):
        return VcsimProcess(size, self.settings.username, self.settings.password, self.settings.release).start()

    def _endpoints(self, pki, depot):
        control = self.settings.control_url
        return {
            "vcenter": {
                "hostname": VCENTER_HOSTNAME,
                "port": self.settings.vcenter_port,
                "username": self.settings.username,
                "password": self.settings.password,
                "ca_cert": str(pki.ca_cert.resolve()),
                "version": self.settings.release.version,
            },
            "control": control,
            "rest_api": f"https://{VCENTER_HOSTNAME}:{self.settings.vcenter_port}/api",
            "supervisor_addresses": str(SUPERVISOR_ENDPOINTS),
            "guest_cluster_addresses": str(GUEST_CLUSTER_ENDPOINTS),
            "depot": {
                name: {version: f"{control}/depot/{file}" for version, file in versions.items()}
                for name, versions in depot.items()
            },
        }


def serve(settings):
    """Run the lab in the foreground until SIGTERM or SIGINT."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    other = pidfile.running_pid()
    if other not in (None, os.getpid()):
        raise LabError(f"a lab is already running (pid {other}); `python3 -m pacific_lab down` stops it")
    pidfile.write(os.getpid())  # `up` wrote it already; this covers a bare `serve`
    lab = LabServer(settings)
    try:
        lab.start()
        stop.wait()
        log.info("stopping")
    finally:
        lab.stop()
        pidfile.remove_if_owned_by(os.getpid())


def _write_json(path, document):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, indent=2) + "\n")
    os.replace(tmp, path)  # readers never see a half-written file
