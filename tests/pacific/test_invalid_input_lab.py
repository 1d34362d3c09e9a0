"""Bad input is refused before the first change, naming its key path or option, with no traceback.

Against the lab, as a user meets it: 60 and more wrong topologies through
`pacific validate` and `pacific plan` (and the file-level ones through
site.yml as well), 30 and more wrong module calls in one playbook. The
request log afterwards holds no call that changes anything.
"""

import copy
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml
from pacific_support import ROOT, TOPOLOGY, mutates, pacific

DELETE = object()


def _set(document, path, value):
    """Set (or with DELETE remove) the key path ``a.b[0].c`` of ``document``."""
    steps = []
    for part in path.split("."):
        name, _, rest = part.partition("[")
        steps.append(name)
        steps += [int(index) for index in rest.rstrip("]").split("][")] if rest else []
    parent = document
    for step in steps[:-1]:
        parent = parent[step]
    if value is DELETE:
        del parent[steps[-1]]
    else:
        parent[steps[-1]] = value


NS = "supervisors[0].namespaces[0]"
TKC = f"{NS}.guest_clusters[0]"
WM = "supervisors[0].workload_management"

# (key path to change, the value it gets, what the error must say: the key path and the wrong value or what is missing)
TOPOLOGY_CASES = [
    ("supervisors", [], "supervisors: needs at least 1 item"),
    ("supervisors", "C1", "supervisors: "),
    ("name", "Team_A", "name: 'Team_A' is not valid"),
    ("name", "x" * 41, "name: "),
    ("extra", 1, "extra"),
    ("vcenter.port", 0, "vcenter.port: 0 is less than 1: give 1 to 65535"),
    ("vcenter.port", 70000, "vcenter.port: 70000 is more than 65535"),
    ("vcenter.port", "https", "vcenter.port: "),
    ("vcenter.validate_certs", "maybe", "vcenter.validate_certs: "),
    ("vcenter.password", "s3cr3t-in-the-file", "vcenter.password: "),
    ("vcenter.password", {"env": "A", "var": "B"}, "vcenter.password"),
    ("supervisors[0].cluster", DELETE, "supervisors[0].cluster"),
    ("supervisors[0].cluster", "NO_SUCH_CLUSTER", "supervisors[0].cluster: cluster 'NO_SUCH_CLUSTER' not found"),
    ("supervisors[0].cluster", 7, "supervisors[0].cluster: "),
    ("supervisors[0].protect", "yes", "supervisors[0].protect: "),
    ("supervisors[0].spherelet.url", DELETE, "supervisors[0].spherelet.url"),
    ("supervisors[0].spherelet.max_parallel", 0, "supervisors[0].spherelet.max_parallel: 0 is less than 1"),
    ("supervisors[0].spherelet.max_parallel", 1000, "supervisors[0].spherelet.max_parallel: 1000 is more than 96"),
    ("supervisors[0].spherelet.maintenance_mode", "sometimes", "supervisors[0].spherelet.maintenance_mode: "),
    ("supervisors[0].control_plane.count", 2, "supervisors[0].control_plane.count: 2 is even"),
    ("supervisors[0].control_plane.count", 1001, "supervisors[0].control_plane.count: 1001 is more than 96"),
    ("supervisors[0].control_plane.count", -3, "supervisors[0].control_plane.count: -3 is less than 1"),
    ("supervisors[0].control_plane.size", "huge", "supervisors[0].control_plane.size: "),
    ("supervisors[0].control_plane.mandatory", "no way", "supervisors[0].control_plane.mandatory: "),
    (f"{WM}.service_cidr", "10.96.0.0/40", f"{WM}.service_cidr: "),
    (f"{WM}.service_cidr", "not a cidr", f"{WM}.service_cidr: "),
    (f"{WM}.management_network", DELETE, f"{WM}.management_network"),
    (f"{WM}.management_network.network", "No Such Network", f"{WM}.management_network.network: "),
    (f"{WM}.management_network.mode", "manual", f"{WM}.management_network.mode: "),
    (f"{WM}.management_network.starting_address", "192.168.10.300", f"{WM}.management_network.starting_address: "),
    (f"{WM}.management_network.address_count", 2**40, f"{WM}.management_network.address_count: 1099511627776 is more than 4294967296"),
    (f"{WM}.management_network.address_count", 2, f"{WM}.management_network.address_count: 2 is too few"),
    (f"{WM}.management_network.gateway", DELETE, f"{WM}.management_network.gateway: required in static mode"),
    (f"{WM}.management_network.subnet_mask", "255.0.255.0", f"{WM}.management_network.subnet_mask: "),
    (f"{WM}.dns_servers", ["dns.example.com"], f"{WM}.dns_servers"),
    (f"{WM}.dns_servers", "192.168.10.2", f"{WM}.dns_servers: "),
    (f"{WM}.workload_network.portgroup", "NO_SUCH_PORTGROUP", f"{WM}.workload_network.portgroup: "),
    (f"{WM}.workload_network.address_ranges", [], f"{WM}.workload_network.address_ranges: needs at least 1 item"),
    (f"{WM}.workload_network.address_ranges[0].count", 0, f"{WM}.workload_network.address_ranges[0].count: 0 is less than 1"),
    (f"{WM}.workload_network.address_ranges[0].count", 2**33, f"{WM}.workload_network.address_ranges[0].count: 8589934592 is more than"),
    (f"{WM}.workload_network.address_ranges[0].address", "fe80::1", f"{WM}.workload_network.address_ranges[0].address 'fe80::1' is not an IPv4"),
    (f"{WM}.load_balancer.type", "f5", f"{WM}.load_balancer.type: "),
    (f"{WM}.load_balancer.endpoint", "192.168.30.5:99999", f"{WM}.load_balancer.endpoint: "),
    (f"{WM}.load_balancer.password", DELETE, f"{WM}.load_balancer.password"),
    (f"{WM}.load_balancer.address_ranges", DELETE, f"{WM}.load_balancer.address_ranges: required for haproxy"),
    (f"{WM}.storage_policies.control_plane", "platinum", f"{WM}.storage_policies.control_plane: "),
    (f"{WM}.content_library", "no-such-library", f"{WM}.content_library: "),
    (f"{WM}.wait_timeout", 0, f"{WM}.wait_timeout: 0 is less than 1"),
    (f"{WM}.wait_timeout", 10**9, f"{WM}.wait_timeout: 1000000000 is more than 86400"),
    (f"{NS}.name", "Team A", f"{NS}.name: 'Team A' is not valid"),
    (f"{NS}.cpu_limit", 10**30, f"{NS}.cpu_limit: 1000000000000000000000000000000 is 1000000000000000000000000000000 MHz, more than"),
    (f"{NS}.cpu_limit", "20GB", f"{NS}.cpu_limit: '20GB' has an unknown unit 'GB'"),
    (f"{NS}.memory_limit", "-8Gi", f"{NS}.memory_limit: '-8Gi' is negative"),
    (f"{NS}.memory_limit", "64G", f"{NS}.memory_limit: '64G' has an unknown unit 'G'"),
    (f"{NS}.storage_limit", "9000000000Pi", f"{NS}.storage_limit: '9000000000Pi' is 9663676416000000000 MiB, more than"),
    ("supervisors[0].namespaces[1].storage_policies[0].name", "platinum", "supervisors[0].namespaces[1].storage_policies[0].name: storage policy 'platinum'"),
    (f"{NS}.storage_policies[0].limit", "0.5Mi", f"{NS}.storage_policies[0].limit: '0.5Mi' is 0.5 MiB"),
    (f"{NS}.access[0].role", "ADMIN", f"{NS}.access[0].role: "),
    (f"{NS}.access[0].type", "ROBOT", f"{NS}.access[0].type: "),
    (f"{NS}.access[0].principal", DELETE, f"{NS}.access[0].principal"),
    ("supervisors[0].namespaces[1].vm_classes", ["no-such-class"], "supervisors[0].namespaces[1].vm_classes[0]: "),
    (f"{NS}.content_libraries", ["no-such-library"], f"{NS}.content_libraries"),
    (f"{NS}.description", ["a", "list"], f"{NS}.description: "),
    (f"{TKC}.name", "TKC_A", f"{TKC}.name: 'TKC_A' is not valid"),
    (f"{TKC}.api", "tanzu", f"{TKC}.api: "),
    (f"{TKC}.kubernetes_version", "1.27", f"{TKC}.kubernetes_version: '1.27' is not valid"),
    (f"{TKC}.control_plane.replicas", 2, f"{TKC}.control_plane.replicas: "),
    (f"{TKC}.control_plane.vm_class", "guaranteed-8xlarge", f"{TKC}.control_plane.vm_class: VM class 'guaranteed-8xlarge' is not bound"),
    (f"{TKC}.control_plane.storage_class", "bronze", f"{TKC}.control_plane.storage_class: storage class 'bronze' is not one of"),
    (f"{TKC}.node_pools[0].replicas", 2**31, f"{TKC}.node_pools[0].replicas: 2147483648 is more than 2147483647"),
    (f"{TKC}.node_pools[0].replicas", -1, f"{TKC}.node_pools[0].replicas: -1 is less than 0"),
    (f"{TKC}.node_pools[0].labels", {"tier": 1}, f"{TKC}.node_pools[0].labels.tier: "),
    (f"{TKC}.pods_cidr", "192.168.0.0/33", f"{TKC}.pods_cidr: '192.168.0.0/33' is not an IPv4 network"),
    (f"{TKC}.wait_timeout", 10**6, f"{TKC}.wait_timeout: 1000000 is more than 86400"),
]


def _case_id(case):
    path, value, _ = case
    shown = "DELETE" if value is DELETE else repr(value)[:20]
    return f"{path}={shown}"


@pytest.fixture(scope="module")
def quiet_lab(control):
    """An empty lab whose request log starts empty: what the cases send is all it holds."""
    control.call("DELETE", "/requests")
    yield control
    requests = control.client_requests()
    assert requests, "the cases asked nothing of the lab"
    assert [request for request in requests if mutates(request)] == []


def _write_case(tmp_path, index, case):
    path, value, _ = case
    document = copy.deepcopy(yaml.safe_load(TOPOLOGY.read_text()))
    _set(document, path, value)
    target = tmp_path / f"case-{index}.yml"
    target.write_text(yaml.safe_dump(document))
    return target


def test_sixty_and_more_wrong_topologies_are_refused_naming_their_key_path(quiet_lab, tmp_path):
    assert len(TOPOLOGY_CASES) >= 60
    files = [_write_case(tmp_path, index, case) for index, case in enumerate(TOPOLOGY_CASES)]
    # validate and plan read the file the same way; plan is what a user runs before a change.
    commands = [("validate" if index % 2 else "plan", file) for index, file in enumerate(files)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda job: pacific(job[0], topology=job[1]), commands))
    wrong = []
    for case, (exit_code, output, errors) in zip(TOPOLOGY_CASES, outcomes):
        said = output + errors
        if exit_code != 1 or case[2] not in said or "Traceback" in said:
            wrong.append(f"{_case_id(case)}: exit {exit_code}, expected {case[2]!r} in: {said.strip()}")
    assert wrong == [], "\n".join(wrong)


FILE_CASES = [
    ("empty.yml", "", "empty.yml: the file is empty"),
    ("syntax.yml", "supervisors: [1,\n  b: 2\n", "syntax.yml: line 3, column 1: not a YAML topology"),
    ("python.yml", "supervisors: !!python/object/apply:os.system ['touch /tmp/pacific-pwned']\n", "python.yml: line 1, column 14: not a YAML topology"),
    ("list.yml", "- cluster: C1\n", "list.yml: line 1, column 1: a topology is a mapping with a 'supervisors' list, not a list"),
    ("bomb.yml", "\n".join(["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"] + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]),
     "bomb.yml: its aliases expand to 12345679021 nodes"),
]


@pytest.mark.parametrize("name, text, message", FILE_CASES, ids=[case[0] for case in FILE_CASES])
def test_a_file_that_is_no_topology_is_named_with_line_and_column_by_pacific_and_site_yml(quiet_lab, tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    exit_code, output, errors = pacific("plan", topology=path)
    assert exit_code == 1 and message in output + errors and "Traceback" not in output + errors
    done = _playbook(["pacific.vsphere.site", f"--extra-vars=topology_file={path}"])
    assert done.returncode != 0
    assert message in done.stdout + done.stderr and "Traceback" not in done.stdout + done.stderr
    assert not os.path.exists("/tmp/pacific-pwned")


def test_a_template_in_a_topology_file_is_text_never_run(quiet_lab, tmp_path):
    marker = tmp_path / "ran"
    document = yaml.safe_load(TOPOLOGY.read_text())
    _set(document, f"{NS}.description", "{{ lookup('ansible.builtin.pipe', 'touch " + str(marker) + "') }}")
    _set(document, f"{NS}.cpu_limit", 10**30)  # and stop there: nothing is made
    path = tmp_path / "template.yml"
    path.write_text(yaml.safe_dump(document))
    done = _playbook(["pacific.vsphere.site", f"--extra-vars=topology_file={path}"])
    assert done.returncode != 0
    assert f"{NS}.cpu_limit: 1000000000000000000000000000000 is" in done.stdout + done.stderr
    exit_code, output, _ = pacific("validate", topology=path)
    assert exit_code == 1
    assert not marker.exists()


def _playbook(args, inventory=ROOT / "inventories" / "lab"):
    environ = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), f"--inventory={inventory}", *args],
        capture_output=True, text=True, env=environ, timeout=600, cwd=ROOT,
    )


# (module, its arguments, the option the error must name)
MODULE_CASES = [
    ("namespace", {"name": "team-x", "cluster": "DC0_C0", "cpu_limit": 10**30}, "cpu_limit 1000000000000000000000000000000 is"),
    ("namespace", {"name": "team-x", "cluster": "DC0_C0", "memory_limit": "64G"}, "memory_limit '64G' has an unknown unit 'G'"),
    ("namespace", {"name": "team-x", "cluster": "DC0_C0", "storage_limit": -1}, "storage_limit -1 is negative"),
    ("namespace", {"name": "team-x", "cluster": "DC0_C0", "storage_policies": [{"name": "gold", "limit": "1.5Ki"}]}, "storage_policies[0].limit"),
    ("namespace", {"name": "team-x", "cluster": "DC0_C0", "access": [{"principal": "a", "domain": "d", "role": "ADMIN"}]}, "role"),
    ("namespace", {"name": "Team X", "cluster": "DC0_C0"}, "name"),
    ("namespace", {"name": "team-x", "cluster": "DC0_C0", "state": "gone"}, "state"),
    ("namespace", {"name": "team-x", "cluster": "DC0_C0", "quota": 1}, "quota"),
    ("workload_management", {"cluster": "DC0_C0", "size": "huge"}, "size"),
    ("workload_management", {"cluster": "DC0_C0", "service_cidr": "10.0.0.0/99"}, "service_cidr"),
    ("workload_management", {"cluster": "DC0_C0", "wait_timeout": -5}, "wait_timeout: -5 is out of range"),
    ("workload_management", {"cluster": "DC0_C0", "wait_timeout": 10**7}, "wait_timeout: 10000000 is out of range"),
    ("workload_management", {"cluster": "DC0_C0", "management_network": {"network": "VM Network", "address_count": 2**40}}, "management_network.address_count"),
    ("workload_management", {"cluster": "DC0_C0", "workload_network": {"address_ranges": [{"address": "192.168.1.1", "count": 0}]}}, "count"),
    ("workload_management", {"cluster": "DC0_C0", "load_balancer": {"type": "f5"}}, "type"),
    ("control_plane_vms", {"cluster": "DC0_C0", "name_prefix": "cp", "count": 4}, "count 4 is invalid"),
    ("control_plane_vms", {"cluster": "DC0_C0", "name_prefix": "cp", "count": 1001}, "count: 1001 is out of range"),
    ("control_plane_vms", {"cluster": "DC0_C0", "name_prefix": "cp", "num_cpus": 0}, "num_cpus: 0 is out of range"),
    ("control_plane_vms", {"cluster": "DC0_C0", "name_prefix": "cp", "memory_mb": 10**12}, "memory_mb: 1000000000000 is out of range"),
    ("control_plane_vms", {"cluster": "DC0_C0", "name_prefix": "   "}, "name_prefix"),
    ("control_plane_vms", {"cluster": "DC0_C0", "name_prefix": "cp", "power_state": "suspended"}, "power_state"),
    ("spherelet_vib", {"cluster": "DC0_C0", "vib_url": ["ftp://depot/spherelet.vib"]}, "vib_url"),
    ("spherelet_vib", {"cluster": "DC0_C0", "vib_url": ["http://depot/s.vib"], "max_parallel": 0}, "max_parallel: 0 is out of range"),
    ("spherelet_vib", {"cluster": "DC0_C0", "vib_url": ["http://depot/s.vib"], "max_parallel": 500}, "max_parallel: 500 is out of range"),
    ("spherelet_vib", {"cluster": "DC0_C0", "vib_url": ["http://depot/s.vib"], "wait_timeout": 0}, "wait_timeout: 0 is out of range"),
    ("spherelet_vib", {"cluster": "DC0_C0", "maintenance_mode": "sometimes"}, "maintenance_mode"),
    ("guest_cluster", {"cluster": "DC0_C0", "namespace": "team-a", "name": "TKC", "kubernetes_version": "v1.27"}, "name"),
    ("guest_cluster", {"cluster": "DC0_C0", "namespace": "team-a", "name": "tkc-x", "api": "tanzu"}, "api"),
    ("guest_cluster", {"cluster": "DC0_C0", "namespace": "team-a", "name": "tkc-x", "node_pools": [{"name": "w", "replicas": -1}]}, "node_pools[0].replicas"),
    ("guest_cluster", {"cluster": "DC0_C0", "namespace": "team-a", "name": "tkc-x", "wait_timeout": 10**6}, "wait_timeout: 1000000 is out of range"),
    ("guest_cluster", {"cluster": "DC0_C0", "namespace": "team-a", "name": "tkc-x", "control_plane": {"replicas": 2}}, "control_plane.replicas"),
    ("platform", {"topology": {"supervisors": []}}, "supervisors: needs at least 1 item"),
    ("platform", {"topology": {"supervisors": [{"cluster": "DC0_C0"}]}, "parallelism": 0}, "parallelism: 0 is out of range"),
    ("topology_file", {"path": "/nonexistent/topology.yml"}, "/nonexistent/topology.yml: cannot read the topology file"),
    ("cluster_info", {"clusters": ["NO_SUCH_CLUSTER"]}, "NO_SUCH_CLUSTER"),
]


def test_thirty_and_more_wrong_module_calls_fail_naming_their_option(quiet_lab, tmp_path):
    assert len(MODULE_CASES) >= 30
    connection = "{{ {'hostname': vcenter_hostname, 'port': vcenter_port | int, 'username': vcenter_username, 'password': vcenter_password," \
                 " 'ca_cert': vcenter_ca_cert} }}"
    tasks = [
        {"name": f"case {index}", f"pacific.vsphere.{module}": arguments, "ignore_errors": True, "register": f"case_{index}"}
        for index, (module, arguments, _) in enumerate(MODULE_CASES)
    ]
    tasks.append({"name": "results", "ansible.builtin.copy": {
        "dest": str(tmp_path / "results.json"),
        "content": "{{ [" + ", ".join(f"case_{index}" for index in range(len(MODULE_CASES))) + "] | to_json }}",
    }})
    play = [{"hosts": "localhost", "gather_facts": False, "module_defaults": {"group/pacific.vsphere.vsphere": connection}, "tasks": tasks}]
    playbook = tmp_path / "wrong_calls.yml"
    playbook.write_text(yaml.safe_dump(play, sort_keys=False))
    done = _playbook([str(playbook)])
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    wrong = []
    for (module, arguments, option), result in zip(MODULE_CASES, results):
        message = result.get("msg", "")
        # ansible-core 2.19 puts "(traceback unavailable)" in every failure's exception: a real one starts with Traceback.
        if not result.get("failed") or option not in message or "Traceback" in str(result.get("exception", "")) + message:
            wrong.append(f"{module} {arguments}: {result}")
    assert wrong == [], "\n".join(wrong)
