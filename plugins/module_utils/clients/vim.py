# Copyright: (c) 2025, pacific.vsphere contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""vSphere SOAP (vim25) client over pyvmomi.

The only code that talks vim25. Every SOAP call goes through ``_call()``, which
turns pyvmomi faults and socket errors into the typed errors of
``module_utils.errors``, retries transient failures and logs in again once
when the session expired.

Properties are read only through ``retrieve()`` / ``retrieve_many()`` with
explicit property paths, never through pyvmomi's lazy attribute access
(``host.summary.config``): that costs one round trip per attribute, and
simulators answer it badly for unset properties.
"""

from __future__ import annotations

import threading
import time
import traceback
from datetime import datetime, timedelta, timezone
from http.client import HTTPException, HTTPSConnection, RemoteDisconnected
from xml.etree import ElementTree

from ansible_collections.pacific.vsphere.plugins.module_utils.clients.session import SessionClient
from ansible_collections.pacific.vsphere.plugins.module_utils.clients.transport import (
    DROPPED_CONNECTION_ERRORS,
    RETRYABLE_HTTP_STATUSES,
    describe_unreachable,
    ssl_context,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import (
    AlreadyExistsError,
    AmbiguousOutcome,
    ApiError,
    AuthenticationError,
    ConnectionFailure,
    InvalidArgumentError,
    NotFoundError,
    PacificError,
    ResourceBusyError,
    SessionExpired,
    TaskFailed,
    TransientError,
    UnauthorizedError,
    WaitTimeout,
    one_line,
)
from ansible_collections.pacific.vsphere.plugins.module_utils.retries import DEFAULT_POLICY, call_with_retries
from ansible_collections.pacific.vsphere.plugins.module_utils.waiter import wait_until

try:
    from pyVmomi import SoapStubAdapter, VmomiSupport, vim, vmodl
except ImportError:
    HAS_PYVMOMI = False
    PYVMOMI_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_PYVMOMI = True
    PYVMOMI_IMPORT_ERROR = None

# What a module needs to check before it starts (module_runner.Run.require).
PYVMOMI_LIBRARY = ("pyvmomi", HAS_PYVMOMI, PYVMOMI_IMPORT_ERROR)

# Connections kept open to vCenter: as many as the largest thread pool that
# shares a client, so parallel calls do not reconnect.
CONNECTION_POOL_SIZE = 8
# Names shown for object kinds in messages; other kinds appear as their vSphere type name.
_KIND_LABELS = {
    "ClusterComputeResource": "cluster",
    "Datacenter": "datacenter",
    "Folder": "folder",
    "HostSystem": "host",
    "VirtualMachine": "virtual machine",
}
# Where vCenter lists the vim25 versions it serves (vSphere Web Services SDK Programming Guide, "vimServiceVersions.xml").
VERSIONS_PATH = "/sdk/vimServiceVersions.xml"
# A task queued up to this long before a call was sent (by the server's clock
# as this client reckons it) may still be the call's.
TASK_CLOCK_MARGIN = timedelta(seconds=0.2)
# How many known names a NotFoundError message lists before summarising.
_KNOWN_NAMES_SHOWN = 20


def fault_name(fault):
    """The vSphere name of a pyvmomi fault (``InvalidLogin``), as vSphere documents it."""
    return getattr(fault, "_wsdlName", type(fault).__name__)


def fault_text(fault):
    """The human message of a pyvmomi fault; vcsim and some faults leave ``msg`` empty."""
    if getattr(fault, "msg", None):
        return one_line(fault.msg)
    messages = [one_line(m.message) for m in getattr(fault, "faultMessage", None) or () if getattr(m, "message", None)]
    return "; ".join(messages) or fault_name(fault)


def plain(value):
    """Managed object references become moid strings and pyvmomi scalars plain Python; data objects stay."""
    if HAS_PYVMOMI and isinstance(value, VmomiSupport.ManagedObject):
        return value._moId
    if isinstance(value, bool):
        return bool(value)
    # pyvmomi enums and PropertyPath are str subclasses, its 'long' an int
    # subclass; results must be plain types to be returned by a module.
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def select(records, kind, *, names=None, moids=None, where=""):
    """Keep the records whose name is in ``names`` or moid in ``moids``; NotFoundError lists what exists."""
    label = _KIND_LABELS.get(kind, kind)
    if names is not None:
        known = sorted({record["name"] for record in records})
        missing = [name for name in names if name not in known]
        if missing:
            shown = ", ".join(known[:_KNOWN_NAMES_SHOWN]) or "none"
            if len(known) > _KNOWN_NAMES_SHOWN:
                shown += f", ... ({len(known) - _KNOWN_NAMES_SHOWN} more)"
            quoted = ", ".join(f"'{name}'" for name in missing)
            raise NotFoundError(
                f"{label[:1].upper()}{label[1:]} {quoted} not found{where} (known: {shown})",
                kind=kind,
                name=missing[0],
                known=known,
                error_type="NOT_FOUND",
            )
        wanted = set(names)
        records = [record for record in records if record["name"] in wanted]
    if moids is not None:
        present = {record["moid"] for record in records}
        missing = [moid for moid in moids if moid not in present]
        if missing:
            raise NotFoundError(
                f"{label[:1].upper()}{label[1:]} with moid {', '.join(missing)} not found{where}: it may have been removed meanwhile, read the inventory again",
                kind=kind,
                name=missing[0],
                error_type="NOT_FOUND",
            )
        wanted = set(moids)
        records = [record for record in records if record["moid"] in wanted]
    return records


class VimClient(SessionClient):
    """A logged-in vim25 session to one vCenter; use as a context manager.

    Thread-safe for concurrent calls: pyvmomi's stub keeps a connection pool,
    and session renewal is serialised so parallel callers log in again once.
    ``sleep`` and ``clock`` are injectable for tests.
    """

    def __init__(self, connection, *, retry_policy=DEFAULT_POLICY, sleep=time.sleep, clock=time.monotonic):
        super().__init__()
        self.connection = connection
        self._retry_policy = retry_policy
        self._sleep = sleep
        self._clock = clock
        self._stub = None
        self._content = None
        self._where = f" on vCenter {connection.endpoint}"
        self._server_clock_offset = timedelta(0)
        # The tasks this client started: never taken for the task of a later call whose answer was lost.
        self._own_tasks = set()
        self._own_tasks_lock = threading.Lock()

    def open(self):
        return self.connect()

    def connect(self):
        """Negotiate the API version, read the service content and log in."""
        context = ssl_context(self.connection)
        version = call_with_retries(lambda: self._negotiated_version(context), self._retry_policy, sleep=self._sleep)
        self._stub = SoapStubAdapter(
            host=self.connection.hostname,
            port=self.connection.port,
            path="/sdk",
            version=version,
            sslContext=context,
            httpConnectionTimeout=self.connection.timeout,
            poolSize=CONNECTION_POOL_SIZE,
        )
        service_instance = vim.ServiceInstance("ServiceInstance", self._stub)
        try:
            self._content = self._call(service_instance.RetrieveContent, what="read the service content", renew_session=False)
            self._login()
        except BaseException:
            # No session to log out of: just do not leave sockets behind.
            self._stub.DropConnections()
            self._stub = None
            raise
        return self

    def close(self):
        """Log out and drop the connections."""
        if self._stub is None:
            return
        try:
            self._call(self._content.sessionManager.Logout, what="log out", renew_session=False)
        except SessionExpired:
            pass  # The server already ended the session: what logging out is for.
        finally:
            self._stub.DropConnections()
            self._stub = None

    def managed_object(self, kind, moid):
        """A reference to ``moid`` bound to this session, for calling its methods."""
        return _vim_type(kind)(moid, self._stub)

    def data_object(self, kind, **fields):
        """A vim25 data object (``VirtualMachineConfigSpec``) to pass to ``call()``; nested ones are built the same way."""
        return _vim_type(kind)(**fields)

    def managed_type(self, kind):
        """The pyvmomi type of ``kind`` (``HostSystem``), for arguments that take a type."""
        return _vim_type(kind)

    def service_moid(self, manager):
        """The moid of a manager of the service content (``customFieldsManager``), for ``call()``."""
        return getattr(self._content, manager)._moId

    def call(self, kind, moid, method, *args, what=None, idempotent=True, task_entity=None, **kwargs):
        """Call ``method`` of the managed object ``kind``/``moid`` and return its result as plain values.

        ``idempotent=False`` for calls that change something: then a connection
        dropped after the request was sent is not simply retried, since the
        server may have acted on it. A task method (``*_Task``) is looked for
        among vCenter's recent tasks first (``_start_task``), by the moid of the
        entity the task is about: ``task_entity``, or ``moid`` (a host's patch
        manager is no entity: its tasks are the host's); any other such call
        raises AmbiguousOutcome.
        """
        bound = getattr(self.managed_object(kind, moid), method)
        what = what or f"call {method} on {_KIND_LABELS.get(kind, kind)} {moid}"
        if not idempotent and method.endswith("_Task"):
            return plain(self._start_task(bound, task_entity or moid, args, kwargs, what))
        return plain(self._call(bound, *args, what=what, idempotent=idempotent, **kwargs))

    def retrieve(self, kind, properties, *, names=None, moids=None):
        """Read ``properties`` of every ``kind`` object of the inventory in one round trip.

        Returns ``[{"moid", "name", <property path>: value}]``; a property the
        server left unset is ``None``. ``names`` / ``moids`` filter client-side
        and raise NotFoundError, listing the known names, when one is missing.
        """
        names_by_kind = None if names is None else {kind: names}
        moids_by_kind = None if moids is None else {kind: moids}
        return self.retrieve_many({kind: properties}, names=names_by_kind, moids=moids_by_kind)[kind]

    def retrieve_many(self, properties_by_kind, *, names=None, moids=None):
        """Like ``retrieve()`` for several kinds at once, sharing one container view and one retrieval.

        ``names`` / ``moids`` map a kind to the names / moids to keep of it.
        Returns ``{kind: [records]}``.
        """
        types = {kind: _vim_type(kind) for kind in properties_by_kind}
        labels = ", ".join(_KIND_LABELS.get(kind, kind) for kind in properties_by_kind)
        what = f"read {labels} properties"
        view = self._call(self._content.viewManager.CreateContainerView, self._content.rootFolder, list(types.values()), True, what="create a view for " + what)
        collector = vmodl.query.PropertyCollector
        object_spec = collector.ObjectSpec(
            obj=view,
            skip=True,
            selectSet=[collector.TraversalSpec(name="view", type=vim.view.ContainerView, path="view", skip=False)],
        )
        property_specs = [collector.PropertySpec(type=types[kind], pathSet=sorted({"name", *properties})) for kind, properties in properties_by_kind.items()]
        try:
            contents = self._retrieve_contents(collector.FilterSpec(objectSet=[object_spec], propSet=property_specs), what)
        except BaseException:
            self._destroy_view_after_error(view)
            raise
        try:
            self._call(view.DestroyView, what="destroy the view for " + what)
        except NotFoundError:
            pass  # a DestroyView whose answer was lost, sent again: the view is gone, as asked

        records = {kind: [] for kind in properties_by_kind}
        for content in contents:
            kind = _kind_of(content.obj, types)
            record = {"moid": content.obj._moId, "name": None}
            record.update(dict.fromkeys(properties_by_kind[kind]))
            record.update(self._properties_of(content, what))
            records[kind].append(record)
        names = names or {}
        moids = moids or {}
        return {kind: select(found, kind, names=names.get(kind), moids=moids.get(kind), where=self._where) for kind, found in records.items()}

    def wait_for_task(self, task, *, timeout=3600, what=None):
        """Wait for the task moid ``task`` and return its result as plain values.

        Polls ``info`` with one PropertyCollector read per poll, every tenth
        of the time waited, from 0.5 s to 5 s. Raises TaskFailed with the vSphere fault when the
        task fails, WaitTimeout carrying the last state seen when ``timeout``
        seconds pass first.
        """
        what = what or f"complete task {task}"
        try:
            info = wait_until(
                lambda: self._task_info(task, what),
                lambda info: info.state in ("success", "error"),
                timeout=timeout,
                what=what,
                clock=self._clock,
                sleep=self._sleep,
                first_interval=0.5,
                max_interval=5.0,
            )
        except WaitTimeout as timed_out:
            info = timed_out.reached
            progress = "?" if info.progress is None else info.progress
            raise WaitTimeout(
                f"Timed out after {timeout}s waiting to {what} on '{info.entityName or task}'{self._where}"
                f" (last state: {info.state}, {progress}% done): it may still complete; check the task in vCenter",
                reached={"state": str(info.state), "progress": info.progress, "entity": info.entityName},
                timeout=timeout,
            ) from timed_out
        if info.state == "success":
            return plain(info.result)
        error = info.error
        raise TaskFailed(
            f"Failed to {what} on '{info.entityName or task}'{self._where}: {fault_name(error)}: {fault_text(error)}",
            fault_type=fault_name(error),
            fault_message=fault_text(error),
            task=task,
            entity=info.entityName,
        )

    # -- internals ---------------------------------------------------------

    def _negotiated_version(self, context):
        """The newest vim25 version both pyVmomi and vCenter know, read from ``/sdk/vimServiceVersions.xml``.

        What pyVmomi's SmartStubAdapter does, with the connection's timeout,
        which it does not take: a port that accepts connections and never
        answers would hold it for ever.
        """
        endpoint = self.connection.endpoint
        conn = HTTPSConnection(self.connection.hostname, self.connection.port, context=context, timeout=self.connection.timeout)
        try:
            conn.request("GET", VERSIONS_PATH)
            response = conn.getresponse()
            body = response.read()
        except DROPPED_CONNECTION_ERRORS as error:
            raise TransientError(f"Failed to read the vSphere API versions of vCenter {endpoint}: the connection was dropped") from error
        except (OSError, HTTPException) as error:
            raise describe_unreachable(error, self.connection) from error
        finally:
            conn.close()
        if response.status in RETRYABLE_HTTP_STATUSES:
            raise TransientError(
                f"Failed to read the vSphere API versions of vCenter {endpoint}: HTTP {response.status}: vCenter is busy or starting", status=response.status
            )
        offered = _offered_versions(body) if response.status == 200 else set()
        if not offered:
            raise ConnectionFailure(
                f"{endpoint} answered but does not serve the vSphere API at /sdk: check that it is a vCenter and the port is right",
                host=self.connection.hostname,
                port=self.connection.port,
            )
        for version in VmomiSupport.GetServiceVersions("vim25"):
            if VmomiSupport.versionIdMap[version] in offered:
                return version
        raise ConnectionFailure(
            f"vCenter {endpoint} offers vSphere API versions {', '.join(sorted(offered))}, none of which this pyVmomi knows: install a pyVmomi that does",
            host=self.connection.hostname,
            port=self.connection.port,
        )

    def _start_task(self, bound, moid, args, kwargs, what):
        """The task moid of ``bound(*args, **kwargs)``; when its answer was lost, the task it started, found among the recent tasks.

        vCenter lists the tasks of the last minutes in ``TaskManager.recentTask``
        (vSphere API reference, vim.TaskManager). A task on the same object,
        queued after the call was sent and not ended before, is the call's:
        the platform lock and one change at a time per object (each waited
        for) leave no other. None there means the call never reached vCenter,
        so it is sent again, within the retry policy.
        """

        def attempt():
            sent_at = datetime.now(timezone.utc) + self._server_clock_offset
            try:
                task = self._call(bound, *args, what=what, idempotent=False, **kwargs)
            except AmbiguousOutcome as error:
                # A server that was still working on it when the answer was lost lists the task a moment later.
                self._sleep(self._retry_policy.base_delay)
                found = self._task_started_since(moid, sent_at, what)
                if found is None:
                    raise TransientError(f"{error.context}: the connection was dropped, before vCenter started a task") from error
                task = self.managed_object("Task", found)
            with self._own_tasks_lock:
                self._own_tasks.add(task._moId)
            return task

        return call_with_retries(attempt, self._retry_policy, sleep=self._sleep)

    def _task_started_since(self, moid, since, what):
        collector = vmodl.query.PropertyCollector
        spec = collector.FilterSpec(
            objectSet=[
                collector.ObjectSpec(
                    obj=self._content.taskManager,
                    skip=True,
                    selectSet=[collector.TraversalSpec(name="recent", type=vim.TaskManager, path="recentTask", skip=False)],
                )
            ],
            propSet=[collector.PropertySpec(type=vim.Task, pathSet=["info.entity", "info.queueTime", "info.completeTime"])],
        )
        found = []
        for content in self._retrieve_contents(spec, f"look for the task of '{what}' among the recent tasks"):
            values = {prop.name: prop.val for prop in content.propSet or ()}
            entity, queued, ended = values.get("info.entity"), values.get("info.queueTime"), values.get("info.completeTime")
            # The task before this call on the same object (entering maintenance mode before leaving it) ended before it was
            # sent; one that ended within the clock's margin of error is told apart by being this client's own.
            with self._own_tasks_lock:
                own = content.obj._moId in self._own_tasks
            recent = queued is not None and queued >= since - TASK_CLOCK_MARGIN and (ended is None or ended > since)
            if entity is not None and entity._moId == moid and recent and not own:
                found.append((queued, content.obj._moId))
        return max(found)[1] if found else None

    def _login(self):
        session = self._call(
            self._content.sessionManager.Login,
            userName=self.connection.username,
            password=self.connection.password,
            what=f"log in as '{self.connection.username}'",
            renew_session=False,
        )
        # The server's clock, for telling the tasks a call started from older ones.
        if getattr(session, "loginTime", None) is not None:
            self._server_clock_offset = session.loginTime - datetime.now(timezone.utc)
        self._session_generation += 1

    def _log_in_again(self):
        self._login()

    def _call(self, method, *args, what, idempotent=True, renew_session=True, **kwargs):
        def attempt():
            try:
                return method(*args, **kwargs)
            except Exception as error:
                translated = self._translate(error, what, idempotent)
                if translated is None:
                    raise
                raise translated from error

        def with_retries():
            return call_with_retries(attempt, self._retry_policy, sleep=self._sleep)

        return self._renewing_session(with_retries, renew_session=renew_session)

    def _translate(self, error, what, idempotent):
        """The typed error for a failure of ``what``; None for errors that are bugs, not conditions."""
        context = f"Failed to {what}{self._where}"
        if HAS_PYVMOMI and isinstance(error, vmodl.MethodFault):
            return self._translate_fault(error, context)
        status = _http_status(error)
        if status in RETRYABLE_HTTP_STATUSES:
            return TransientError(f"{context}: HTTP {status}: vCenter is busy or restarting, retry later", status=status)
        # Checked before HTTPException: RemoteDisconnected is both.
        dropped = isinstance(error, DROPPED_CONNECTION_ERRORS)
        if dropped and idempotent:
            return TransientError(f"{context}: the connection was dropped ({type(error).__name__})")
        if dropped:
            return AmbiguousOutcome(
                f"{context}: the connection was dropped after the request was sent ({type(error).__name__});"
                " the change may or may not have been made: read the state again before retrying",
                context=context,
                host=self.connection.hostname,
                port=self.connection.port,
            )
        if isinstance(error, HTTPException):
            return ApiError(f"{context}: unexpected HTTP answer ({one_line(error)})", status=status)
        if isinstance(error, OSError):
            return ConnectionFailure(
                f"{context}: the connection failed ({one_line(error) or type(error).__name__}): check that vCenter is up and reachable",
                host=self.connection.hostname,
                port=self.connection.port,
            )
        return None

    def _translate_fault(self, fault, context):
        name = fault_name(fault)
        text = fault_text(fault)
        api = dict(error_type=name, messages=[text])
        if isinstance(fault, vim.fault.NotAuthenticated):
            return SessionExpired(f"{context}: the session is no longer valid ({text}): log in again", username=self.connection.username)
        if isinstance(fault, vim.fault.InvalidLogin):
            return AuthenticationError(
                f"{context}: vCenter rejected the user name or password ({name}): check username and password",
                username=self.connection.username,
            )
        if isinstance(fault, vim.fault.NoPermission):
            return UnauthorizedError(
                f"{context}: user '{self.connection.username}' lacks privilege {fault.privilegeId}: grant it to the user or use another account",
                **api,
            )
        if isinstance(fault, vmodl.fault.ManagedObjectNotFound):
            return NotFoundError(f"{context}: the object no longer exists ({text}): read the inventory again", **api)
        if isinstance(fault, (vim.fault.DuplicateName, vim.fault.AlreadyExists)):
            existing = getattr(fault, "name", None) or "the object"
            return AlreadyExistsError(f"{context}: {existing} already exists ({text})", **api)
        if isinstance(fault, (vmodl.fault.InvalidArgument, vim.fault.InvalidName)):
            return InvalidArgumentError(f"{context}: invalid argument ({name}: {text})", **api)
        if isinstance(fault, vim.fault.TaskInProgress):
            return ResourceBusyError(f"{context}: another task is changing the object ({text}): retry when it has finished", **api)
        return ApiError(f"{context}: {name}: {text}", **api)

    def _retrieve_contents(self, filter_spec, what):
        collector = self._content.propertyCollector
        options = vmodl.query.PropertyCollector.RetrieveOptions()
        result = self._call(collector.RetrievePropertiesEx, specSet=[filter_spec], options=options, what=what)
        contents = []
        while result is not None:
            contents.extend(result.objects)
            if not result.token:
                break
            result = self._call(collector.ContinueRetrievePropertiesEx, token=result.token, what=what)
        return contents

    def _properties_of(self, content, what):
        for missing in content.missingSet or ():
            # vCenter lists properties it could not compute, e.g. on
            # disconnected hosts: those stay None. Lacking a privilege is not
            # a property of the object and must not read as "unset".
            if isinstance(missing.fault, vim.fault.NoPermission):
                raise self._translate_fault(missing.fault, f"Failed to {what} ({missing.path} of {content.obj._moId}){self._where}")
        return {prop.name: plain(prop.val) for prop in content.propSet or ()}

    def _task_info(self, task, what):
        collector = vmodl.query.PropertyCollector
        spec = collector.FilterSpec(
            objectSet=[collector.ObjectSpec(obj=self.managed_object("Task", task), skip=False)],
            propSet=[collector.PropertySpec(type=vim.Task, pathSet=["info"])],
        )
        contents = self._retrieve_contents(spec, f"read the state of task {task}")
        if not contents or not contents[0].propSet:
            raise NotFoundError(f"Failed to {what}: task {task} not found{self._where}: it may have expired from vCenter's task list", kind="Task", name=task)
        return contents[0].propSet[0].val

    def _destroy_view_after_error(self, view):
        try:
            self._call(view.DestroyView, what="destroy a container view")
        except PacificError:
            # The retrieval error is the one to report; the view dies with the session.
            pass


def _offered_versions(body):
    """The vim25 versions a ``vimServiceVersions.xml`` lists (current and prior); empty when it is not one."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return set()
    if root.tag != "namespaces":
        return set()
    offered = set()
    for namespace in root.findall("namespace"):
        if namespace.findtext("name") == "urn:vim25":
            offered.add(namespace.findtext("version"))
            offered.update(version.text for version in namespace.findall("priorVersions/version"))
    return offered - {None}


def _vim_type(kind):
    try:
        return VmomiSupport.GetWsdlType("urn:vim25", kind)
    except KeyError:
        raise InvalidArgumentError(f"unknown vSphere object kind '{kind}': use a vim25 type name such as 'HostSystem'") from None


def _kind_of(obj, types):
    """The requested kind ``obj`` was retrieved as; subtypes (a StoragePod is a Folder) map to their requested parent."""
    name = obj._wsdlName
    if name in types:
        return name
    return next(kind for kind, vim_type in types.items() if isinstance(obj, vim_type))


def _http_status(error):
    """The status of pyvmomi's ``HTTPException("503 Service Unavailable")``, else None."""
    if not isinstance(error, HTTPException) or isinstance(error, RemoteDisconnected):
        return None
    code = str(error).split(" ", 1)[0]
    return int(code) if code.isdigit() else None
