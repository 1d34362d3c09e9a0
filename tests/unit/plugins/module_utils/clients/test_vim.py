"""VimClient: error translation, session renewal, retries, batched reads and the task waiter.

The SOAP calls are replaced by fakes standing in for pyvmomi's bound methods;
the objects they return are real pyvmomi data objects. Connecting is tested
over real sockets against the scripted HTTPS server of conftest.py.
"""

import dataclasses
import socket
import ssl
import time
from datetime import datetime, timedelta, timezone
from http.client import HTTPException, RemoteDisconnected
from types import SimpleNamespace

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.connection import VCenterConnection
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.transport import describe_unreachable
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vim import VimClient, plain
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import (
    AlreadyExistsError,
    ApiError,
    AuthenticationError,
    ConnectionFailure,
    InvalidArgumentError,
    NotFoundError,
    ResourceBusyError,
    SessionExpired,
    TaskFailed,
    TransientError,
    UnauthorizedError,
    WaitTimeout,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.retries import RetryPolicy
from pyVmomi import vim, vmodl

CONNECTION = VCenterConnection("vc.example.com", "administrator@vsphere.local", "secret", 443, True, None)
WHERE = "on vCenter vc.example.com:443"
Collector = vmodl.query.PropertyCollector


class FakeMethod:
    """Stands in for a bound pyvmomi method: returns or raises its outcomes in order, the last one repeatedly."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.calls = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


class FakeTime:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def time_():
    return FakeTime()


@pytest.fixture
def client(time_):
    """A VimClient that believes it is logged in, with fake session manager, view manager and property collector."""
    vim_client = VimClient(CONNECTION, retry_policy=RetryPolicy(attempts=3), sleep=time_.sleep, clock=time_.clock)
    view = vim.view.ContainerView("session[1]view-1")
    view.DestroyView = FakeMethod(None)
    vim_client._content = SimpleNamespace(
        sessionManager=SimpleNamespace(Login=FakeMethod(None), Logout=FakeMethod(None)),
        viewManager=SimpleNamespace(CreateContainerView=FakeMethod(view)),
        propertyCollector=SimpleNamespace(RetrievePropertiesEx=FakeMethod(None), ContinueRetrievePropertiesEx=FakeMethod(None)),
        rootFolder=vim.Folder("group-d1"),
    )
    vim_client.view = view
    return vim_client


def content(obj, **properties):
    return Collector.ObjectContent(obj=obj, propSet=[vmodl.DynamicProperty(name=name.replace("__", "."), val=value) for name, value in properties.items()])


# -- the one call path: session renewal and retries ---------------------------------------


def test_an_expired_session_is_renewed_once_and_the_call_retried(client):
    method = FakeMethod(vim.fault.NotAuthenticated(), "result")

    assert client._call(method, what="read something") == "result"

    assert len(method.calls) == 2
    login = client._content.sessionManager.Login
    assert login.calls == [((), {"userName": "administrator@vsphere.local", "password": "secret"})]


def test_a_session_still_rejected_after_renewal_is_reported(client):
    method = FakeMethod(vim.fault.NotAuthenticated())

    with pytest.raises(SessionExpired, match=f"Failed to read something {WHERE}: the session is no longer valid"):
        client._call(method, what="read something")

    assert len(method.calls) == 2
    assert len(client._content.sessionManager.Login.calls) == 1


def test_a_renewal_done_by_another_thread_is_not_repeated(client):
    def renew_elsewhere_then_succeed():
        if not calls:
            calls.append("first")
            # Another thread logs in again while this call is in flight.
            client._session_generation += 1
            raise vim.fault.NotAuthenticated()
        return "ok"

    calls = []

    assert client._call(renew_elsewhere_then_succeed, what="read something") == "ok"
    assert client._content.sessionManager.Login.calls == []


def test_http_503_is_retried_with_backoff(client, time_):
    method = FakeMethod(HTTPException("503 Service Unavailable"), HTTPException("503 Service Unavailable"), "result")

    assert client._call(method, what="read something") == "result"

    assert len(method.calls) == 3
    assert len(time_.sleeps) == 2


def test_retries_are_bounded_and_say_so(client):
    method = FakeMethod(HTTPException("503 Service Unavailable"))

    with pytest.raises(TransientError) as raised:
        client._call(method, what="read something")

    assert len(method.calls) == 3
    assert str(raised.value) == f"Failed to read something {WHERE}: HTTP 503: vCenter is busy or restarting, retry later (gave up after 3 attempts)"


def test_a_dropped_connection_is_retried_for_reads_only(client):
    read = FakeMethod(RemoteDisconnected("Remote end closed connection"), "result")
    change = FakeMethod(ConnectionResetError(104, "Connection reset by peer"), "result")

    assert client._call(read, what="read something") == "result"
    with pytest.raises(ConnectionFailure, match="the change may or may not have been made"):
        client._call(change, what="change something", idempotent=False)

    assert len(change.calls) == 1


def test_a_lost_task_is_found_among_the_recent_tasks_but_never_one_this_client_started_before(client, monkeypatch):
    """Entering maintenance mode, then leaving it: the exit's connection drops before vCenter serves it. The enter task,
    on the same host and ended within the clock's margin of error of the exit's send, is not taken for the exit's: the
    exit is sent again (a host taken for out of maintenance mode while still in it was left there)."""
    client._content.taskManager = vim.TaskManager("TaskManager")
    now = datetime.now(timezone.utc)
    enter, exit_task, host = vim.Task("task-1"), vim.Task("task-2"), vim.HostSystem("host-1")
    recent = [content(enter, info__entity=host, info__queueTime=now, info__completeTime=now + timedelta(seconds=5))]
    monkeypatch.setattr(client, "_retrieve_contents", lambda spec, what: list(recent))

    assert client._start_task(FakeMethod(enter), "host-1", (), {}, "enter maintenance mode") is enter
    send_exit = FakeMethod(ConnectionResetError(104, "Connection reset by peer"), exit_task)
    assert client._start_task(send_exit, "host-1", (), {}, "exit maintenance mode") is exit_task
    assert len(send_exit.calls) == 2

    # A task another call of this client did not start, listed on the host since the send, is the call's.
    lost = vim.Task("task-3")
    recent.append(content(lost, info__entity=host, info__queueTime=now + timedelta(seconds=6), info__completeTime=None))
    assert client._start_task(FakeMethod(ConnectionResetError(104, "reset")), "host-1", (), {}, "enter maintenance mode")._moId == "task-3"


def test_other_http_errors_are_not_retried(client):
    method = FakeMethod(HTTPException("404 Not Found"))

    with pytest.raises(ApiError) as raised:
        client._call(method, what="read something")

    assert raised.value.status == 404
    assert len(method.calls) == 1


def test_programming_errors_are_not_translated(client):
    with pytest.raises(TypeError):
        client._call(FakeMethod(TypeError("bug")), what="read something")


@pytest.mark.parametrize(
    "fault, expected, text",
    [
        (vim.fault.InvalidLogin(), AuthenticationError, "vCenter rejected the user name or password (InvalidLogin): check username and password"),
        (
            vim.fault.NoPermission(privilegeId="Host.Config.Patch"),
            UnauthorizedError,
            "user 'administrator@vsphere.local' lacks privilege Host.Config.Patch: grant it to the user or use another account",
        ),
        (vmodl.fault.ManagedObjectNotFound(msg="host-9 is gone"), NotFoundError, "the object no longer exists (host-9 is gone): read the inventory again"),
        (vim.fault.DuplicateName(name="ns1", msg="dup"), AlreadyExistsError, "ns1 already exists (dup)"),
        (vmodl.fault.InvalidArgument(msg="bad spec"), InvalidArgumentError, "invalid argument (InvalidArgument: bad spec)"),
        (vim.fault.TaskInProgress(msg="busy"), ResourceBusyError, "another task is changing the object (busy): retry when it has finished"),
        (vim.fault.InvalidState(msg="not now"), ApiError, "InvalidState: not now"),
        (vim.fault.InvalidState(), ApiError, "InvalidState: InvalidState"),
    ],
)
def test_faults_become_typed_errors(client, fault, expected, text):
    with pytest.raises(ApiError if expected is not AuthenticationError else AuthenticationError) as raised:
        client._call(FakeMethod(fault), what="do it")

    assert raised.value.__class__ is expected
    assert str(raised.value) == f"Failed to do it {WHERE}: {text}"


def test_fault_messages_stay_on_one_line(client):
    with pytest.raises(ApiError) as raised:
        client._call(FakeMethod(vim.fault.InvalidState(msg="first line\n  second line")), what="do it")

    assert str(raised.value).endswith("InvalidState: first line second line")
    assert raised.value.error_type == "InvalidState"


# -- batched reads ---------------------------------------------------------------------------


def test_retrieve_reads_all_objects_of_a_kind_in_one_view_and_follows_pages(client):
    collector = client._content.propertyCollector
    collector.RetrievePropertiesEx = FakeMethod(
        Collector.RetrieveResult(
            objects=[content(vim.HostSystem("host-1"), name="H1", runtime__connectionState="connected", host=vim.HostSystem.Array([vim.HostSystem("host-1")]))],
            token="page-2",
        )
    )
    collector.ContinueRetrievePropertiesEx = FakeMethod(Collector.RetrieveResult(objects=[content(vim.HostSystem("host-2"), name="H2")]))

    hosts = client.retrieve("HostSystem", ["runtime.connectionState", "parent"])

    assert hosts == [
        {"moid": "host-1", "name": "H1", "runtime.connectionState": "connected", "parent": None, "host": ["host-1"]},
        {"moid": "host-2", "name": "H2", "runtime.connectionState": None, "parent": None},
    ]
    create_view = client._content.viewManager.CreateContainerView
    assert create_view.calls == [((client._content.rootFolder, [vim.HostSystem], True), {})]
    (spec,) = collector.RetrievePropertiesEx.calls[0][1]["specSet"]
    assert spec.propSet[0].pathSet == ["name", "parent", "runtime.connectionState"]
    assert collector.ContinueRetrievePropertiesEx.calls == [((), {"token": "page-2"})]
    assert len(client.view.DestroyView.calls) == 1


def test_retrieve_many_sorts_objects_by_requested_kind(client):
    client._content.propertyCollector.RetrievePropertiesEx = FakeMethod(
        Collector.RetrieveResult(
            objects=[
                content(vim.ClusterComputeResource("domain-c1"), name="C1"),
                content(vim.Datacenter("datacenter-1"), name="DC"),
                content(vim.StoragePod("group-p1"), name="pod", parent=vim.Folder("group-s1")),
            ]
        )
    )

    found = client.retrieve_many({"ClusterComputeResource": [], "Datacenter": [], "Folder": ["parent"]})

    assert found == {
        "ClusterComputeResource": [{"moid": "domain-c1", "name": "C1"}],
        "Datacenter": [{"moid": "datacenter-1", "name": "DC"}],
        "Folder": [{"moid": "group-p1", "name": "pod", "parent": "group-s1"}],
    }


def test_an_unknown_name_lists_the_known_ones(client):
    client._content.propertyCollector.RetrievePropertiesEx = FakeMethod(
        Collector.RetrieveResult(objects=[content(vim.ClusterComputeResource(f"domain-c{i}"), name=f"C{i}") for i in (2, 1)])
    )

    with pytest.raises(NotFoundError) as raised:
        client.retrieve("ClusterComputeResource", [], names=["C1", "C9"])

    assert str(raised.value) == f"Cluster 'C9' not found {WHERE} (known: C1, C2)"
    assert raised.value.known == ["C1", "C2"]


def test_known_names_are_capped_in_the_message(client):
    client._content.propertyCollector.RetrievePropertiesEx = FakeMethod(
        Collector.RetrieveResult(objects=[content(vim.HostSystem(f"host-{i}"), name=f"H{i:02d}") for i in range(25)])
    )

    with pytest.raises(NotFoundError, match=r"\(known: H00, .*, H19, \.\.\. \(5 more\)\)$"):
        client.retrieve("HostSystem", [], names=["nope"])


def test_filters_by_moid(client):
    client._content.propertyCollector.RetrievePropertiesEx = FakeMethod(
        Collector.RetrieveResult(objects=[content(vim.HostSystem(f"host-{i}"), name=f"H{i}") for i in range(3)])
    )

    assert [host["name"] for host in client.retrieve("HostSystem", [], moids=["host-2", "host-0"])] == ["H0", "H2"]
    with pytest.raises(NotFoundError, match="Host with moid host-7 not found"):
        client.retrieve("HostSystem", [], moids=["host-7"])


def test_nothing_found_is_an_empty_list(client):
    assert client.retrieve("HostSystem", ["parent"]) == []


def test_a_missing_privilege_on_a_property_is_not_read_as_unset(client):
    denied = Collector.MissingProperty(path="summary", fault=vim.fault.NoPermission(privilegeId="System.Read"))
    client._content.propertyCollector.RetrievePropertiesEx = FakeMethod(
        Collector.RetrieveResult(objects=[Collector.ObjectContent(obj=vim.HostSystem("host-1"), propSet=[], missingSet=[denied])])
    )

    with pytest.raises(UnauthorizedError, match="lacks privilege System.Read"):
        client.retrieve("HostSystem", ["summary"])


def test_the_view_is_destroyed_when_the_read_fails(client):
    client._content.propertyCollector.RetrievePropertiesEx = FakeMethod(vim.fault.InvalidState(msg="boom"))
    client.view.DestroyView = FakeMethod(HTTPException("500 Internal Server Error"))

    with pytest.raises(ApiError, match="InvalidState: boom"):
        client.retrieve("HostSystem", [])

    assert len(client.view.DestroyView.calls) == 1


def test_plain_turns_references_and_pyvmomi_scalars_into_python():
    values = plain([vim.HostSystem("host-1"), vim.HostSystem.ConnectionState.connected, True])

    assert values == ["host-1", "connected", True]
    assert [type(value) for value in values] == [str, str, bool]


# -- the task waiter -------------------------------------------------------------------------


def task_states(client, monkeypatch, *infos):
    remaining = list(infos)
    reads = []

    def read(task, what):
        reads.append(task)
        return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    monkeypatch.setattr(client, "_task_info", read)
    return reads


def test_wait_returns_the_result_polling_every_half_second_at_first(client, time_, monkeypatch):
    running = vim.TaskInfo(state="running", progress=40, entityName="H0")
    reads = task_states(client, monkeypatch, running, running, running, vim.TaskInfo(state="success", result=vim.HostSystem("host-1"), entityName="H0"))

    assert client.wait_for_task("task-1", timeout=60) == "host-1"

    assert len(reads) == 4
    assert time_.sleeps == [0.5, 0.5, 0.5]


def test_a_failed_task_raises_its_fault(client, monkeypatch):
    fault = vim.fault.InvalidState(msg="The host must be in maintenance mode.")
    task_states(client, monkeypatch, vim.TaskInfo(state="error", error=fault, entityName="DC0_C0_H0"))

    with pytest.raises(TaskFailed) as raised:
        client.wait_for_task("task-7", what="install VIB spherelet 7.0.3-2")

    error = raised.value
    assert str(error) == f"Failed to install VIB spherelet 7.0.3-2 on 'DC0_C0_H0' {WHERE}: InvalidState: The host must be in maintenance mode."
    assert (error.fault_type, error.fault_message, error.task, error.entity) == (
        "InvalidState",
        "The host must be in maintenance mode.",
        "task-7",
        "DC0_C0_H0",
    )


def test_a_timeout_reports_what_was_reached(client, time_, monkeypatch):
    task_states(client, monkeypatch, vim.TaskInfo(state="running", progress=60, entityName="H0"))

    with pytest.raises(WaitTimeout) as raised:
        client.wait_for_task("task-3", timeout=10, what="install VIB spherelet")

    assert raised.value.reached == {"state": "running", "progress": 60, "entity": "H0"}
    assert str(raised.value).startswith(f"Timed out after 10s waiting to install VIB spherelet on 'H0' {WHERE} (last state: running, 60% done)")
    assert sum(time_.sleeps) == pytest.approx(10)
    assert max(time_.sleeps) <= 5.0


# -- connecting -------------------------------------------------------------------------------


def test_a_refused_connection_names_host_and_port(connection_to, closed_port):
    with pytest.raises(ConnectionFailure) as raised:
        VimClient(connection_to(closed_port)).connect()

    assert str(raised.value) == f"Connection to vCenter 127.0.0.1:{closed_port} refused: check hostname and port, and that vCenter is running"


def test_a_certificate_from_another_ca_is_refused(https_server, connection_to, pki):
    with pytest.raises(ConnectionFailure) as raised:
        VimClient(connection_to(https_server.port, ca_cert=pki["stranger_ca"])).connect()

    assert str(raised.value).startswith(f"The TLS certificate of vCenter 127.0.0.1:{https_server.port} could not be verified (")
    assert f"check that ca_cert '{pki['stranger_ca']}' holds the CA that signed it" in str(raised.value)
    assert https_server.requests == []


def test_a_server_without_the_vsphere_api_is_named(https_server, connection_to):
    with pytest.raises(ConnectionFailure, match=r"127\.0\.0\.1:\d+ answered but does not serve the vSphere API at /sdk"):
        VimClient(connection_to(https_server.port)).connect()

    assert [request["path"] for request in https_server.requests] == ["/sdk/vimServiceVersions.xml"]


def test_a_port_that_never_answers_fails_within_the_timeout(connection_to):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections (the kernel does), never answers the TLS handshake
    try:
        connection = dataclasses.replace(connection_to(silent.getsockname()[1]), timeout=1)
        started = time.monotonic()
        with pytest.raises(ConnectionFailure, match=r"vCenter 127\.0\.0\.1:\d+ did not answer within 1s \(timeout\)"):
            VimClient(connection).connect()
        assert time.monotonic() - started < 5
    finally:
        silent.close()


def test_an_unreadable_ca_cert_is_an_input_error(connection_to, tmp_path):
    (tmp_path / "garbage.pem").write_text("not a certificate")

    with pytest.raises(InvalidArgumentError, match="ca_cert '.*garbage.pem' could not be loaded as PEM CA certificates"):
        VimClient(connection_to(1, ca_cert=str(tmp_path / "garbage.pem"))).connect()


@pytest.mark.parametrize(
    "error, message",
    [
        (socket.gaierror(-2, "Name or service not known"), "Cannot resolve the vCenter host name 'vc.example.com' (Name or service not known): check hostname"),
        (socket.timeout("timed out"), "vCenter vc.example.com:443 did not answer within 60s (timeout): check hostname, port and the network path"),
        (ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"), "The TLS handshake with vCenter vc.example.com:443 failed"),
        (OSError(113, "No route to host"), "Could not reach vCenter vc.example.com:443 ([Errno 113] No route to host): check hostname and port"),
    ],
)
def test_unreachable_messages(error, message):
    assert str(describe_unreachable(error, CONNECTION)).startswith(message)
