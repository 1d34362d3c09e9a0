"""Shared helpers for the REST API tests (test_rest_*.py): a vCenter REST client
built on `requests` only, the control calls those tests need, and a valid
EnableSpec built from what the lab's inventory lists."""

import copy
import json
import time
import urllib.request

import pytest
import requests

FAST_TIME_SCALE = 0.005  # a 600 s simulated enable takes 3 s
WAIT_TIMEOUT = 60
MANAGEMENT = "/api/vcenter/namespace-management"
INSTANCES = "/api/vcenter/namespaces/instances"
VSAN_POLICY = "aa6d5a82-1c88-45da-85d3-3d74b91a5bad"
# vim25 calls that change the inventory: every *_Task, and the few synchronous ones Workload Management uses.
MUTATING_CALLS = ("CreateFolder", "CreateResourcePool", "UpdateConfig")


class Rest:
    """A vCenter REST client: one session, verified TLS with the lab CA."""

    def __init__(self, lab, login=True):
        vcenter = lab["vcenter"]
        self.base = f"https://{vcenter['hostname']}:{vcenter['port']}"
        self.http = requests.Session()
        self.http.trust_env = False  # REQUESTS_CA_BUNDLE would override the lab CA
        self.http.verify = vcenter["ca_cert"]
        self.credentials = (vcenter["username"], vcenter["password"])
        if login:
            self.login()

    def login(self):
        response = self.http.post(self.base + "/api/session", auth=self.credentials)
        assert response.status_code == 201, response.text
        self.http.headers["vmware-api-session-id"] = response.json()
        return response.json()

    def request(self, method, path, **kwargs):
        return self.http.request(method, self.base + path, **kwargs)

    def get(self, path, **kwargs):
        response = self.request("GET", path, **kwargs)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return response.json()

    def ok(self, method, path, **kwargs):
        """A call that must succeed with 204 No Content."""
        response = self.request(method, path, **kwargs)
        assert response.status_code == 204, f"{method} {path}: {response.status_code} {response.text}"


class Control:
    """The control API calls the REST tests use (conftest's LabControl has the others)."""

    def __init__(self, url):
        self.url = url

    def call(self, method, path, document=None):
        data = json.dumps(document).encode() if document is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.load(response)

    def requests(self, **filters):
        query = "&".join(f"{key}={value}" for key, value in filters.items())
        return self.call("GET", "/requests" + ("?" + query if query else ""))


@pytest.fixture(scope="module")
def control(lab):
    return Control(lab["control"])


@pytest.fixture(scope="module")
def fast_lab(lab, control):
    """The lab in its initial state at a fast time scale; back to its initial state and settings afterwards."""
    before = control.call("GET", "/settings")
    control.call("POST", "/reset")
    control.call("PATCH", "/settings", {"time_scale": FAST_TIME_SCALE})
    yield
    control.call("POST", "/reset")
    control.call("PATCH", "/settings", before)


@pytest.fixture(scope="module")
def rest(lab, fast_lab):
    return Rest(lab)


def clusters(rest):
    return sorted(rest.get("/api/vcenter/cluster"), key=lambda cluster: cluster["name"])


def enable_spec(rest):
    """A valid EnableSpec for the lab (vSphere networking, HAProxy)."""
    networks = rest.get("/api/vcenter/network")
    management = next(n["network"] for n in networks if n["type"] == "STANDARD_PORTGROUP")
    portgroup = next(n["network"] for n in networks if n["name"] == "DC0_DVPG0")
    library = next(library_id for library_id in rest.get("/api/content/library")
                   if rest.get(f"/api/content/library/{library_id}")["name"] == "tkg-content")
    return copy.deepcopy({
        "size_hint": "TINY",
        "service_cidr": {"address": "10.96.0.0", "prefix": 23},
        "network_provider": "VSPHERE_NETWORK",
        "master_management_network": {
            "network": management, "mode": "STATICRANGE",
            "address_range": {"starting_address": "192.168.10.10", "address_count": 5,
                              "subnet_mask": "255.255.255.0", "gateway": "192.168.10.1"}},
        "master_DNS": ["192.168.10.2"],
        "worker_DNS": ["192.168.10.2"],
        "master_DNS_search_domains": ["lab.local"],
        "master_NTP_servers": ["pool.ntp.org"],
        "master_storage_policy": VSAN_POLICY,
        "ephemeral_storage_policy": VSAN_POLICY,
        "image_storage": {"storage_policy": VSAN_POLICY},
        "workload_networks_spec": {"supervisor_primary_workload_network": {
            "network": "primary", "network_provider": "VSPHERE_NETWORK",
            "vsphere_network": {"portgroup": portgroup, "address_ranges": [{"address": "192.168.20.100", "count": 50}],
                                "gateway": "192.168.20.1", "subnet_mask": "255.255.255.0"}}},
        "load_balancer_config_spec": {
            "id": "haproxy", "provider": "HA_PROXY", "address_ranges": [{"address": "192.168.30.64", "count": 64}],
            "ha_proxy_config_create_spec": {"servers": [{"host": "192.168.30.5", "port": 5556}], "username": "admin",
                                            "password": "haproxy-secret", "certificate_authority_chain": "PEM"}},
        "default_kubernetes_service_content_library": library,
    })


def wait_for_status(rest, cluster, wanted, timeout=WAIT_TIMEOUT):
    """Poll the Supervisor until its config_status is `wanted`; returns the statuses seen on the way."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = rest.request("GET", f"{MANAGEMENT}/clusters/{cluster}")
        status = response.json()["config_status"] if response.status_code == 200 else response.status_code
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == wanted:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"cluster {cluster} did not reach {wanted} in {timeout}s (seen: {seen})")


def enable(rest, cluster, spec=None):
    rest.ok("POST", f"{MANAGEMENT}/clusters/{cluster}", params={"action": "enable"}, json=spec or enable_spec(rest))
    return wait_for_status(rest, cluster, "RUNNING")


def mutating_soap_calls(control):
    return [e for e in control.requests(api="vim25")
            if e["operation"] and (e["operation"].endswith("_Task") or e["operation"] in MUTATING_CALLS)]


def error_fields(response):
    """The field paths a 400 INVALID_ARGUMENT names (one message per field)."""
    body = response.json()
    assert body["error_type"] == "INVALID_ARGUMENT", body
    return {message["args"][0] for message in body["messages"]}


def field_path(path):
    """The dotted name vCenter gives a field of a request body (``spec.a.b[0].c``) for a tuple path."""
    return "spec" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


def with_field(spec, path, value=None, remove=False):
    """A copy of ``spec`` with the field at ``path`` set to ``value``, or removed."""
    spec = copy.deepcopy(spec)
    target = spec
    for part in path[:-1]:
        target = target[part]
    if remove:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return spec


# A value of another JSON type than each type of the reference files (reference/*.json).
WRONG_TYPE = {"string": 12345, "integer": "12", "boolean": "yes", "object": "not-an-object", "enum": "NOT_A_VALUE"}


def documented_fields(value, structures, structure, path=(), strict=False):
    """(path, field definition) of every field of the reference's ``structures`` present in ``value``, nested ones
    included; with ``strict``, a field the reference does not document fails the test."""
    fields = structures[structure]["fields"]
    if strict:
        assert set(value) <= set(fields), f"{structure}: {sorted(set(value) - set(fields))} are not documented"
    for name, field in fields.items():
        if name in value:
            yield path + (name,), field
            yield from _nested_fields(value[name], field["type"], structures, path + (name,), strict)


def _nested_fields(value, type_name, structures, path, strict):
    if type_name.startswith("array<"):
        for index, item in enumerate(value):
            yield from _nested_fields(item, type_name[len("array<"):-1], structures, path + (index,), strict)
    elif type_name in structures:
        yield from documented_fields(value, structures, type_name, path, strict)


def wrong_value(field):
    """A value of another JSON type than the field's."""
    if field["type"].startswith("array<"):
        return "not-an-array"
    return WRONG_TYPE.get(field["type"], "not-an-object")
