"""The simulated vCenter's services put together, and their life with the lab:
bound to each new vcsim, rebuilt into it after a restart, cleared by a reset."""

import hmac
import os
import threading

from . import errors, inventory
from .app import RestApp
from .catalog import Catalog
from .clock import SimulatedClock
from .cluster_services import ClusterServices
from .faults import Faults
from .namespaces import Namespaces
from .sessions import SessionStore
from .settings import Settings
from .spherelet import newest_release
from .store import Store
from .supervisor_services import SupervisorServices
from .supervisors import Supervisors
from .tagging import Tagging
from .vsphere import Vsphere
from .zones import Zones

STORE_FILE = "vcenter.sqlite"
WORKER_JOIN_TIMEOUT = 30


class VcenterService:
    def __init__(self, *, username, password, run_dir, depot_dir, depot_urls, request_log, release, environ=os.environ):
        self.release = release  # config.VcenterRelease: what About and /api/appliance/system/version say
        self._username = username
        self._password = password
        self._request_log = request_log
        self._vsphere = None
        self._stop = threading.Event()
        self.settings = Settings(environ)
        self.sessions = SessionStore(lambda: self.settings.rest_idle_timeout)
        self.faults = Faults(self.settings, self.sessions)
        self.store = Store(run_dir / STORE_FILE)
        self.catalog = Catalog(self.store)
        self.catalog.seed()
        # vSphere Zones come with vCenter 8's Supervisors API.
        self.zones = (Zones(self.store, clusters=lambda: [c["cluster"] for c in inventory.list_clusters(self.vsphere(), {})],
                            supervisor_on=lambda zone: self.supervisors.on_zone(zone))
                      if release.supervisors_api else None)
        self.supervisors = Supervisors(
            self.store, self.catalog, self.settings, SimulatedClock(self.settings, self._stop),
            newest_release(depot_dir, depot_urls), namespaces_of=self._remove_namespaces,
            zones=self.zones)
        self.namespaces = Namespaces(self.store, self.catalog, self.supervisors)
        self.tagging = Tagging(self.store)
        self.supervisor_services = SupervisorServices(self.store)
        self.cluster_services = ClusterServices(self.store, self.supervisor_services, self.supervisors, self.namespaces, self.settings,
                                                SimulatedClock(self.settings, self._stop), self.faults)
        self.app = RestApp(self)

    def start(self, vcsim):
        """Serve with this vcsim, first making it match what the store holds (a restart)."""
        self._bind(vcsim)
        self.namespaces.rebuild()
        self.supervisors.resume()
        self.cluster_services.resume()

    def reset(self, vcsim):
        """Back to the initial state with a fresh vcsim: no Supervisors, namespaces, faults or sessions."""
        self._stop_workers()
        self.store.clear()
        self.catalog.seed()
        self.faults.clear()
        self.sessions.expire_all()
        self._bind(vcsim)

    def stop(self):
        self._stop_workers()
        if self._vsphere is not None:
            self._vsphere.close()
        self.store.close()

    def vsphere(self):
        if self._vsphere is None:
            raise errors.service_unavailable()
        return self._vsphere

    def valid_credentials(self, user, password):
        return (user is not None and hmac.compare_digest(user.lower(), self._username.lower())
                and hmac.compare_digest(password, self._password))

    def update_settings(self, changes):
        scale = self.settings.time_scale
        settings = self.settings.update(changes)
        if settings["time_scale"] != scale:
            self.faults.time_scale_changed()
        return settings

    def _bind(self, vcsim):
        if self._vsphere is not None:
            self._vsphere.close()
        self._vsphere = Vsphere(vcsim.url, self._username, self._password, self._record_wcp_call)
        self.supervisors.bind(self._vsphere)
        self.namespaces.bind(self._vsphere)
        self.faults.bind(vcsim.url.removesuffix("/sdk"), self._vsphere)

    def _remove_namespaces(self, cluster_id):
        """A Supervisor is being disabled: its namespaces go, and the Supervisor Services in them."""
        self.cluster_services.remove_cluster(cluster_id)
        self.namespaces.remove_cluster(cluster_id)

    def _stop_workers(self):
        self._stop.set()
        self.supervisors.join(WORKER_JOIN_TIMEOUT)
        self.cluster_services.join(WORKER_JOIN_TIMEOUT)
        self._stop.clear()

    def _record_wcp_call(self, operation, target, target_type, status):
        self._request_log.record(api="vim25", method="POST", path="/sdk", operation=operation, target=target,
                                 target_type=target_type, status=status, origin="wcp")
