"""The HTTPS front door: vCenter's endpoint as clients see it.

TLS (lab CA) is terminated here; requests are dispatched by path prefix
(`ROUTES`): vcsim's paths are relayed verbatim over a keep-alive pool, other
APIs (the vCenter REST API under /api) are answered in Python. Every request
is recorded in the request log. Injected transient faults (503, connection
reset) are applied here, before a request reaches vcsim or the REST API.
"""

import socket
import ssl
import struct
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, NamedTuple, Optional
from urllib.parse import urlsplit

from . import restapi
from .config import LOOPBACK
from .requestlog import Outcome
from .soap import EMPTY_FETCH_RESPONSE, NOT_SOAP, SOAP_CONTENT_TYPE, fetched_property, not_authenticated_fault, parse_call
from .upstream import UpstreamClosed

# Request bodies up to this size are read into memory (SOAP calls are, to be
# parsed for the log); larger ones (datastore uploads) are streamed.
MAX_BUFFERED_BODY = 1 << 20
COPY_CHUNK = 64 * 1024
MAX_LINE = 64 * 1024
HOP_BY_HOP = frozenset(
    ("connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
     "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade")
)


class IncompleteBody(Exception):
    """The client hung up before sending all of its request body."""


class Route(NamedTuple):
    prefix: str
    api: Optional[str]  # the request log's "api" field
    handle: Callable[["FrontDoorHandler"], Outcome]


def relay_soap(request):
    """/sdk: relay to vcsim, naming the SOAP call for the log and standing in for vcsim's gaps."""
    return _relay_to_vcsim(request, soap=True)


def relay_files(request):
    """vcsim's file transfer paths: relayed as they are."""
    return _relay_to_vcsim(request, soap=False)


def _relay_to_vcsim(request, soap):
    """Relay the request to vcsim and its response back, streaming large bodies."""
    body, stream_body = _read_or_stream_body(request)
    call = parse_call(body) if soap and request.command == "POST" and body else NOT_SOAP
    faults = request.server.vcenter.faults
    injected = None
    if soap:
        injected = faults.transient("vim25", call.operation, urlsplit(request.path).path)
        if injected == "reset":
            request.drop_connection()
            return Outcome(None, call)
        if injected == "503":
            return Outcome(request.reply(503, "text/plain", b"503 Service Unavailable (fault injected by the lab)\n"),
                           call)
        if faults.vim25_session_ended(request.headers.get("Cookie"), call.operation):
            # vcsim serves property reads without a session (an empty result);
            # vCenter refuses every call on an ended session but a new login.
            return Outcome(request.reply(500, SOAP_CONTENT_TYPE, not_authenticated_fault(call)), call)
    pool = request.server.upstream
    try:
        conn, response = pool.send(
            request.command, request.path, _upstream_headers(request), body, stream_body
        )
    except UpstreamClosed as error:
        if call.operation == "Fetch":
            # vcsim 0.24 panics on a Fetch of an unset property (index out of
            # range in PropertyCollector.Fetch) and Go drops the connection;
            # vCenter answers an empty FetchResponse, which pyVmomi reads as None.
            request.log_message("vcsim dropped a Fetch of %s:%s.%s (unset property; its panic is above):"
                                " answered an empty FetchResponse", call.target_type, call.target,
                                fetched_property(body))
            return Outcome(request.reply(200, SOAP_CONTENT_TYPE, EMPTY_FETCH_RESPONSE), call)
        return Outcome(_bad_gateway(request, f"vcsim closed the connection without a response: {error}"), call)
    except OSError as error:
        return Outcome(_bad_gateway(request, f"vcsim unreachable: {error}"), call)
    if soap:
        faults.saw_vim25_cookie(response.getheader("Set-Cookie"))  # for forced session expiry
    if soap and injected == "lost":
        response.read()  # vcsim did the call; its answer goes nowhere
        pool.release(conn, response)
        request.drop_connection()
        return Outcome(response.status, call)
    try:
        _relay_response(request, response)
    except BaseException:
        pool.discard(conn)  # the response was not read to its end
        raise
    pool.release(conn, response)
    return Outcome(response.status, call)


def _bad_gateway(request, message):
    request.log_error("%s", message)
    # Part of a streamed request body may still be unread: don't reuse the connection.
    request.close_connection = True
    return request.reply(502, "text/plain", message.encode() + b"\n")


def answer_not_found(request):
    request.close_connection = True  # the request body, if any, is left unread
    return Outcome(request.reply(404, "text/plain", b"Not found\n"))


ROUTES = (
    Route("/sdk", "vim25", relay_soap),
    Route("/folder", "folder", relay_files),
    Route("/nfc", "nfc", relay_files),
    Route("/guestFile", "guestFile", relay_files),
    Route("/about", "about", relay_files),
    Route("/api", "rest", restapi.handle),
)
UNROUTED = Route("", None, answer_not_found)


def route_for(path):
    for route in ROUTES:
        if path == route.prefix or path.startswith(route.prefix + "/"):
            return route
    return UNROUTED


class FrontDoorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse their TLS connections
    # Buffered (flushed after each request), so that headers and a small body
    # leave in one TLS record instead of one per write.
    wbufsize = COPY_CHUNK

    def dispatch(self):
        path = urlsplit(self.path).path
        route = route_for(path)
        outcome = route.handle(self)
        self.server.request_log.record(
            api=route.api, method=self.command, path=path, operation=outcome.call.operation,
            target=outcome.call.target, target_type=outcome.call.target_type, status=outcome.status,
        )

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = dispatch

    def read_body(self):
        """The whole request body, for routes answered here (their bodies are small)."""
        if _is_chunked(self):
            return b"".join(_dechunk(self.rfile))
        return _read_exactly(self.rfile, int(self.headers.get("Content-Length") or 0))

    def reply(self, status, content_type, body):
        """Send a complete response generated here; returns the status."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return status

    def drop_connection(self):
        """Answer nothing and reset the connection (an injected fault): the client sees ECONNRESET."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def log_request(self, code="-", size="-"):
        # Per-request lines would flood lab.log; the request log has them.
        pass


class FrontDoor(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port, pki, request_log):
        self.ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ssl_context.load_cert_chain(pki.server_cert, pki.server_key)
        self.request_log = request_log
        self.upstream = None  # the current vcsim's UpstreamPool, set by the lab (and on reset)
        self.vcenter = None  # the VcenterService (REST API, fault injection), set by the lab
        super().__init__((LOOPBACK, port), FrontDoorHandler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, in the connection's thread, so a slow or
        # failing client never blocks the accept loop.
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.ssl_context.wrap_socket(request, server_side=True) as tls:
            self.RequestHandlerClass(tls, client_address, self)

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        if isinstance(error, (ssl.SSLError, ConnectionError, TimeoutError, IncompleteBody)):
            # Clients that reject the lab CA or hang up mid-response: one line, no traceback.
            print(f"front door: {client_address[0]}:{client_address[1]}: {error!r}", file=sys.stderr)
        else:
            super().handle_error(request, client_address)


def _read_or_stream_body(request):
    """`(body, None)` for a body small enough to hold, else `(b"", iterable of raw chunks)`."""
    if _is_chunked(request):
        return b"", _relay_chunked(request.rfile)
    length = int(request.headers.get("Content-Length") or 0)
    if length <= MAX_BUFFERED_BODY:
        return _read_exactly(request.rfile, length), None
    return b"", _pieces(request.rfile, length)


def _is_chunked(request):
    return "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def _upstream_headers(request):
    dropped = HOP_BY_HOP | {t.strip().lower() for t in request.headers.get("Connection", "").split(",")}
    if _is_chunked(request):
        dropped |= {"content-length"}  # a chunked body's framing wins (RFC 9112 6.3)
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in dropped]
    if "Host" not in request.headers:  # HTTP/1.0 clients; Go rejects HTTP/1.1 without Host
        headers.append(("Host", f"{LOOPBACK}:{request.server.server_address[1]}"))
    if _is_chunked(request):
        headers.append(("Transfer-Encoding", "chunked"))  # relayed with its chunk framing
    return headers


def _relay_response(request, response):
    request.send_response_only(response.status, response.reason)
    for name, value in response.getheaders():
        if name.lower() not in HOP_BY_HOP:
            request.send_header(name, value)
    has_body = request.command != "HEAD" and response.status >= 200 and response.status not in (204, 304)
    # Go sends SOAP responses chunked (no Content-Length); http.client decodes
    # that, so re-frame for our client.
    rechunk = has_body and response.getheader("Content-Length") is None
    if rechunk and request.request_version == "HTTP/1.1":
        request.send_header("Transfer-Encoding", "chunked")
    elif rechunk:
        request.close_connection = True  # HTTP/1.0: the body ends when we close
        rechunk = False
    request.end_headers()
    if not has_body:
        return
    write = request.wfile.write
    while chunk := response.read(COPY_CHUNK):
        write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if rechunk else chunk)
    if rechunk:
        write(b"0\r\n\r\n")


def _relay_chunked(rfile):
    """Re-frame a chunked request body for vcsim, chunk by chunk (trailers are dropped)."""
    for data in _dechunk(rfile):
        yield b"%x\r\n%s\r\n" % (len(data), data)
    yield b"0\r\n\r\n"


def _dechunk(rfile):
    """Yield the data of a chunked body, consuming it up to its final empty line."""
    while True:
        size = int(rfile.readline(MAX_LINE).split(b";", 1)[0], 16)
        if size == 0:
            break
        yield from _pieces(rfile, size)
        rfile.readline(MAX_LINE)  # the CRLF closing the chunk
    while rfile.readline(MAX_LINE) not in (b"\r\n", b"\n", b""):
        pass  # trailers


def _pieces(rfile, length):
    while length > 0:
        piece = rfile.read(min(COPY_CHUNK, length))
        if not piece:
            raise IncompleteBody(f"client closed the connection with {length} body bytes missing")
        length -= len(piece)
        yield piece


def _read_exactly(rfile, length):
    return b"".join(_pieces(rfile, length))
