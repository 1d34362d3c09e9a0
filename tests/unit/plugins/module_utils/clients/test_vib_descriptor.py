"""Reading a VIB's descriptor from the start of the file, over a real HTTP server."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.vib_descriptor import parse_vib_head, read_vib_descriptor
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import ApiError, InvalidArgumentError, TransientError
from ansible_collections.pacific.vsphere.plugins.module_utils.retries import RetryPolicy


def descriptor(name="spherelet", version="7.0.3-2", maintenance="true", live="false", attributes=""):
    return f"""<vib version="5.0"><type>bootbank</type><name>{name}</name><version>{version}</version><vendor>VMware</vendor>
<system-requires><maintenance-mode{attributes}>{maintenance}</maintenance-mode></system-requires>
<live-install-allowed>{live}</live-install-allowed></vib>""".encode()


def ar(*members):
    out = [b"!<arch>\n"]
    for name, data in members:
        out += [f"{name:<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(data):<10}`\n".encode(), data, b"\n" if len(data) % 2 else b""]
    return b"".join(out)


def vib(**fields):
    return ar(("descriptor.xml", descriptor(**fields)), ("sig.pkcs7", b""), ("spherelet", b"\0" * 300_000))


@pytest.mark.parametrize(
    "fields, needs_maintenance",
    [
        ({}, True),
        ({"maintenance": "false", "live": "true"}, False),
        ({"maintenance": "false", "live": "false"}, True),
        ({"attributes": ' install="false"', "live": "true"}, False),
    ],
)
def test_reads_name_version_and_maintenance_mode(fields, needs_maintenance):
    parsed = parse_vib_head("http://depot/x.vib", vib(**fields))

    assert (parsed.name, parsed.version, parsed.vendor) == ("spherelet", "7.0.3-2", "VMware")
    assert parsed.maintenance_mode_install is needs_maintenance


@pytest.mark.parametrize(
    "head, why",
    [
        (b"<html>not found</html>", "it is not an ar archive"),
        (ar(("sig.pkcs7", b"")), "its first member is 'sig.pkcs7', not descriptor.xml"),
        (ar(("descriptor.xml", b"<vib")), "descriptor.xml is not XML"),
        (ar(("descriptor.xml", b"<vib><name>x</name></vib>")), "descriptor.xml names no VIB and version"),
        (vib()[:200], "the download ended inside descriptor.xml"),
    ],
)
def test_what_is_not_a_vib_is_named(head, why):
    with pytest.raises(InvalidArgumentError) as raised:
        parse_vib_head("http://depot/x.vib", head)

    assert str(raised.value).startswith(f"vib_url 'http://depot/x.vib' is not a VIB: {why}")


@pytest.fixture
def depot():
    """An HTTP server answering each path from ``routes``: (status, body) or a list of them, in turn."""
    routes = {}
    served = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            answers = routes[self.path]
            status, body = answers.pop(0) if isinstance(answers, list) else answers
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
                served.append((self.path, len(body)))
            except (BrokenPipeError, ConnectionResetError):
                served.append((self.path, "closed early"))

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", routes
    server.shutdown()
    server.server_close()


def test_reads_only_the_start_of_the_file(depot):
    base, routes = depot
    routes["/spherelet.vib"] = (200, vib())

    parsed = read_vib_descriptor(base + "/spherelet.vib")

    assert (parsed.name, parsed.version, parsed.url) == ("spherelet", "7.0.3-2", base + "/spherelet.vib")


def test_a_missing_file_names_the_url_and_the_status(depot):
    base, routes = depot
    routes["/gone.vib"] = (404, b"no")

    with pytest.raises(ApiError, match=r"Failed to read the VIB descriptor from vib_url 'http://127\.0\.0\.1:\d+/gone\.vib': HTTP 404 Not Found"):
        read_vib_descriptor(base + "/gone.vib")


def test_a_busy_server_is_retried(depot):
    base, routes = depot
    routes["/busy.vib"] = [(503, b""), (200, vib())]
    sleeps = []

    assert read_vib_descriptor(base + "/busy.vib", retry_policy=RetryPolicy(attempts=2), sleep=sleeps.append).version == "7.0.3-2"
    assert len(sleeps) == 1


def test_retries_on_a_busy_server_are_bounded(depot):
    base, routes = depot
    routes["/busy.vib"] = (503, b"")

    with pytest.raises(TransientError, match="gave up after 2 attempts"):
        read_vib_descriptor(base + "/busy.vib", retry_policy=RetryPolicy(attempts=2), sleep=lambda _: None)
