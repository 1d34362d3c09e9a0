# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The Supervisor's Kubernetes API, through the official ``kubernetes`` client.

Two ways in, as people use a Supervisor:

- vCenter credentials: ``POST https://<supervisor>/wcp/login`` with Basic
  auth answers ``{"session_id": <JWT>}``, as for the vSphere plugin for
  kubectl; the token goes as ``Authorization: Bearer`` to the API server at
  ``https://<supervisor>:6443``. A real Supervisor serves the login on 443,
  so ``login_port`` is 443 unless told otherwise. A 401 (the token lasted its
  10 hours) logs in again once.
- a kubeconfig (``kubectl vsphere login`` writes one) and a context in it.

The kinds this collection manages are fixed and known, so requests go
through ``DynamicClient.request()`` with paths built here: API discovery
would cost a round trip per API group on every run and a cache file on disk,
and ``request()`` is the one layer of the client that keeps its signature
across client versions.

Every request is retried on the allow-list of transient faults (429, 502,
503, 504 honouring Retry-After, dropped connections; every request made
here is idempotent: reads, server-side apply, delete) and every error
becomes a typed error whose one-line message names the object, the fields
(422 causes), the missing permission (403) or the conflicting field
managers (409).
"""

from __future__ import annotations

import json
import socket
import ssl
import time
import traceback
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import quote

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.session import SessionClient
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.transport import (
    DEFAULT_TIMEOUT,
    DROPPED_CONNECTION_ERRORS,
    RETRYABLE_HTTP_STATUSES,
    causes,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import (
    AlreadyExistsError,
    ApiError,
    AuthenticationError,
    ConnectionFailure,
    InvalidArgumentError,
    NotFoundError,
    ResourceBusyError,
    SessionExpired,
    TransientError,
    UnauthorizedError,
    one_line,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.retries import DEFAULT_POLICY, call_with_retries

try:
    import urllib3
    from kubernetes import client as kubernetes_client
    from kubernetes import config as kubernetes_config
    from kubernetes.client.rest import ApiException
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.dynamic import DynamicClient
except ImportError:
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR = None

# What a module needs to check before it starts (module_runner.Run.require).
KUBERNETES_LIBRARY = ("kubernetes", HAS_KUBERNETES, KUBERNETES_IMPORT_ERROR)

API_PORT = 6443
DEFAULT_LOGIN_PORT = 443
LOGIN_PATH = "/wcp/login"
DRY_RUN_ALL = "All"
APPLY_CONTENT_TYPE = "application/apply-patch+yaml"
# Roles of a vSphere Namespace, as vCenter names them, by what a request needs.
VIEW_ROLE = "Can view (VIEW)"
EDIT_ROLE = "Can edit (EDIT)"
# Causes a message lists before summarising.
CAUSES_SHOWN = 8


@dataclass(frozen=True)
class ApiResource:
    """A kind the client reads or writes: where it lives in the API and what it is called."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def api_version(self):
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace=None, name=None):
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{quote(namespace, safe='')}"
        base += f"/{self.plural}"
        return base + (f"/{quote(name, safe='')}" if name else "")


TANZU_KUBERNETES_CLUSTER = ApiResource("run.tanzu.vmware.com", "v1alpha3", "tanzukubernetesclusters", "TanzuKubernetesCluster")
CLUSTER = ApiResource("cluster.x-k8s.io", "v1beta1", "clusters", "Cluster")
TANZU_KUBERNETES_RELEASE = ApiResource("run.tanzu.vmware.com", "v1alpha3", "tanzukubernetesreleases", "TanzuKubernetesRelease", namespaced=False)
SECRET = ApiResource("", "v1", "secrets", "Secret")
NAMESPACE = ApiResource("", "v1", "namespaces", "Namespace", namespaced=False)
# v1alpha1: served by 7.0 and 8.0 Supervisors alike (power states there are spelt poweredOn / poweredOff).
VIRTUAL_MACHINE = ApiResource("vmoperator.vmware.com", "v1alpha1", "virtualmachines", "VirtualMachine")
EVENT = ApiResource("", "v1", "events", "Event")


@dataclass(frozen=True)
class SupervisorConnection:
    """Where the Supervisor is and how to log in; what the client takes instead of module parameters.

    Either ``host`` with vCenter ``username`` and ``password`` (TLS checked
    with ``validate_certs`` / ``ca_cert``, the CA of vCenter's VMCA on a real
    Supervisor), or ``kubeconfig`` (and ``context``), which carries its own
    server, credentials and CA.
    """

    host: Optional[str] = None
    username: Optional[str] = None
    password: Optional[str] = field(default=None, repr=False)
    login_port: int = DEFAULT_LOGIN_PORT
    # Always 6443 on vSphere; a field so that tests can serve the API elsewhere.
    api_port: int = API_PORT
    validate_certs: bool = True
    ca_cert: Optional[str] = None
    kubeconfig: Optional[str] = None
    context: Optional[str] = None
    # Seconds each step of an HTTP exchange may take, as for vCenter.
    timeout: float = DEFAULT_TIMEOUT

    @property
    def endpoint(self):
        """How messages name the Supervisor."""
        if self.kubeconfig:
            return f"of kubeconfig '{self.kubeconfig}'" + (f" (context '{self.context}')" if self.context else "")
        return f"{self.host}:{self.api_port}"


def _url_host(host):
    return f"[{host}]" if ":" in host else host


def _as_dict(_client, data):
    """DynamicClient serializer that keeps the decoded JSON as it is."""
    return data


class _NoDiscovery:
    """What DynamicClient gets instead of a discoverer: the paths are built here, nothing is discovered."""

    def __init__(self, client, cache_file):
        pass


class SupervisorClient(SessionClient):
    """A logged-in session with a Supervisor's Kubernetes API; use as a context manager.

    Reads return plain dicts (the objects as the API server answers them).
    ``sleep`` is injectable for tests.
    """

    def __init__(self, connection, *, retry_policy=DEFAULT_POLICY, sleep=time.sleep):
        super().__init__()
        self.connection = connection
        self._retry_policy = retry_policy
        self._sleep = sleep
        self._configuration = None
        self._api = None
        self._dynamic = None

    def open(self):
        self._configuration = self._kubeconfig_configuration() if self.connection.kubeconfig else self._login_configuration()
        # The retry policy here decides what to retry; urllib3 must not retry underneath it.
        self._configuration.retries = False
        self._api = kubernetes_client.ApiClient(self._configuration)
        self._dynamic = DynamicClient(self._api, discoverer=_NoDiscovery)
        if not self.connection.kubeconfig:
            try:
                self._log_in()
            except BaseException:
                self.close()
                raise
        return self

    def close(self):
        # /wcp/login sessions have no logout: the token expires on its own, as kubectl's does.
        if self._api is not None:
            self._api.close()
        self._api = None
        self._dynamic = None

    # -- requests ------------------------------------------------------------

    def get(self, resource, name, namespace=None):
        """The object, or None when there is none."""
        try:
            return self._request("get", resource.path(namespace, name), f"read {_describe(resource, namespace, name)}", VIEW_ROLE, namespace)
        except NotFoundError:
            return None

    def list(self, resource, namespace=None, label_selector=None, field_selector=None):
        """The objects of a kind in ``namespace`` (all namespaces when None), as a list."""
        where = f" in namespace '{namespace}'" if namespace else ""
        selectors = {name: value for name, value in (("label_selector", label_selector), ("field_selector", field_selector)) if value}
        answer = self._request("get", resource.path(namespace), f"list the {resource.kind} objects{where}", VIEW_ROLE, namespace, **selectors)
        return answer.get("items") or []

    def apply(self, resource, manifest, *, field_manager, force=False, dry_run=False):
        """Server-side apply ``manifest``; the object as the API server leaves it (or would, with ``dry_run``)."""
        metadata = manifest["metadata"]
        namespace, name = metadata.get("namespace"), metadata["name"]
        what = ("dry-run apply " if dry_run else "apply ") + _describe(resource, namespace, name)
        return self._request(
            "patch",
            resource.path(namespace, name),
            what,
            EDIT_ROLE,
            namespace,
            body=manifest,
            content_type=APPLY_CONTENT_TYPE,
            field_manager=field_manager,
            force_conflicts=force or None,
            dry_run=DRY_RUN_ALL if dry_run else None,
        )

    def delete(self, resource, name, namespace=None, *, dry_run=False):
        """Delete the object; what the API server answers (custom resources: the object, finalizers pending), None when it was gone."""
        what = ("dry-run delete " if dry_run else "delete ") + _describe(resource, namespace, name)
        try:
            return self._request("delete", resource.path(namespace, name), what, EDIT_ROLE, namespace, dry_run=DRY_RUN_ALL if dry_run else None)
        except NotFoundError:
            return None

    # -- internals -----------------------------------------------------------

    def _request(self, method, path, what, role, namespace, **params):
        def attempt():
            return self._send(method, path, what, role, namespace, params)

        def with_retries():
            return call_with_retries(attempt, self._retry_policy, sleep=self._sleep)

        return self._renewing_session(with_retries, renew_session=not self.connection.kubeconfig)

    def _send(self, method, path, what, role, namespace, params):
        context = f"Failed to {what} on Supervisor {self.connection.endpoint}"
        try:
            return self._dynamic.request(method, path, serializer=_as_dict, _request_timeout=self.connection.timeout, **params)
        except ApiException as error:
            if error.status == 0:  # the client's way of reporting a TLS failure
                raise self._transport_error(error, context) from error
            raise self._api_error(error, context, role, namespace) from error
        except urllib3.exceptions.HTTPError as error:
            raise self._transport_error(error, context) from error

    def _log_in_again(self):
        self._log_in()

    def _login_configuration(self):
        connection = self.connection
        configuration = kubernetes_client.Configuration()
        configuration.host = f"https://{_url_host(connection.host)}:{connection.api_port}"
        configuration.verify_ssl = connection.validate_certs
        if connection.validate_certs and connection.ca_cert:
            configuration.ssl_ca_cert = connection.ca_cert
        return configuration

    def _kubeconfig_configuration(self):
        configuration = kubernetes_client.Configuration()
        try:
            kubernetes_config.load_kube_config(
                config_file=self.connection.kubeconfig, context=self.connection.context, client_configuration=configuration, persist_config=False
            )
        except (ConfigException, OSError, ValueError) as error:
            raise InvalidArgumentError(
                f"kubeconfig '{self.connection.kubeconfig}' cannot be used ({one_line(error)}): point kubeconfig at a file"
                " written by 'kubectl vsphere login', and context at one of its contexts"
            ) from error
        return configuration

    def _log_in(self):
        """``POST /wcp/login`` with the vCenter credentials; keeps the token for the requests that follow."""

        def attempt():
            return self._login_once()

        token = call_with_retries(attempt, self._retry_policy, sleep=self._sleep)
        self._configuration.api_key = {"authorization": token}
        self._configuration.api_key_prefix = {"authorization": "Bearer"}
        self._session_generation += 1

    def _login_once(self):
        connection = self.connection
        url = f"https://{_url_host(connection.host)}:{connection.login_port}{LOGIN_PATH}"
        where = f"{connection.host}:{connection.login_port}"
        context = f"Failed to log in to the Supervisor at {where} as '{connection.username}'"
        headers = urllib3.make_headers(basic_auth=f"{connection.username}:{connection.password}")
        headers["Accept"] = "application/json"
        try:
            timeout = urllib3.Timeout(connect=connection.timeout, read=connection.timeout)
            response = self._api.rest_client.pool_manager.request("POST", url, headers=headers, timeout=timeout)
        except urllib3.exceptions.HTTPError as error:
            raise self._transport_error(error, context, where=where) from error
        status = response.status
        if status == 200:
            try:
                return json.loads(response.data)["session_id"]
            except (ValueError, KeyError, TypeError) as error:
                raise ApiError(f"{context}: the answer carries no session_id: is {where} a Supervisor?", status=status) from error
        body = _status_body(response.data)
        detail = _detail(body, response.data, response.reason)
        if status in RETRYABLE_HTTP_STATUSES:
            raise TransientError(
                f"{context}: HTTP {status} ({detail}): the Supervisor is busy, retry later", status=status, retry_after=_retry_after(response.headers, body)
            )
        if status == 401:
            raise AuthenticationError(
                f"{context}: the Supervisor rejected the user name or password (401): check username and password", username=connection.username
            )
        if status == 404:
            raise ConnectionFailure(
                f"{context}: {where} has no {LOGIN_PATH} (404): give the address of the Supervisor's control plane"
                " (api_server_cluster_endpoint in vCenter), whose login service listens on login_port (443 on vSphere)",
                host=connection.host,
                port=connection.login_port,
            )
        raise ApiError(f"{context}: HTTP {status} ({detail})", status=status)

    def _api_error(self, error, context, role, namespace):
        status = error.status
        body = _status_body(error.body)
        detail = _detail(body, error.body, error.reason)
        reason = body.get("reason")
        details = body.get("details") or {}
        found_causes = [cause for cause in details.get("causes") or () if isinstance(cause, dict)]
        api = dict(status=status, error_type=reason)
        if status in RETRYABLE_HTTP_STATUSES:
            return TransientError(
                f"{context}: HTTP {status} ({detail}): the Supervisor is busy, retry later", retry_after=_retry_after(error.headers, body), **api
            )
        if status == 401:
            if self.connection.kubeconfig:
                return AuthenticationError(
                    f"{context}: the credentials of the kubeconfig were refused (401): log in again with 'kubectl vsphere login'",
                    username=self.connection.username,
                )
            return SessionExpired(f"{context}: the session token is no longer valid (401): log in again", username=self.connection.username)
        if status == 403:
            scope = f"on vSphere Namespace '{namespace}'" if namespace else "on the Supervisor"
            return UnauthorizedError(
                f"{context}: permission denied (403: {detail}): give the user the {role} role {scope} in vCenter, or use another account", **api
            )
        if status == 404:
            if not details.get("name"):
                return ApiError(
                    f"{context}: the Supervisor does not serve this kind (404: {detail}): it needs vSphere 8 with"
                    " TKG 2 (run.tanzu.vmware.com/v1alpha3, cluster.x-k8s.io/v1beta1)",
                    **api,
                )
            if details.get("kind") == NAMESPACE.plural:
                return NotFoundError(
                    f"{context}: vSphere Namespace '{details['name']}' does not exist on this Supervisor: create it in vCenter first",
                    kind=NAMESPACE.kind,
                    name=details["name"],
                    **api,
                )
            return NotFoundError(f"{context}: not found (404: {detail})", kind=details.get("kind"), name=details.get("name"), **api)
        if status == 409:
            if reason == "AlreadyExists":
                return AlreadyExistsError(f"{context}: {detail}", **api)
            owned = [f"{cause.get('field')} ({cause.get('message')})" for cause in found_causes if cause.get("reason") == "FieldManagerConflict"]
            if owned:
                return ResourceBusyError(
                    f"{context}: fields set by other managers: {_listed(owned)}: leave them out, or set force_conflicts: true to take them over",
                    messages=owned,
                    **api,
                )
            return ResourceBusyError(f"{context}: {detail}: another client changed the object meanwhile: run again", **api)
        if status in (400, 422):
            fields = [f"{cause['field']}: {cause.get('message', '')}" if cause.get("field") else cause.get("message", "") for cause in found_causes]
            if fields:
                return InvalidArgumentError(f"{context}: the Supervisor refused it: {_listed(fields)}: fix these fields", messages=fields, **api)
            return InvalidArgumentError(f"{context}: the Supervisor refused it ({status}: {detail}): fix the input", **api)
        return ApiError(f"{context}: HTTP {status} ({detail})", **api)

    def _transport_error(self, error, context, where=None):
        """The error for a request that got no HTTP answer."""
        where = where or self.connection.endpoint
        chain = causes(error)

        def first(kind):
            return next((cause for cause in chain if isinstance(cause, kind)), None)

        host, port = self.connection.host, self.connection.login_port
        if any(isinstance(cause, DROPPED_CONNECTION_ERRORS) for cause in chain):
            # Every request made here may be sent again: reads, apply, delete, login.
            return TransientError(f"{context}: the connection was dropped")
        if first(ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(error):
            cause = first(ssl.SSLCertVerificationError)
            reason = (cause.verify_message if cause else None) or "certificate verify failed"
            advice = (
                f"check that ca_cert '{self.connection.ca_cert}' holds the CA that signed it"
                if self.connection.ca_cert
                else "set ca_cert to the PEM file of vCenter's CA (VMCA), which signs the Supervisor's certificate"
            )
            return ConnectionFailure(f"{context}: the TLS certificate of {where} could not be verified ({reason}): {advice}", host=host, port=port)
        if first(ssl.SSLError) or isinstance(error, ApiException):
            return ConnectionFailure(f"{context}: the TLS handshake with {where} failed ({one_line(error)}): check that it serves HTTPS", host=host, port=port)
        if first(socket.gaierror):
            return ConnectionFailure(
                f"{context}: cannot resolve the Supervisor's host name ({first(socket.gaierror).strerror}): check the address", host=host, port=port
            )
        if first(ConnectionRefusedError):
            return ConnectionFailure(f"{context}: connection to {where} refused: check the address and that the Supervisor is running", host=host, port=port)
        if first((socket.timeout, TimeoutError)) or isinstance(error, urllib3.exceptions.TimeoutError):
            return ConnectionFailure(f"{context}: connection to {where} timed out: check the address and the network path", host=host, port=port)
        return ConnectionFailure(f"{context}: {where} could not be reached ({one_line(error) or type(error).__name__})", host=host, port=port)


def _describe(resource, namespace, name):
    return f"{resource.kind} '{namespace}/{name}'" if namespace else f"{resource.kind} '{name}'"


def _status_body(raw):
    """The Kubernetes Status object of an error answer, or {} when the answer is not one."""
    try:
        body = json.loads(raw) if raw else None
    except (TypeError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def _detail(body, raw, reason):
    if body.get("message"):
        return one_line(body["message"])
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    return one_line(raw)[:200] if raw else (reason or "no details")


def _retry_after(headers, body):
    value = (headers or {}).get("Retry-After")
    if value and str(value).strip().isdigit():
        return float(value)
    seconds = (body.get("details") or {}).get("retryAfterSeconds")
    return float(seconds) if isinstance(seconds, (int, float)) else None


def _listed(items):
    shown = "; ".join(items[:CAUSES_SHOWN])
    return shown + (f"; and {len(items) - CAUSES_SHOWN} more" if len(items) > CAUSES_SHOWN else "")
