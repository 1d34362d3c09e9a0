"""SupervisorClient against a real HTTPS server on 127.0.0.1 (see conftest.py): login, retries, typed errors."""

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.supervisor import (
    APPLY_CONTENT_TYPE,
    NAMESPACE,
    TANZU_KUBERNETES_CLUSTER,
    SupervisorClient,
    SupervisorConnection,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import (
    AlreadyExistsError,
    ApiError,
    AuthenticationError,
    ConnectionFailure,
    InvalidArgumentError,
    NotFoundError,
    ResourceBusyError,
    TransientError,
    UnauthorizedError,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.retries import RetryPolicy
from ansible_collections.pacific.vsphere.tests.unit.plugins.module_utils.clients.https_server import DROP, Response

POLICY = RetryPolicy(attempts=3, base_delay=0.5, max_delay=4.0, max_retry_after=30.0)
COLLECTION = "/apis/run.tanzu.vmware.com/v1alpha3/namespaces/ns1/tanzukubernetesclusters"
OBJECT = COLLECTION + "/tkc-1"
TKC = {"apiVersion": "run.tanzu.vmware.com/v1alpha3", "kind": "TanzuKubernetesCluster", "metadata": {"name": "tkc-1", "namespace": "ns1"}}


def status(code, reason, message, **details):
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code}
    if details:
        body["details"] = details
    return Response(code, body)


def not_found(name="tkc-1"):
    return status(
        404,
        "NotFound",
        f'tanzukubernetesclusters.run.tanzu.vmware.com "{name}" not found',
        name=name,
        group="run.tanzu.vmware.com",
        kind="tanzukubernetesclusters",
    )


@pytest.fixture
def server(https_server):
    tokens = iter(["token-1", "token-2", "token-3"])
    https_server.on("POST", "/wcp/login", *[Response(200, {"session_id": next(tokens)}) for _attempt in range(3)])
    return https_server


@pytest.fixture
def connect(server, pki):
    """Build a client of the scripted server (login and API on its port), recording its sleeps."""

    def build(**overrides):
        settings = dict(host="127.0.0.1", username="devops@vsphere.local", password="VMware1!", login_port=server.port, api_port=server.port, ca_cert=pki["ca"])
        settings.update(overrides)
        sleeps = []
        client = SupervisorClient(SupervisorConnection(**settings), retry_policy=POLICY, sleep=sleeps.append)
        client.sleeps = sleeps
        return client

    return build


def header(request, name):
    """A request header, whatever case the client wrote its name in."""
    return next(value for key, value in request["headers"].items() if key.lower() == name.lower())


def query(request):
    return parse_qs(urlsplit(request["path"]).query)


def test_logs_in_at_wcp_login_with_basic_auth_and_sends_the_token_as_bearer(server, connect):
    server.on("GET", OBJECT, Response(200, TKC))

    with connect() as client:
        assert client.get(TANZU_KUBERNETES_CLUSTER, "tkc-1", "ns1") == TKC

    login = server.calls("POST", "/wcp/login")[0]
    assert header(login, "Authorization") == "Basic " + base64.b64encode(b"devops@vsphere.local:VMware1!").decode()
    assert header(server.calls("GET", OBJECT)[0], "Authorization") == "Bearer token-1"


def test_a_missing_object_reads_as_none(server, connect):
    server.on("GET", OBJECT, not_found())

    with connect() as client:
        assert client.get(TANZU_KUBERNETES_CLUSTER, "tkc-1", "ns1") is None


def test_a_kind_the_supervisor_does_not_serve_is_an_error_not_a_missing_object(server, connect):
    server.on("GET", OBJECT, status(404, "NotFound", "the server could not find the requested resource"))

    with connect() as client, pytest.raises(ApiError) as caught:
        client.get(TANZU_KUBERNETES_CLUSTER, "tkc-1", "ns1")

    assert not isinstance(caught.value, NotFoundError)
    assert "does not serve this kind" in caught.value.message and "vSphere 8" in caught.value.message


def test_a_missing_namespace_is_named(server, connect):
    server.on("PATCH", OBJECT, status(404, "NotFound", 'namespaces "ns1" not found', name="ns1", kind="namespaces"))

    with connect() as client, pytest.raises(NotFoundError) as caught:
        client.apply(TANZU_KUBERNETES_CLUSTER, TKC, field_manager="pacific")

    assert "vSphere Namespace 'ns1' does not exist on this Supervisor: create it in vCenter first" in caught.value.message


def test_an_expired_token_logs_in_again_once_and_the_call_is_made_again(server, connect):
    server.on("GET", OBJECT, status(401, "Unauthorized", "Unauthorized"), Response(200, TKC))

    with connect() as client:
        assert client.get(TANZU_KUBERNETES_CLUSTER, "tkc-1", "ns1") == TKC

    assert [header(request, "Authorization") for request in server.calls("GET", OBJECT)] == ["Bearer token-1", "Bearer token-2"]
    assert len(server.calls("POST", "/wcp/login")) == 2


def test_a_rejected_password_fails_the_login_without_retrying(server, connect):
    server.on("POST", "/wcp/login", Response(401, {"message": "Unauthorized"}))

    with pytest.raises(AuthenticationError) as caught:
        connect().open()

    assert "rejected the user name or password" in caught.value.message
    assert len(server.calls("POST", "/wcp/login")) == 1


def test_a_host_without_wcp_login_says_which_port_to_use(server, connect):
    server.on("POST", "/wcp/login", Response(404, None))

    with pytest.raises(ConnectionFailure) as caught:
        connect().open()

    assert "has no /wcp/login (404)" in caught.value.message and "login_port" in caught.value.message


def test_503_is_retried_after_the_delay_the_server_asks_for(server, connect):
    server.on("GET", OBJECT, Response(503, {"kind": "Status", "message": "busy", "reason": "ServiceUnavailable"}, {"Retry-After": "2"}), Response(200, TKC))

    with connect() as client:
        assert client.get(TANZU_KUBERNETES_CLUSTER, "tkc-1", "ns1") == TKC
        assert client.sleeps and client.sleeps[0] >= 2


def test_a_dropped_connection_is_retried(server, connect):
    server.on("GET", OBJECT, DROP, Response(200, TKC))

    with connect() as client:
        assert client.get(TANZU_KUBERNETES_CLUSTER, "tkc-1", "ns1") == TKC

    assert len(server.calls("GET", OBJECT)) == 2


def test_transient_faults_give_up_after_the_attempts_of_the_policy(server, connect):
    server.on("GET", OBJECT, Response(503, {"message": "busy"}))

    with connect() as client, pytest.raises(TransientError) as caught:
        client.get(TANZU_KUBERNETES_CLUSTER, "tkc-1", "ns1")

    assert caught.value.attempts == 3
    assert str(caught.value).endswith("(gave up after 3 attempts)")


def test_apply_is_a_server_side_apply_with_the_field_manager_dry_run_and_force(server, connect):
    server.on("PATCH", OBJECT, Response(200, TKC))

    with connect() as client:
        client.apply(TANZU_KUBERNETES_CLUSTER, TKC, field_manager="pacific", force=True, dry_run=True)

    request = server.calls("PATCH", OBJECT)[0]
    assert header(request, "Content-Type") == APPLY_CONTENT_TYPE
    assert json.loads(request["body"]) == TKC
    assert query(request) == {"fieldManager": ["pacific"], "force": ["true"], "dryRun": ["All"]}


def test_a_plain_apply_sends_neither_force_nor_dry_run(server, connect):
    server.on("PATCH", OBJECT, Response(200, TKC))

    with connect() as client:
        client.apply(TANZU_KUBERNETES_CLUSTER, TKC, field_manager="pacific")

    assert query(server.calls("PATCH", OBJECT)[0]) == {"fieldManager": ["pacific"]}


def test_422_causes_become_one_message_naming_every_field(server, connect):
    causes = [
        {"reason": "FieldValueInvalid", "message": "Invalid value: 2: odd number needed", "field": "spec.topology.controlPlane.replicas"},
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.topology.controlPlane.vmClass"},
    ]
    server.on("PATCH", OBJECT, status(422, "Invalid", 'TanzuKubernetesCluster.run.tanzu.vmware.com "tkc-1" is invalid', causes=causes))

    with connect() as client, pytest.raises(InvalidArgumentError) as caught:
        client.apply(TANZU_KUBERNETES_CLUSTER, TKC, field_manager="pacific")

    message = caught.value.message
    assert message.startswith("Failed to apply TanzuKubernetesCluster 'ns1/tkc-1' on Supervisor 127.0.0.1:")
    assert "spec.topology.controlPlane.replicas: Invalid value: 2: odd number needed; spec.topology.controlPlane.vmClass: Required value" in message
    assert caught.value.status == 422 and len(caught.value.messages) == 2


def test_403_names_the_role_to_grant_on_the_namespace(server, connect):
    server.on(
        "PATCH",
        OBJECT,
        status(
            403,
            "Forbidden",
            'User "sso:devops@vsphere.local" cannot patch resource "tanzukubernetesclusters" in API group "run.tanzu.vmware.com" in the namespace "ns1"',
        ),
    )

    with connect() as client, pytest.raises(UnauthorizedError) as caught:
        client.apply(TANZU_KUBERNETES_CLUSTER, TKC, field_manager="pacific")

    message = caught.value.message
    assert 'cannot patch resource "tanzukubernetesclusters"' in message
    assert "give the user the Can edit (EDIT) role on vSphere Namespace 'ns1' in vCenter" in message


def test_403_on_a_read_asks_for_the_view_role(server, connect):
    server.on("GET", OBJECT, status(403, "Forbidden", "forbidden"))

    with connect() as client, pytest.raises(UnauthorizedError) as caught:
        client.get(TANZU_KUBERNETES_CLUSTER, "tkc-1", "ns1")

    assert "Can view (VIEW) role on vSphere Namespace 'ns1'" in caught.value.message


def test_409_field_conflicts_name_the_fields_and_their_manager(server, connect):
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": 'conflict with "kubectl-edit" using run.tanzu.vmware.com/v1alpha3',
            "field": ".spec.topology.controlPlane.replicas",
        }
    ]
    server.on("PATCH", OBJECT, status(409, "Conflict", "Apply failed with 1 conflict", causes=causes))

    with connect() as client, pytest.raises(ResourceBusyError) as caught:
        client.apply(TANZU_KUBERNETES_CLUSTER, TKC, field_manager="pacific")

    assert '.spec.topology.controlPlane.replicas (conflict with "kubectl-edit"' in caught.value.message
    assert "force_conflicts: true" in caught.value.message


def test_409_already_exists_is_typed(server, connect):
    server.on("PATCH", OBJECT, status(409, "AlreadyExists", "already exists"))

    with connect() as client, pytest.raises(AlreadyExistsError):
        client.apply(TANZU_KUBERNETES_CLUSTER, TKC, field_manager="pacific")


def test_list_passes_the_label_selector_and_returns_the_items(server, connect):
    server.on("GET", "/api/v1/namespaces", Response(200, {"items": [{"metadata": {"name": "ns1"}}]}))

    with connect() as client:
        assert client.list(NAMESPACE, label_selector="vSphereClusterID") == [{"metadata": {"name": "ns1"}}]

    assert query(server.calls("GET", "/api/v1/namespaces")[0]) == {"labelSelector": ["vSphereClusterID"]}


def test_delete_of_a_missing_object_is_none_and_a_dry_run_says_so(server, connect):
    server.on("DELETE", OBJECT, Response(200, TKC), not_found())

    with connect() as client:
        assert client.delete(TANZU_KUBERNETES_CLUSTER, "tkc-1", "ns1", dry_run=True) == TKC
        assert client.delete(TANZU_KUBERNETES_CLUSTER, "tkc-1", "ns1") is None

    assert [query(request) for request in server.calls("DELETE", OBJECT)] == [{"dryRun": ["All"]}, {}]


def test_an_untrusted_certificate_fails_naming_ca_cert(server, connect, pki):
    with pytest.raises(ConnectionFailure) as caught:
        connect(ca_cert=pki["stranger_ca"]).open()

    assert "could not be verified" in caught.value.message and pki["stranger_ca"] in caught.value.message
    assert server.calls("POST", "/wcp/login") == []


def test_a_refused_connection_fails_at_once(connect, closed_port):
    client = connect(login_port=closed_port)

    with pytest.raises(ConnectionFailure) as caught:
        client.open()

    assert "refused" in caught.value.message
    assert client.sleeps == []


def test_a_kubeconfig_replaces_the_login_and_its_401_is_not_renewed(server, pki, tmp_path):
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "sv", "cluster": {"server": f"https://127.0.0.1:{server.port}", "certificate-authority": pki["ca"]}}],
                "users": [{"name": "devops", "user": {"token": "from-kubeconfig"}}],
                "contexts": [{"name": "ns1", "context": {"cluster": "sv", "user": "devops", "namespace": "ns1"}}],
                "current-context": "ns1",
            }
        )
    )
    server.on("GET", OBJECT, Response(200, TKC), status(401, "Unauthorized", "Unauthorized"))

    with SupervisorClient(SupervisorConnection(kubeconfig=str(kubeconfig), context="ns1"), retry_policy=POLICY, sleep=lambda _s: None) as client:
        assert client.get(TANZU_KUBERNETES_CLUSTER, "tkc-1", "ns1") == TKC
        with pytest.raises(AuthenticationError) as caught:
            client.get(TANZU_KUBERNETES_CLUSTER, "tkc-1", "ns1")

    assert "kubectl vsphere login" in caught.value.message
    assert server.calls("POST", "/wcp/login") == []
    assert header(server.calls("GET", OBJECT)[0], "Authorization") == "Bearer from-kubeconfig"


def test_an_unreadable_kubeconfig_is_bad_input(tmp_path):
    with pytest.raises(InvalidArgumentError) as caught:
        SupervisorClient(SupervisorConnection(kubeconfig=str(tmp_path / "missing"))).open()

    assert f"kubeconfig '{tmp_path / 'missing'}' cannot be used" in caught.value.message
