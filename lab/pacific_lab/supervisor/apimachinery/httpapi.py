"""The Kubernetes REST API over HTTPS: paths, verbs, query options, Status bodies, watch streams.

    /version /healthz /livez /readyz                       public
    /api  /api/v1  /apis  /apis/<g>  /apis/<g>/<v>           discovery
    /api/v1/[namespaces/<ns>/]<plural>[/<name>[/<sub>]]      core objects
    /apis/<g>/<v>/[namespaces/<ns>/]<plural>[/<name>[/<sub>]]

    /openapi/v2  /openapi/v3  /openapi/v3/<api|apis/...>        OpenAPI (openapi.py)

Authentication, authorization, extra routes (the Supervisor's /wcp/login)
and the request log are hooks of `ApiEndpoint`, so this module knows nothing
about vSphere. A get or list answers a Table when the Accept header asks for
one (tables.py); the self-review kinds are answered, not stored (reviews.py).
"""

import json
import logging
import re
import socket
import ssl
import struct
import sys
import threading
import uuid
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Optional
from urllib.parse import parse_qs, urlsplit

import yaml

from . import errors, protobuf, protobuf_kinds, reviews, scale, tables
from .openapi import OpenApi
from .registry import APPLY_PATCH, BOOKMARK_SECONDS, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, ListOptions, WriteOptions
from .resources import Target

log = logging.getLogger("pacific_lab.supervisor.http")

PUBLIC_PATHS = ("/version", "/healthz", "/livez", "/readyz")
PROTOBUF_V2 = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"  # what client-go asks /openapi/v2 for
PROTOBUF_V2_CONTENT_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"  # what the API server answers
MAX_BODY = 3 * 1024 * 1024  # the API server's request size limit
DEFAULT_WATCH_SECONDS = 1800


def version_info(git_version):
    """What /version answers for an API server of `git_version` (v1.26.13+vmware.wcp.1)."""
    major, minor = re.match(r"v(\d+)\.(\d+)", git_version).groups()
    return {"major": major, "minor": minor, "gitVersion": git_version,
            "gitCommit": "4f1e5d7a1d8b0c7e8f2a5b6c9d0e1f2a3b4c5d6e", "gitTreeState": "clean",
            "buildDate": "2024-03-14T00:00:00Z", "goVersion": "go1.21.8", "compiler": "gc", "platform": "linux/amd64"}


@dataclass
class ApiEndpoint:
    """One API server: its registry and the hooks that make it a particular one."""

    registry: object
    version_info: dict
    authenticate: Callable  # (handler) -> Caller or None
    authorize: Callable  # (caller, Target) -> None, raises ApiError
    record: Optional[Callable] = None  # (**request log entry)
    extra_routes: Optional[dict] = None  # path -> (operation, callable(handler) -> (code, body dict))
    # Fault injection: (operation, path) -> "503", "reset" (drop the connection) or None (serve it).
    fault: Optional[Callable] = None
    bookmark_seconds: Callable = lambda: BOOKMARK_SECONDS  # between the bookmarks of a watch that asks for them
    # False: a server of the extra routes only (a Supervisor's login service on 443); any other path is 404.
    kubernetes: bool = True
    api: str = "k8s"  # what the request log calls this API server's requests


class DropConnection(Exception):
    """An injected fault: close the connection without answering."""


class KubernetesApiServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address, certificate, key, endpoint, client_ca=None):
        self.endpoint = endpoint
        self.ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ssl_context.load_cert_chain(certificate, key)
        if client_ca is not None:  # client certificates of that CA are asked for; `authenticate` reads them
            self.ssl_context.load_verify_locations(client_ca)
            self.ssl_context.verify_mode = ssl.CERT_OPTIONAL
        self.openapi = OpenApi(endpoint.registry.scheme, endpoint.version_info.get("gitVersion", ""))
        self.stopping = threading.Event()  # ends open watches
        # Open connections, ended with the server: an API server that goes away (a disabled Supervisor)
        # leaves no keep-alive connection served by its old self.
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, ApiRequestHandler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the connection's thread, not the accept loop.
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # Wrapping takes the socket's descriptor over: the TLS socket is the connection from then on.
        with self.ssl_context.wrap_socket(request, server_side=True) as tls:
            with self._connections_lock:
                self._connections.add(tls)
            try:
                self.RequestHandlerClass(tls, client_address, self)
            finally:
                with self._connections_lock:
                    self._connections.discard(tls)

    def server_close(self):
        super().server_close()
        with self._connections_lock:
            open_connections = list(self._connections)
        for connection in open_connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by its client

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        if isinstance(error, (ssl.SSLError, ConnectionError, TimeoutError)):
            log.info("%s:%s: %r", client_address[0], client_address[1], error)
        else:
            super().handle_error(request, client_address)

    def shutdown(self):
        self.stopping.set()
        super().shutdown()


class ApiRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 64 * 1024

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def log_request(self, code="-", size="-"):
        pass  # the lab's request log records every request

    # ---- plumbing ----------------------------------------------------------------------

    def _dispatch(self):
        parts = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.route_path = parts.path.rstrip("/") or "/"
        endpoint = self.server.endpoint
        operation, target = None, None
        self.sent_status = None
        self.answer_lost = False
        self.dry_run = False  # a write with dryRun=All: recorded as such, it changes nothing
        try:
            # Read first: whatever the answer, the connection stays in step for the next request.
            self.body = self._read_body()
            extra = (endpoint.extra_routes or {}).get(self.route_path)
            if extra is not None:
                operation, route = extra
                self._inject_fault(operation)
                self._send_json(*route(self))
            elif not endpoint.kubernetes:
                raise errors.path_not_found()
            elif self.route_path in PUBLIC_PATHS:
                operation = "version" if self.route_path == "/version" else "health"
                if self.route_path == "/version":
                    self._send_json(200, endpoint.version_info)
                else:
                    self._send_text(200, "ok")
            else:
                self.caller = endpoint.authenticate(self)
                if self.caller is None:
                    raise errors.unauthorized()
                discovery = self._discovery()
                if discovery is not None:
                    operation = "discovery"
                    self._inject_fault(operation)
                    self._send_json(200, discovery)
                elif self.route_path == "/openapi" or self.route_path.startswith("/openapi/"):
                    operation = "openapi"
                    self._inject_fault(operation)
                    self._openapi()
                else:
                    target = self._target()
                    operation = target.verb
                    self._inject_fault(operation)
                    if not reviews.is_review(target.resource):  # every authenticated user may ask about itself
                        endpoint.authorize(self.caller, target)
                    self._serve(target)
        except DropConnection:
            self.close_connection = True
        except errors.ApiError as error:
            self.close_connection = self.close_connection or error.code >= 500
            self._send_json(error.code, error.status(), retry_after=error.retry_after)
        except Exception as error:  # a lab bug must show as a 500 with its traceback in the log, not a hang
            log.exception("%s %s failed", self.command, self.path)
            self.close_connection = True
            failure = errors.internal_error(f"{type(error).__name__}: {error}")
            self._send_json(failure.code, failure.status())
        finally:
            if endpoint.record is not None:
                endpoint.record(api=endpoint.api, method=self.command, path=self.route_path, operation=operation,
                                target=target.describe() if target else None,
                                target_type=target.resource.kind if target else None, status=self.sent_status,
                                dry_run=self.dry_run)

    def _inject_fault(self, operation):
        fault = self.server.endpoint.fault
        answer = fault(operation, self.route_path) if fault is not None else None
        if answer == "503":
            raise errors.service_unavailable("the server is currently unable to handle the request")
        if answer == "reset":
            raise DropConnection()
        self.answer_lost = answer == "lost"

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            pieces = []
            while True:
                size = int(self.rfile.readline(1024).split(b";", 1)[0], 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                pieces.append(self.rfile.read(size))
                self.rfile.readline(1024)
            return b"".join(pieces)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            raise errors.ApiError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728")
        return self.rfile.read(length) if length else b""

    def _lose_answer(self, code):
        """An injected "lost" fault: the request was served, its answer is not sent (the connection is reset)."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.sent_status = code

    def _send_json(self, code, body, warnings=(), retry_after=None):
        if self.answer_lost:
            return self._lose_answer(code)
        payload = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", str(uuid.uuid4()))
        for warning in warnings:
            self.send_header("Warning", f'299 - "{warning}"'.replace("\n", " "))
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            # Said, so that a client does not send its next request on a connection closed after this answer.
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.sent_status = code

    def _send_text(self, code, text):
        self._send_bytes(code, text.encode(), "text/plain; charset=utf-8")

    def _send_bytes(self, code, payload, content_type):
        if self.answer_lost:
            return self._lose_answer(code)
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.sent_status = code

    # ---- discovery ---------------------------------------------------------------------

    def _discovery(self):
        if self.command != "GET":
            return None
        scheme = self.server.endpoint.registry.scheme
        segments = self.route_path.strip("/").split("/")
        host, port = self.server.server_address[:2]
        if segments == ["api"]:
            return {"kind": "APIVersions", "versions": scheme.core_versions(),
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": f"{host}:{port}"}]}
        if len(segments) == 2 and segments[0] == "api":
            return self._found(scheme.api_resource_list("", segments[1]))
        if segments == ["apis"]:
            return scheme.api_group_list()
        if len(segments) == 2 and segments[0] == "apis":
            group = scheme.api_group(segments[1])
            return self._found({"kind": "APIGroup", "apiVersion": "v1", **group} if group else None)
        if len(segments) == 3 and segments[0] == "apis":
            return self._found(scheme.api_resource_list(segments[1], segments[2]))
        return None

    def _found(self, document):
        if document is None:
            raise errors.path_not_found()
        return document

    def _openapi(self):
        if self.command not in ("GET", "HEAD"):
            raise errors.method_not_allowed()
        openapi = self.server.openapi
        if self.route_path == "/openapi/v2":
            if PROTOBUF_V2 in self.headers.get("Accept", ""):
                return self._send_bytes(200, openapi.v2_protobuf(), PROTOBUF_V2_CONTENT_TYPE)
            return self._send_json(200, openapi.v2())
        if self.route_path == "/openapi/v3":
            return self._send_json(200, openapi.v3_index())
        document = openapi.v3(self.route_path.removeprefix("/openapi/v3/")) if self.route_path.startswith("/openapi/v3/") else None
        self._send_json(200, self._found(document))

    # ---- resources ---------------------------------------------------------------------

    def _target(self):
        segments = self.route_path.strip("/").split("/")
        if segments[0] == "api" and len(segments) >= 3:
            group, version, rest = "", segments[1], segments[2:]
        elif segments[0] == "apis" and len(segments) >= 4:
            group, version, rest = segments[1], segments[2], segments[3:]
        else:
            raise errors.path_not_found()
        namespace = ""
        if rest[0] == "namespaces" and len(rest) >= 3 and rest[2] not in ("status", "finalize"):
            namespace, rest = rest[1], rest[2:]
        plural, name, subresource = (rest + ["", ""])[:3]
        resource = self.server.endpoint.registry.scheme.lookup(group, version, plural)
        if resource is None or len(rest) > 3 or (namespace and not resource.namespaced) \
                or (subresource and subresource not in resource.subresources) \
                or (resource.namespaced and name and not namespace):
            raise errors.path_not_found()
        return Target(self._verb(name, subresource), resource, namespace, name, subresource)

    def _verb(self, name, subresource):
        method = self.command
        if method in ("GET", "HEAD"):
            if name:
                return "get"
            return "watch" if _flag(self.query.get("watch")) else "list"
        if method == "POST" and not name:
            return "create"
        if method == "PUT" and name:
            return "update"
        if method == "PATCH" and name:
            return "apply" if self._content_type() == APPLY_PATCH else "patch"
        if method == "DELETE":
            return "delete" if name else "deletecollection"
        raise errors.method_not_allowed()

    def _content_type(self):
        return self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()

    def _write_options(self, delete_options=None):
        delete_options = delete_options or {}
        dry_run = self.query.get("dryRun") or ",".join(delete_options.get("dryRun") or [])
        if dry_run not in ("", "All"):
            raise errors.bad_request(f'Invalid dryRun value "{dry_run}": only "All" is supported')
        self.dry_run = dry_run == "All"
        validation = self.query.get("fieldValidation") or "Warn"
        if validation not in ("Ignore", "Warn", "Strict"):
            raise errors.bad_request(f"fieldValidation must be Ignore, Warn or Strict, not {validation!r}")
        policy = self.query.get("propagationPolicy") or delete_options.get("propagationPolicy")
        orphan = self.query.get("orphanDependents") or delete_options.get("orphanDependents")
        if policy is None and (orphan is True or _flag(orphan)):
            policy = "Orphan"
        if policy not in (None, "Background", "Foreground", "Orphan"):
            raise errors.bad_request(f"propagationPolicy must be Background, Foreground or Orphan, not {policy!r}")
        return WriteOptions(dry_run=dry_run == "All", field_manager=self.query.get("fieldManager"),
                            force=_flag(self.query.get("force")), field_validation=validation,
                            propagation_policy=policy, preconditions=delete_options.get("preconditions") or {})

    def _list_options(self):
        try:
            limit = int(self.query.get("limit") or 0)
        except ValueError as error:
            raise errors.bad_request(f"limit must be an integer: {error}") from error
        return ListOptions(label_selector=self.query.get("labelSelector", ""),
                           field_selector=self.query.get("fieldSelector", ""), limit=limit,
                           continue_token=self.query.get("continue", ""),
                           resource_version=self.query.get("resourceVersion", ""),
                           resource_version_match=self.query.get("resourceVersionMatch", ""))

    def _decode(self, raw, content_type):
        if not raw:
            raise errors.bad_request("the request body is empty")
        if content_type == protobuf.KUBERNETES_PROTOBUF:
            return protobuf_kinds.decode_object(raw)
        try:
            if content_type in (APPLY_PATCH, "application/yaml"):
                return yaml.safe_load(raw)
            return json.loads(raw)
        except (ValueError, yaml.YAMLError) as error:
            raise errors.bad_request(f"couldn't decode the request body: {error}") from error

    def _serve(self, target):
        registry = self.server.endpoint.registry
        resource, namespace, name = target.resource, target.namespace, target.name
        raw = self.body
        if target.subresource == "scale":
            return self._scale(target)
        if target.verb == "get":
            return self._send_json(200, self._as_asked(resource, registry.get(resource, namespace, name)))
        if target.verb == "list":
            return self._send_json(200, self._as_asked(resource, registry.list(resource, namespace or None, self._list_options())))
        if target.verb == "watch":
            return self._watch(target)
        content_type = self._content_type() or "application/json"
        if reviews.is_review(resource):
            if target.verb != "create":
                raise errors.method_not_allowed()
            return self._send_json(201, reviews.answer(resource, self._decode(raw, content_type), self.caller, registry.scheme,
                                                       self._allowed))
        if target.verb in ("create", "update"):
            # custom resources have no protobuf form; of the built-in kinds, the lab reads those its users create so
            accepted = ["application/json", "application/yaml"]
            if not resource.custom and resource.kind in protobuf_kinds.KINDS:
                accepted.append(protobuf.KUBERNETES_PROTOBUF)
            if content_type not in accepted:
                raise errors.unsupported_media_type(accepted)
        if target.verb == "create":
            outcome = registry.create(resource, namespace, self._decode(raw, content_type), self.caller,
                                      self._write_options())
        elif target.verb == "update":
            outcome = registry.update(resource, namespace, name, self._decode(raw, content_type), self.caller,
                                      self._write_options(), target.subresource or None)
        elif target.verb in ("patch", "apply"):
            outcome = registry.patch(resource, namespace, name, content_type, self._decode(raw, content_type),
                                     self.caller, self._write_options(), target.subresource or None)
        else:
            delete_options = self._decode(raw, "application/json") if raw.strip() else {}
            if not isinstance(delete_options, dict):
                raise errors.bad_request("DeleteOptions must be an object")
            if target.verb == "delete":
                outcome = registry.delete(resource, namespace, name, self.caller, self._write_options(delete_options))
            else:
                outcome = registry.delete_collection(resource, namespace or None, self.caller,
                                                     self._write_options(delete_options), self._list_options())
        self._send_json(outcome.code, outcome.body, outcome.warnings)

    def _scale(self, target):
        registry, resource, namespace, name = self.server.endpoint.registry, target.resource, target.namespace, target.name
        if target.verb == "get":
            return self._send_json(200, scale.get(registry, resource, namespace, name))
        content_type = self._content_type() or "application/json"
        if target.verb == "update":
            code, body, warnings = scale.update(registry, resource, namespace, name, self._decode(self.body, content_type),
                                                self.caller, self._write_options())
        elif target.verb == "patch":
            code, body, warnings = scale.patch_scale(registry, resource, namespace, name, content_type,
                                                     self._decode(self.body, content_type), self.caller, self._write_options())
        else:
            raise errors.unsupported_media_type([JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH])
        self._send_json(code, body, warnings)

    def _allowed(self, target):
        """Whether the caller may do `target` (a request asked about, not made), as the authorizer says."""
        try:
            self.server.endpoint.authorize(self.caller, target)
        except errors.ApiError:
            return False
        return True

    def _as_asked(self, resource, found):
        """`found` as the Accept header asks: a Table (kubectl get) or the object / list itself."""
        version = tables.wanted_table_version(self.headers.get("Accept"))
        if version is None:
            return found
        return tables.table(resource, found, version, self.query.get("includeObject") or "Metadata")

    def _watch(self, target):
        registry = self.server.endpoint.registry
        try:
            timeout = float(self.query.get("timeoutSeconds") or DEFAULT_WATCH_SECONDS)
        except ValueError as error:
            raise errors.bad_request(f"timeoutSeconds must be a number: {error}") from error
        since = self.query.get("resourceVersion", "")
        if since and not since.isdigit():
            raise errors.bad_request(f"invalid resourceVersion {since!r}")
        options = self._list_options()
        # Bad selectors fail before the 200 (the list is of the latest: a watch from an old version is not a list).
        registry.list(target.resource, target.namespace or None, replace(options, resource_version="", resource_version_match=""))
        events = registry.watch(target.resource, target.namespace or None, options, since, self.server.stopping,
                                timeout, bookmarks=_flag(self.query.get("allowWatchBookmarks")),
                                bookmark_seconds=self.server.endpoint.bookmark_seconds())
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.sent_status = 200
        self.wfile.flush()
        try:
            for event in events:
                self._send_chunk(event)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (ConnectionError, ssl.SSLError):
            self.close_connection = True  # the client stopped watching: the normal end of most watches

    def _send_chunk(self, event):
        data = json.dumps(event).encode() + b"\n"
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()


def _flag(value):
    """A boolean query parameter, read as Go's strconv.ParseBool reads it."""
    return value in ("1", "t", "T", "true", "TRUE", "True")
