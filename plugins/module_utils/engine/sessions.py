# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The sessions of one run: one vim25 session, one REST session and one login per Supervisor, shared by every resource.

A run (a plan, an apply, a module task driving a whole kind) opens each
session the first time a resource needs it and closes them all at its end;
the clients renew an expired session themselves. Opening is serialised, so
resources reading in parallel threads share the one login.
"""

from __future__ import annotations

import contextlib
import threading

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import RestClient
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.supervisor import SupervisorClient, SupervisorConnection
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vim import VimClient


class Sessions:
    """Lazily opened, shared clients of one vCenter and its Supervisors; a context manager that closes them all.

    ``login_port`` is where the Supervisors serve ``/wcp/login`` (443 on vSphere).
    The factories are injectable so that tests can count and fake sessions.
    """

    def __init__(self, vcenter, *, login_port=443, vim_factory=VimClient, rest_factory=RestClient, supervisor_factory=SupervisorClient):
        self.vcenter = vcenter
        self._login_port = login_port
        self._factories = {"vim": vim_factory, "rest": rest_factory, "supervisor": supervisor_factory}
        self._open = {}
        self._lock = threading.Lock()

    def vim(self):
        """The vim25 client (``clients.vim.VimClient``) of the run."""
        return self._client(("vim",), lambda: self._factories["vim"](self.vcenter))

    def rest(self):
        """The vCenter REST client (``clients.rest.RestClient``) of the run."""
        return self._client(("rest",), lambda: self._factories["rest"](self.vcenter))

    def supervisor(self, host):
        """The client of the Supervisor whose Kubernetes API is at ``host``, logged in with the vCenter user."""
        connection = SupervisorConnection(
            host=host,
            username=self.vcenter.username,
            password=self.vcenter.password,
            login_port=self._login_port,
            validate_certs=self.vcenter.validate_certs,
            ca_cert=self.vcenter.ca_cert,
            timeout=self.vcenter.timeout,
        )
        return self._client(("supervisor", host), lambda: self._factories["supervisor"](connection))

    def vim_session(self):
        """A context manager yielding the run's vim25 client without closing it: for resources that take a session factory."""
        return contextlib.nullcontext(self.vim())

    def close(self):
        """Log out of everything opened, the most recent first; a failed logout does not stop the others."""
        with self._lock:
            clients = list(self._open.values())
            self._open.clear()
        for client in reversed(clients):
            with contextlib.suppress(Exception):
                client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _client(self, key, make):
        with self._lock:
            if key not in self._open:
                self._open[key] = make().open()
            return self._open[key]
