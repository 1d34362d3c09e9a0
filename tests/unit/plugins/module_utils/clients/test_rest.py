"""RestClient against a real HTTPS server on 127.0.0.1 (see conftest.py)."""

import base64
import datetime
import json

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.rest import SESSION_HEADER, RestClient, retry_after_seconds
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


def error_body(error_type, *messages):
    return {"error_type": error_type, "messages": [{"id": f"test.{i}", "default_message": text, "args": []} for i, text in enumerate(messages)]}


@pytest.fixture
def server(https_server):
    tokens = iter(["token-1", "token-2", "token-3"])
    https_server.on("POST", "/api/session", *[Response(201, next(tokens)) for _attempt in range(3)])
    https_server.on("DELETE", "/api/session", Response(204))
    return https_server


@pytest.fixture
def client(server, connection_to):
    sleeps = []
    rest = RestClient(connection_to(server.port), retry_policy=POLICY, sleep=sleeps.append)
    rest.sleeps = sleeps
    return rest


def test_logs_in_with_basic_auth_sends_the_token_and_logs_out(server, client):
    server.on("GET", "/api/vcenter/cluster", Response(200, [{"cluster": "domain-c8", "name": "C1"}]))

    with client:
        clusters = client.get("/api/vcenter/cluster", params={"names": "C1"})

    assert clusters == [{"cluster": "domain-c8", "name": "C1"}]
    login = server.calls("POST", "/api/session")[0]
    assert login["headers"]["Authorization"] == "Basic " + base64.b64encode(b"administrator@vsphere.local:VMware1!").decode()
    get = server.calls("GET", "/api/vcenter/cluster")[0]
    assert get["path"] == "/api/vcenter/cluster?names=C1"
    assert get["headers"][SESSION_HEADER] == "token-1"
    assert "Authorization" not in get["headers"]
    logout = server.calls("DELETE", "/api/session")[0]
    assert logout["headers"][SESSION_HEADER] == "token-1"


def test_sends_json_bodies_and_returns_none_for_empty_answers(server, client):
    server.on("PATCH", "/api/vcenter/namespaces/instances/ns1", Response(204))

    with client:
        assert client.patch("/api/vcenter/namespaces/instances/ns1", json={"description": "d"}) is None

    assert json.loads(server.calls("PATCH", "/api/vcenter/namespaces/instances/ns1")[0]["body"]) == {"description": "d"}


def test_expired_session_logs_in_again_once_and_retries(server, client):
    server.on("GET", "/api/vcenter/host", Response(401, error_body("UNAUTHENTICATED", "session expired")), Response(200, []))

    with client:
        assert client.get("/api/vcenter/host") == []

    tokens = [request["headers"][SESSION_HEADER] for request in server.calls("GET", "/api/vcenter/host")]
    assert tokens == ["token-1", "token-2"]
    assert len(server.calls("POST", "/api/session")) == 2


def test_a_session_rejected_again_after_login_is_reported(server, client):
    server.on("GET", "/api/vcenter/host", Response(401, error_body("UNAUTHENTICATED", "nope")))

    with pytest.raises(AuthenticationError, match=r"Failed to GET /api/vcenter/host on vCenter 127\.0\.0\.1:\d+: the session is no longer valid"):
        with client:
            client.get("/api/vcenter/host")

    assert len(server.calls("GET", "/api/vcenter/host")) == 2
    assert len(server.calls("POST", "/api/session")) == 2


def test_wrong_password_fails_the_login_without_retrying(server, client):
    server.on("POST", "/api/session", Response(401, error_body("UNAUTHENTICATED", "Authentication required.")))

    with pytest.raises(AuthenticationError) as raised:
        client.login()

    assert "Failed to log in as 'administrator@vsphere.local' on vCenter 127.0.0.1:" in str(raised.value)
    assert "check username and password" in str(raised.value)
    assert len(server.calls("POST", "/api/session")) == 1


def test_503_twice_then_success_retries_with_backoff(server, client):
    unavailable = Response(503, error_body("SERVICE_UNAVAILABLE", "busy"))
    server.on("GET", "/api/vcenter/namespace-management/clusters", unavailable, unavailable, Response(200, []))

    with client:
        assert client.get("/api/vcenter/namespace-management/clusters") == []

    assert len(server.calls("GET", "/api/vcenter/namespace-management/clusters")) == 3
    assert len(client.sleeps) == 2
    assert 0 <= client.sleeps[0] <= 0.5 and 0 <= client.sleeps[1] <= 1.0


def test_retries_are_bounded(server, client):
    server.on("GET", "/api/vcenter/host", Response(503))

    with pytest.raises(TransientError) as raised:
        with client:
            client.get("/api/vcenter/host")

    assert len(server.calls("GET", "/api/vcenter/host")) == POLICY.attempts
    assert raised.value.status == 503
    assert str(raised.value).endswith(f"(gave up after {POLICY.attempts} attempts)")


def test_429_honours_retry_after(server, client):
    server.on("GET", "/api/vcenter/host", Response(429, headers={"Retry-After": "7"}), Response(200, []))

    with client:
        client.get("/api/vcenter/host")

    assert client.sleeps == [7.0]


def test_a_retry_after_beyond_the_limit_is_not_waited_for(server, client):
    server.on("GET", "/api/vcenter/host", Response(429, headers={"Retry-After": "3600"}))

    with pytest.raises(TransientError) as raised:
        with client:
            client.get("/api/vcenter/host")

    assert client.sleeps == []
    assert raised.value.retry_after == 3600.0


def test_invalid_argument_carries_the_server_message_and_is_not_retried(server, client):
    server.on(
        "POST", "/api/vcenter/namespaces/instances", Response(400, error_body("INVALID_ARGUMENT", "Namespace name 'A_B' is invalid.", "Use DNS-1123 labels."))
    )

    with pytest.raises(InvalidArgumentError) as raised:
        with client:
            client.post("/api/vcenter/namespaces/instances", json={"namespace": "A_B"}, what="create namespace 'A_B'")

    error = raised.value
    assert error.status == 400
    assert error.error_type == "INVALID_ARGUMENT"
    assert error.messages == ["Namespace name 'A_B' is invalid.", "Use DNS-1123 labels."]
    assert str(error) == (
        f"Failed to create namespace 'A_B' on vCenter 127.0.0.1:{server.port}: INVALID_ARGUMENT: "
        "Namespace name 'A_B' is invalid.; Use DNS-1123 labels.: fix the input"
    )
    assert len(server.calls("POST", "/api/vcenter/namespaces/instances")) == 1


@pytest.mark.parametrize(
    "status, error_type, expected",
    [
        (404, "NOT_FOUND", NotFoundError),
        (400, "ALREADY_EXISTS", AlreadyExistsError),
        (403, "UNAUTHORIZED", UnauthorizedError),
        (400, "RESOURCE_BUSY", ResourceBusyError),
        (400, "CONCURRENT_CHANGE", ResourceBusyError),
        (400, "UNEXPECTED_INPUT", InvalidArgumentError),
        (500, "ERROR", ApiError),
        (404, None, NotFoundError),
    ],
)
def test_error_types_map_to_typed_errors(server, client, status, error_type, expected):
    body = error_body(error_type, "because") if error_type else None
    server.on("GET", "/api/thing", Response(status, body))

    with pytest.raises(ApiError) as raised:
        with client:
            client.get("/api/thing")

    assert raised.value.__class__ is expected
    assert raised.value.status == status


def test_dropped_connection_is_retried_for_reads(server, client):
    server.on("GET", "/api/vcenter/host", DROP, Response(200, []))

    with client:
        assert client.get("/api/vcenter/host") == []

    assert len(client.sleeps) == 1


def test_dropped_connection_is_not_retried_for_creates(server, client):
    server.on("POST", "/api/vcenter/namespaces/instances", DROP, Response(204))

    with pytest.raises(ConnectionFailure, match="the change may or may not have been made"):
        with client:
            client.post("/api/vcenter/namespaces/instances", json={"namespace": "ns1"})

    assert len(server.calls("POST", "/api/vcenter/namespaces/instances")) == 1


def test_the_vcenter_version_is_read_once_per_client(server, client):
    server.on("GET", "/api/appliance/system/version", Response(200, {"version": "8.0.3.00000", "build": "24022515"}))

    with client:
        assert [client.vcenter_version(), client.vcenter_version()] == ["8.0.3.00000", "8.0.3.00000"]

    assert len(server.calls("GET", "/api/appliance/system/version")) == 1


def test_a_create_whose_answer_was_lost_is_read_back_not_sent_twice(server, client):
    server.on("POST", "/api/vcenter/namespaces/instances", DROP)
    server.on("GET", "/api/vcenter/namespaces/instances/ns1", Response(200, {"cluster": "domain-c1"}))

    with client:
        def read_back():
            return client.get("/api/vcenter/namespaces/instances/ns1") is not None

        assert client.post("/api/vcenter/namespaces/instances", json={"namespace": "ns1"}, read_back=read_back) is None

    assert len(server.calls("POST", "/api/vcenter/namespaces/instances")) == 1


def test_a_create_that_never_arrived_is_sent_again_within_the_policy(server, client):
    server.on("POST", "/api/vcenter/namespaces/instances", DROP, DROP, Response(204))

    with client:
        assert client.post("/api/vcenter/namespaces/instances", json={"namespace": "ns1"}, read_back=lambda: False) is None

    assert len(server.calls("POST", "/api/vcenter/namespaces/instances")) == 3
    assert len(client.sleeps) == 2


def test_certificate_signed_by_another_ca_is_refused(server, connection_to, pki):
    client = RestClient(connection_to(server.port, ca_cert=pki["stranger_ca"]))

    with pytest.raises(ConnectionFailure) as raised:
        client.login()

    message = str(raised.value)
    assert message.startswith(f"The TLS certificate of vCenter 127.0.0.1:{server.port} could not be verified")
    assert pki["stranger_ca"] in message
    assert server.requests == []


@pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
def test_validate_certs_false_skips_verification(server, connection_to):
    client = RestClient(connection_to(server.port, ca_cert=None, validate_certs=False))

    with client:
        pass

    assert len(server.calls("POST", "/api/session")) == 1


def test_unreadable_ca_cert_is_an_input_error(server, connection_to, tmp_path):
    client = RestClient(connection_to(server.port, ca_cert=str(tmp_path / "missing.pem")))

    with pytest.raises(InvalidArgumentError, match="could not be loaded as PEM CA certificates"):
        client.login()


def test_refused_connection_names_host_and_port(connection_to, closed_port):
    client = RestClient(connection_to(closed_port), retry_policy=POLICY, sleep=pytest.fail)

    with pytest.raises(ConnectionFailure) as raised:
        client.login()

    assert str(raised.value) == f"Connection to vCenter 127.0.0.1:{closed_port} refused: check hostname and port, and that vCenter is running"
    assert (raised.value.host, raised.value.port) == ("127.0.0.1", closed_port)


def test_retry_after_accepts_seconds_and_http_dates():
    now = datetime.datetime(2025, 1, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)

    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("Wed, 01 Jan 2025 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_ca_cert_wins_over_requests_ca_bundle(server, connection_to, pki, monkeypatch):
    # requests lets this variable override a session-level CA bundle.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", pki["stranger_ca"])

    with RestClient(connection_to(server.port)):
        pass

    assert len(server.calls("POST", "/api/session")) == 1
