"""The lab the benchmark runs on: sized, timed, and its request log read per run."""

from __future__ import annotations

import json
import os
import pathlib

import requests
from lab_access import Control, secrets
from request_summary import summary

from . import ROOT

RUN_DIR = pathlib.Path(os.environ.get("LAB_RUN_DIR", ROOT / "lab" / ".run"))


class Lab:
    def __init__(self, run_dir=RUN_DIR):
        self.run_dir = pathlib.Path(run_dir)
        self.control = Control(self.run_dir)

    def endpoints(self):
        return json.loads((self.run_dir / "endpoints.json").read_text())

    def supervisor_address(self, cluster_name):
        """The API server address of the Supervisor on the vSphere cluster named ``cluster_name``, as vCenter's REST API reports it."""
        vcenter = self.endpoints()["vcenter"]
        base = f"https://{vcenter['hostname']}:{vcenter['port']}"
        with requests.Session() as http:
            http.trust_env = False  # the lab's CA, not REQUESTS_CA_BUNDLE's
            http.verify = vcenter["ca_cert"]
            http.headers["vmware-api-session-id"] = http.post(base + "/api/session", auth=(vcenter["username"], vcenter["password"]), timeout=30).json()
            cluster = http.get(base + "/api/vcenter/cluster", params={"names": cluster_name}, timeout=30).json()[0]["cluster"]
            supervisor = http.get(f"{base}/api/vcenter/namespace-management/clusters/{cluster}", timeout=30).json()
            http.delete(base + "/api/session", timeout=30)
        return supervisor["api_server_cluster_endpoint"]

    def reset(self, clusters=None, hosts=None):
        """A fresh lab: no Supervisor, namespace or VM of an earlier run; the startup size unless told."""
        size = {key: value for key, value in (("clusters", clusters), ("hosts", hosts)) if value is not None}
        return self.control.call("POST", "/reset", size or {})

    def time_scale(self, scale):
        self.control.call("POST", "/time-scale", {"scale": scale})

    def settings(self):
        return self.control.call("GET", "/settings")

    def clear_requests(self):
        self.control.call("DELETE", "/requests")

    def client_requests(self):
        """What clients asked since the log was cleared: total, by API, logins, and how many calls changed something."""
        found = summary(self.control.client_requests())
        return {"total": found["total"], "by_api": found["by_api"], "logins": found["logins"], "mutating": len(found["mutating"])}

    def environment(self):
        """The environment of every tool the benchmark runs: the lab's secrets as pacific and the generated topologies read them."""
        values, ca_cert = secrets(self.run_dir), self.endpoints()["vcenter"]["ca_cert"]
        return {**os.environ, **values, "LAB_RUN_DIR": str(self.run_dir),
                # tools/make_topology.py refers to these: {env: VMWARE_PASSWORD}, {env: LAB_HAPROXY_PASSWORD}.
                "VMWARE_PASSWORD": values["PACIFIC_VAR_vcenter_password"],
                "LAB_HAPROXY_PASSWORD": values["PACIFIC_VAR_lab_haproxy_password"],
                "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
                # The peers validate certificates against the system's trust: the lab's CA is handed to them here.
                "SSL_CERT_FILE": ca_cert, "REQUESTS_CA_BUNDLE": ca_cert}
