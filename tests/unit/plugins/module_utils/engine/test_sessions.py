"""One session per endpoint per run, shared across threads, all closed at the end."""

import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.connection import VCenterConnection
from ansible_collections.pacific.vsphere.plugins.module_utils.engine.sessions import Sessions

VCENTER = VCenterConnection(hostname="vc.example.com", username="administrator@vsphere.local", password="secret", ca_cert="/etc/ca.pem")


class FakeClient:
    opened = []
    closed = []
    lock = threading.Lock()

    def __init__(self, connection):
        self.connection = connection

    def open(self):
        with self.lock:
            self.opened.append(self)
        return self

    def close(self):
        self.closed.append(self)
        if getattr(self.connection, "host", None) == "broken":
            raise RuntimeError("logout failed")


def sessions():
    FakeClient.opened, FakeClient.closed = [], []
    return Sessions(VCENTER, login_port=6443, vim_factory=FakeClient, rest_factory=FakeClient, supervisor_factory=FakeClient)


def test_each_endpoint_is_logged_in_to_once_however_many_threads_ask():
    with sessions() as run, ThreadPoolExecutor(max_workers=8) as pool:
        vims = set(pool.map(lambda _: run.vim(), range(32)))
        rests = set(pool.map(lambda _: run.rest(), range(32)))
        supervisors = set(pool.map(lambda index: run.supervisor(f"10.0.0.{index % 2}"), range(32)))

    assert (len(vims), len(rests), len(supervisors)) == (1, 1, 2)
    assert len(FakeClient.opened) == 4


def test_a_supervisor_is_logged_in_to_with_the_vcenter_user_and_trust():
    with sessions() as run:
        connection = run.supervisor("10.0.0.1").connection

    assert (connection.host, connection.username, connection.password, connection.login_port, connection.ca_cert) == (
        "10.0.0.1",
        "administrator@vsphere.local",
        "secret",
        6443,
        "/etc/ca.pem",
    )


def test_every_session_is_closed_even_when_one_logout_fails():
    with sessions() as run:
        run.vim()
        run.supervisor("broken")
        run.rest()

    assert len(FakeClient.closed) == 3
    assert FakeClient.closed == list(reversed(FakeClient.opened))


def test_nothing_is_opened_that_no_resource_asked_for():
    with sessions():
        pass

    assert FakeClient.opened == []


def test_the_vim_session_of_a_resource_that_takes_a_factory_stays_open():
    with sessions() as run:
        with run.vim_session() as vim:
            assert vim is run.vim()
        assert FakeClient.closed == []
