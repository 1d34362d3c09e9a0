"""The load balancer's virtual servers: one address per guest cluster control plane, for all Supervisors of a lab.

On vSphere the Supervisor's load balancer (HAProxy, NSX Advanced Load Balancer, NSX) gives each guest cluster a
virtual server for its API, an address of the range it was configured with, served on 6443. The lab gives each
a loopback address of its own (a network the lab keeps for them: config.GUEST_CLUSTER_ENDPOINTS), kept in a file
so that a restarted lab serves every cluster where its kubeconfig says.
"""

import json
import os
import threading


class NoFreeAddress(Exception):
    pass


class VirtualServers:
    def __init__(self, path, network):
        self._path = path
        self._network = network
        self._lock = threading.Lock()
        self._taken = json.loads(path.read_text()) if path.exists() else {}  # key -> address

    def address(self, key):
        """The address of `key` ("<supervisor id>/<cluster uid>"): the one it has, else the lowest free one."""
        with self._lock:
            if key not in self._taken:
                used = set(self._taken.values())
                free = next((str(a) for a in self._network.hosts() if str(a) not in used), None)
                if free is None:
                    raise NoFreeAddress(f"no free guest cluster endpoint in {self._network}")
                self._taken[key] = free
                self._save()
            return self._taken[key]

    def release(self, key_or_prefix):
        """Free the address of a key, or of every key under a prefix ending in "/" (a Supervisor that went)."""
        with self._lock:
            gone = [k for k in self._taken if k == key_or_prefix or (key_or_prefix.endswith("/") and k.startswith(key_or_prefix))]
            for key in gone:
                del self._taken[key]
            if gone:
                self._save()

    def keys(self, prefix):
        with self._lock:
            return [k for k in self._taken if k.startswith(prefix)]

    def clear(self):
        with self._lock:
            self._taken = {}
            self._save()

    def _save(self):
        tmp = self._path.with_name(self._path.name + ".tmp")
        tmp.write_text(json.dumps(self._taken, sort_keys=True))
        os.replace(tmp, self._path)
