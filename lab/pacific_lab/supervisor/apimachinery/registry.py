"""The verbs of the Kubernetes API on stored objects, with the API server's semantics.

- create / update (PUT) / patch (JSON, merge, strategic merge) / apply
  (server-side) / delete / deletecollection / get / list / watch;
- optimistic concurrency: a write naming a resourceVersion other than the
  stored one is a 409 Conflict; custom resources must name one on PUT;
- `metadata.generation` moves only when the spec (not metadata or status)
  changes; the `status` subresource writes status only, the main resource
  everything but status;
- finalizers: DELETE of an object with finalizers only sets
  `deletionTimestamp`; it goes when the last finalizer is removed. A
  Namespace's `spec.finalizers` hold it in phase Terminating the same way;
  `propagationPolicy` Foreground / Orphan add the garbage collector's
  finalizers (see `garbage`);
- `dryRun=All` runs everything but the write;
- unknown fields are pruned and reported (warnings), or rejected with
  `fieldValidation=Strict`;
- admission hooks (mutating, then validating) let the served kinds add their
  own rules.

Requests arrive at a served version; objects are stored at the kind's storage
version and converted both ways through the scheme.
"""

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Optional

from . import errors, fieldmanager, meta, patch, schema, selectors
from .store import AlreadyStored, HistoryExpired, NotStored, StaleRevision

BOOKMARK_SECONDS = 60.0  # the API server's bookmarkFrequency

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
CUSTOM_RESOURCE_PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, APPLY_PATCH)
BUILTIN_PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH)
FOREGROUND_FINALIZER = "foregroundDeletion"
ORPHAN_FINALIZER = "orphan"
MAX_MANAGER_LENGTH = 128
WRITE_ATTEMPTS = 5


class _ConcurrentWrite(Exception):
    """The object changed between the registry's read and its write."""


@dataclass(frozen=True)
class Caller:
    """Who makes a request: a logged-in user, or one of the lab's own controllers."""

    username: str
    groups: tuple = ()
    user_agent: str = ""

    def manager_name(self, requested):
        """The field manager of a non-apply write: the request's, else the user agent's product name."""
        if requested:
            return requested[:MAX_MANAGER_LENGTH]
        return (self.user_agent.split("/", 1)[0] or "unknown")[:MAX_MANAGER_LENGTH]


@dataclass
class WriteOptions:
    dry_run: bool = False
    field_manager: Optional[str] = None
    force: bool = False
    field_validation: str = "Warn"  # Ignore | Warn | Strict
    propagation_policy: Optional[str] = None
    preconditions: dict = field(default_factory=dict)


@dataclass
class ListOptions:
    label_selector: str = ""
    field_selector: str = ""
    limit: int = 0
    continue_token: str = ""
    resource_version: str = ""  # "": the latest; "0": any; N: not older than N, or exactly N with match "Exact"
    resource_version_match: str = ""  # "", "NotOlderThan" or "Exact"


@dataclass
class Outcome:
    """A response object, its HTTP status, and warnings for the `Warning` header."""

    body: dict
    code: int = 200
    warnings: list = field(default_factory=list)


@dataclass
class AdmissionRequest:
    operation: str  # CREATE, UPDATE, DELETE
    resource: object  # ResourceType at the request's version
    subresource: Optional[str]
    obj: Optional[dict]  # the new object (mutable in `mutate`)
    old: Optional[dict]
    caller: Caller
    dry_run: bool


class AdmissionHook:
    """Admission plug-in: `mutate` may change `request.obj`, `validate` raises ApiError to refuse."""

    def mutate(self, request, registry):
        """Change the incoming object before it is defaulted and validated."""

    def validate(self, request, registry):
        """Raise an ApiError to refuse the request."""


class Registry:
    def __init__(self, scheme, store, admission=()):
        self.scheme = scheme
        self.store = store
        self.admission = list(admission)

    # ---- reads -------------------------------------------------------------------------

    def get(self, resource, namespace, name):
        stored = self.store.get(resource.resource_key, namespace, name)
        if stored is None:
            raise errors.not_found(resource, name)
        return self.scheme.convert(stored, resource)

    def get_or_none(self, resource, namespace, name):
        stored = self.store.get(resource.resource_key, namespace, name)
        return self.scheme.convert(stored, resource) if stored is not None else None

    def list(self, resource, namespace=None, options=None):
        options = options or ListOptions()
        items, revision = self.store.list(resource.resource_key, namespace)
        asked = _asked_revision(options)
        if asked is not None and asked > revision:
            raise errors.resource_version_too_large(f"Too large resource version: {asked}, current: {revision}")
        if asked is not None and options.resource_version_match == "Exact" and asked < revision:
            try:
                items, revision = self.store.list_at(resource.resource_key, namespace, asked), asked
            except HistoryExpired:
                raise errors.gone(f"The resourceVersion for the provided list is too old: {asked}") from None
        matches = self._matcher(resource, options)
        items = [self.scheme.convert(item, resource) for item in items if matches(item)]
        list_meta = {"resourceVersion": str(revision)}
        if options.continue_token:
            start = _decode_continue(options.continue_token)
            items = [i for i in items if (i["metadata"].get("namespace", ""), i["metadata"]["name"]) > start]
        if options.limit and len(items) > options.limit:
            last = items[options.limit - 1]["metadata"]
            list_meta["continue"] = _encode_continue((last.get("namespace", ""), last["name"]))
            list_meta["remainingItemCount"] = len(items) - options.limit
            items = items[:options.limit]
        if not resource.custom:
            # Built-in lists carry the kind on the list, not on each item.
            for item in items:
                item.pop("apiVersion", None)
                item.pop("kind", None)
        return {"apiVersion": resource.api_version, "kind": resource.list_kind, "metadata": list_meta, "items": items}

    def watch(self, resource, namespace, options, resource_version, stop, timeout, bookmarks=False,
              bookmark_seconds=BOOKMARK_SECONDS):
        """Yield watch events (`{"type", "object"}`) until `timeout` seconds pass or `stop` is set.

        Without a resourceVersion (or with "0") the current objects come first
        as ADDED events, as the API server's watch cache sends them. With
        `bookmarks`, a BOOKMARK every `bookmark_seconds` and one 2 s before the
        watch ends, as the API server's cacher (`nextBookmarkTime`) sends them.
        """
        matches = self._matcher(resource, options)
        if resource_version in ("", "0", None):
            listed, revision = self.store.list(resource.resource_key, namespace)
            for item in listed:
                if matches(item):
                    yield {"type": "ADDED", "object": self.scheme.convert(item, resource)}
        else:
            try:
                revision = int(resource_version)
            except ValueError as error:
                raise errors.bad_request(f"invalid resourceVersion {resource_version!r}") from error
        deadline = _Deadline(timeout)
        next_bookmark = _next_bookmark(deadline, bookmark_seconds)
        while not stop.is_set() and not deadline.passed():
            try:
                events = self.store.events_after(revision)
            except HistoryExpired:
                yield {"type": "ERROR", "object": errors.gone(
                    f"too old resource version: {revision} ({self.store.revision})").status()}
                return
            for event in events:
                revision = event.revision
                obj = event.object
                if event.resource_key != resource.resource_key:
                    continue
                if namespace and obj["metadata"].get("namespace") != namespace:
                    continue
                if matches(obj):
                    yield {"type": event.type, "object": self.scheme.convert(obj, resource)}
            if bookmarks and next_bookmark is not None and time.monotonic() >= next_bookmark:
                # Tell the client how far it is (every change up to `revision` was looked at, whatever its kind),
                # so that it can resume from there without a relist.
                yield {"type": "BOOKMARK", "object": {"apiVersion": resource.api_version, "kind": resource.kind,
                                                      "metadata": {"resourceVersion": str(revision)}}}
                next_bookmark = _next_bookmark(deadline, bookmark_seconds)
            if not events:
                wake = deadline.left() if next_bookmark is None or not bookmarks else next_bookmark - time.monotonic()
                self.store.wait_for_change(revision, max(0.0, min(wake, deadline.left())))

    # ---- writes ------------------------------------------------------------------------

    def create(self, resource, namespace, body, caller, options=None):
        options = options or WriteOptions()
        obj = self._incoming(resource, body, namespace)
        metadata = obj["metadata"]
        if metadata.get("resourceVersion"):
            raise errors.bad_request("resourceVersion should not be set on objects to be created")
        if not metadata.get("name") and metadata.get("generateName"):
            metadata["name"] = meta.generated_name(metadata["generateName"])
        warnings = self._prune(resource, obj, options)
        self._stamp_new(resource, obj)
        fieldmanager.record_update(None, obj, resource.schema, caller.manager_name(options.field_manager),
                                   resource.api_version)
        return self._store_new(resource, obj, caller, options, warnings)

    def update(self, resource, namespace, name, body, caller, options=None, subresource=None):
        options = options or WriteOptions()
        # An unconditional update (no resourceVersion sent) is retried on a concurrent write; a
        # conditional one fails with 409, as the client asked.
        conditional = bool(isinstance(body, dict) and (body.get("metadata") or {}).get("resourceVersion"))
        return self._retrying(resource, name, not conditional, lambda: self._update_once(
            resource, namespace, name, body, caller, options, subresource))

    def _update_once(self, resource, namespace, name, body, caller, options, subresource):
        current = self.get(resource, namespace, name)
        obj = self._incoming(resource, body, namespace)
        if obj["metadata"].get("name") != name:
            raise errors.bad_request(f"the name of the object ({obj['metadata'].get('name')}) does not match the "
                                     f"name on the URL ({name})")
        sent_revision = obj["metadata"].get("resourceVersion")
        if not sent_revision and resource.custom:
            raise errors.invalid(resource, name, [errors.Cause(
                "FieldValueInvalid", "Invalid value: 0x0: must be specified for an update", "metadata.resourceVersion")])
        if sent_revision and sent_revision != current["metadata"]["resourceVersion"]:
            raise errors.conflict(resource, name)
        warnings = self._prune(resource, obj, options)
        new = _prepare_update(resource, obj, current, subresource)
        fieldmanager.record_update(current, new, resource.schema, caller.manager_name(options.field_manager),
                                   resource.api_version, subresource)
        return self._store_update(resource, current, new, caller, options, subresource, warnings)

    def patch(self, resource, namespace, name, content_type, document, caller, options=None, subresource=None):
        """A patch applies to the object as it is when written: a concurrent write makes it try again."""
        options = options or WriteOptions()
        accepted = BUILTIN_PATCH_TYPES if not resource.custom else CUSTOM_RESOURCE_PATCH_TYPES
        if content_type not in accepted:
            raise errors.unsupported_media_type(accepted)
        if content_type == APPLY_PATCH:
            return self.apply(resource, namespace, name, document, caller, options, subresource)
        return self._retrying(resource, name, True, lambda: self._patch_once(
            resource, namespace, name, content_type, document, caller, options, subresource))

    def _patch_once(self, resource, namespace, name, content_type, document, caller, options, subresource):
        current = self.get(resource, namespace, name)
        if content_type == JSON_PATCH:
            patched = patch.json_patch(current, document)
        elif not isinstance(document, dict):
            raise errors.bad_request("a merge patch must be a JSON object")
        elif content_type == MERGE_PATCH:
            patched = patch.merge_patch(current, document)
        else:
            patched = patch.strategic_merge_patch(current, document)
        if not isinstance(patched, dict) or not isinstance(patched.get("metadata"), dict):
            raise errors.bad_request("the patched object is not a Kubernetes object")
        sent_revision = patched["metadata"].get("resourceVersion")
        if sent_revision and sent_revision != current["metadata"]["resourceVersion"]:
            raise errors.conflict(resource, name)
        if patched["metadata"].get("name") != name:
            raise errors.bad_request("metadata.name cannot be changed by a patch")
        obj = self._incoming(resource, patched, namespace)
        warnings = self._prune(resource, obj, options)
        new = _prepare_update(resource, obj, current, subresource)
        fieldmanager.record_update(current, new, resource.schema, caller.manager_name(options.field_manager),
                                   resource.api_version, subresource)
        return self._store_update(resource, current, new, caller, options, subresource, warnings)

    def apply(self, resource, namespace, name, config, caller, options, subresource=None):
        """Server-side apply: create or merge `config` owned by `options.field_manager`."""
        return self._retrying(resource, name, True, lambda: self._apply_once(
            resource, namespace, name, config, caller, options, subresource))

    def _apply_once(self, resource, namespace, name, config, caller, options, subresource):
        if not options.field_manager:
            raise errors.ApiError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: '
                                  "Required value: is required for apply patch", kind="PatchOptions",
                                  group="meta.k8s.io",
                                  causes=[errors.Cause("FieldValueRequired", "Required value: is required for apply patch",
                                                       "fieldManager")])
        if not isinstance(config, dict):
            raise errors.bad_request("an apply configuration must be an object")
        for key, expected in (("apiVersion", resource.api_version), ("kind", resource.kind)):
            if not config.get(key):
                raise errors.bad_request(f"{key} must be set in an apply configuration")
            if config[key] != expected:
                raise errors.bad_request(f"the {key} of the apply configuration ({config[key]}) does not match "
                                         f"the request ({expected})")
        config = meta.deep_copy(config)
        config_meta = config.setdefault("metadata", {})
        if config_meta.get("name", name) != name:
            raise errors.bad_request(f"the name of the object ({config_meta['name']}) does not match the name "
                                     f"on the URL ({name})")
        config_meta["name"] = name
        if resource.namespaced:
            if config_meta.get("namespace", namespace) != namespace:
                raise errors.bad_request("the namespace of the provided object does not match the namespace "
                                         "sent on the request")
            config_meta["namespace"] = namespace
        warnings = self._prune(resource, config, options)
        current = self.get_or_none(resource, namespace, name)
        if current is not None and config_meta.get("resourceVersion") not in (None, current["metadata"]["resourceVersion"]):
            raise errors.conflict(resource, name)
        try:
            merged = fieldmanager.apply(current, config, resource.schema, options.field_manager, resource.api_version,
                                        force=options.force, subresource=subresource)
        except fieldmanager.ApplyConflicts as clash:
            raise errors.apply_conflict(clash.conflicts) from clash
        merged["apiVersion"], merged["kind"] = resource.api_version, resource.kind
        if current is None:
            if subresource:
                raise errors.not_found(resource, name)
            managed = merged["metadata"].get("managedFields")
            merged["metadata"]["name"] = name
            if resource.namespaced:
                merged["metadata"]["namespace"] = namespace
            self._stamp_new(resource, merged)
            if managed:
                merged["metadata"]["managedFields"] = managed
            return self._store_new(resource, merged, caller, options, warnings)
        new = _prepare_update(resource, merged, current, subresource)
        new["metadata"]["managedFields"] = merged["metadata"].get("managedFields", [])
        if not new["metadata"]["managedFields"]:
            del new["metadata"]["managedFields"]
        return self._store_update(resource, current, new, caller, options, subresource, warnings)

    def delete(self, resource, namespace, name, caller, options=None):
        options = options or WriteOptions()
        return self._retrying(resource, name, not options.preconditions, lambda: self._delete_once(
            resource, namespace, name, caller, options))

    def _delete_once(self, resource, namespace, name, caller, options):
        current = self.get(resource, namespace, name)
        expected_uid = options.preconditions.get("uid")
        if expected_uid and expected_uid != current["metadata"].get("uid"):
            raise errors.conflict(resource, name, f"Precondition failed: UID in precondition: {expected_uid}, "
                                  f"UID in object meta: {current['metadata'].get('uid')}")
        expected_revision = options.preconditions.get("resourceVersion")
        if expected_revision and expected_revision != current["metadata"]["resourceVersion"]:
            raise errors.conflict(resource, name, f"Precondition failed: ResourceVersion in precondition: "
                                  f"{expected_revision}, ResourceVersion in object meta: "
                                  f"{current['metadata']['resourceVersion']}")
        self._admit("DELETE", resource, None, None, current, caller, options.dry_run)
        finalizers = list(current["metadata"].get("finalizers") or [])
        extra = {"Foreground": FOREGROUND_FINALIZER, "Orphan": ORPHAN_FINALIZER}.get(options.propagation_policy)
        if extra and extra not in finalizers:
            finalizers.append(extra)
        if not finalizers and not _namespace_finalizers(resource, current):
            if options.dry_run:
                return self._deleted_outcome(resource, current)
            try:
                gone = self.store.delete(resource.resource_key, namespace, name,
                                         expected_revision=current["metadata"]["resourceVersion"])
            except (NotStored, StaleRevision) as error:
                raise _ConcurrentWrite() from error
            return self._deleted_outcome(resource, self.scheme.convert(gone, resource))
        marked = meta.deep_copy(current)
        marked["metadata"]["finalizers"] = finalizers
        if not marked["metadata"].get("deletionTimestamp"):
            marked["metadata"]["deletionTimestamp"] = meta.now()
            marked["metadata"]["deletionGracePeriodSeconds"] = 0
        if _namespace_finalizers(resource, marked):
            marked.setdefault("status", {})["phase"] = "Terminating"
            marked["metadata"].pop("deletionGracePeriodSeconds", None)
        if meta.canonical(marked) == meta.canonical(current) or options.dry_run:
            return Outcome(marked)
        return Outcome(self._write_update(resource, current, marked))

    def delete_collection(self, resource, namespace, caller, write_options=None, list_options=None):
        listed = self.list(resource, namespace, list_options)
        for item in listed["items"]:
            try:
                self.delete(resource, item["metadata"].get("namespace", namespace), item["metadata"]["name"],
                            caller, write_options)
            except errors.ApiError as error:
                if error.code != 404:  # gone meanwhile: what the caller wanted
                    raise
        return Outcome(listed)  # the objects as they were before the deletion

    # ---- pipeline ----------------------------------------------------------------------

    @staticmethod
    def _retrying(resource, name, may_retry, attempt):
        """Run `attempt`; when another write came between its read and its write, read again
        (like the API server's GuaranteedUpdate) or, when the caller named a version, answer 409."""
        for _ in range(WRITE_ATTEMPTS if may_retry else 1):
            try:
                return attempt()
            except _ConcurrentWrite:
                continue
        raise errors.conflict(resource, name)

    def _incoming(self, resource, body, namespace):
        if not isinstance(body, dict):
            raise errors.bad_request("the request body must be a JSON object")
        obj = meta.deep_copy(body)
        for key, expected in (("apiVersion", resource.api_version), ("kind", resource.kind)):
            if obj.get(key) in (None, ""):
                obj[key] = expected
            elif obj[key] != expected:
                raise errors.bad_request(f"the {key} of the provided object ({obj[key]}) does not match the "
                                         f"{key} of the request ({expected})")
        metadata = obj.get("metadata")
        if metadata is None:
            metadata = obj["metadata"] = {}
        if not isinstance(metadata, dict):
            raise errors.bad_request("metadata must be an object")
        if resource.namespaced:
            if metadata.get("namespace") not in (None, "", namespace):
                raise errors.bad_request("the namespace of the provided object does not match the namespace "
                                         "sent on the request")
            metadata["namespace"] = namespace
        return obj

    def _prune(self, resource, obj, options):
        unknown = schema.prune(obj, resource.schema)
        if not unknown or options.field_validation == "Ignore":
            return []
        if options.field_validation == "Strict":
            raise errors.bad_request("strict decoding error: " + ", ".join(f'unknown field "{f}"' for f in unknown))
        return [f'unknown field "{f}"' for f in unknown]

    @staticmethod
    def _stamp_new(resource, obj):
        metadata = obj["metadata"]
        for key in ("uid", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields"):
            metadata.pop(key, None)
        metadata["uid"] = meta.new_uid()
        metadata["creationTimestamp"] = meta.now()
        if resource.tracks_generation:
            metadata["generation"] = 1
        else:
            metadata.pop("generation", None)
        if "status" in resource.subresources:
            obj.pop("status", None)  # status is written through its subresource only

    def _store_new(self, resource, obj, caller, options, warnings):
        self._check_namespace_open(resource, obj["metadata"].get("namespace"))
        obj = self._admit("CREATE", resource, None, obj, None, caller, options.dry_run)
        self._validate(resource, obj, None)
        if options.dry_run:
            return Outcome(obj, 201, warnings)
        stored_form = self.scheme.convert(obj, self.scheme.storage_type(resource))
        try:
            stored = self.store.create(resource.resource_key, stored_form)
        except AlreadyStored as error:
            raise errors.already_exists(resource, obj["metadata"]["name"]) from error
        return Outcome(self.scheme.convert(stored, resource), 201, warnings)

    def _store_update(self, resource, current, new, caller, options, subresource, warnings):
        new = self._admit("UPDATE", resource, subresource, new, current, caller, options.dry_run)
        if resource.tracks_generation and subresource is None and _spec_changed(resource, current, new):
            new["metadata"]["generation"] = int(current["metadata"].get("generation") or 1) + 1
        self._validate(resource, new, current)
        if meta.canonical(new) == meta.canonical(current):
            return Outcome(current, 200, warnings)  # nothing changed: no write, same resourceVersion
        if options.dry_run:
            return Outcome(new, 200, warnings)
        return Outcome(self._write_update(resource, current, new), 200, warnings)

    def _write_update(self, resource, current, new):
        """Persist `new` over `current`; an object being deleted whose last finalizer went is removed."""
        name, namespace = current["metadata"]["name"], current["metadata"].get("namespace", "")
        expected = current["metadata"]["resourceVersion"]
        try:
            if new["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers") \
                    and not _namespace_finalizers(resource, new):
                gone = self.store.delete(resource.resource_key, namespace, name, expected_revision=expected)
                return self.scheme.convert(gone, resource)
            stored = self.store.update(resource.resource_key, self.scheme.convert(new, self.scheme.storage_type(resource)),
                                       expected_revision=expected)
        except (NotStored, StaleRevision) as error:
            raise _ConcurrentWrite() from error
        return self.scheme.convert(stored, resource)

    def _admit(self, operation, resource, subresource, obj, old, caller, dry_run):
        request = AdmissionRequest(operation, resource, subresource, obj, old, caller, dry_run)
        for hook in self.admission:
            hook.mutate(request, self)
        if request.obj is not None:
            schema.apply_defaults(request.obj, resource.schema)
        for hook in self.admission:
            hook.validate(request, self)
        return request.obj

    def _validate(self, resource, obj, old):
        metadata = obj["metadata"]
        causes = meta.object_meta_causes(metadata, namespaced=resource.namespaced,
                                         label_name=resource.kind == "Namespace")
        causes += schema.validate(obj, resource.schema)
        if old is not None and old["metadata"].get("deletionTimestamp"):
            added = set(metadata.get("finalizers") or []) - set(old["metadata"].get("finalizers") or [])
            if added:
                causes.append(errors.Cause("FieldValueForbidden", "Forbidden: no new finalizers can be added if the "
                                           f"object is being deleted, found new finalizers {sorted(added)}",
                                           "metadata.finalizers"))
        if causes:
            raise errors.invalid(resource, metadata.get("name", ""), causes)

    def _check_namespace_open(self, resource, namespace):
        """NamespaceLifecycle: no new objects in a missing or terminating namespace."""
        namespaces = self.scheme.lookup("", "v1", "namespaces")
        if not resource.namespaced or namespaces is None:
            return
        found = self.store.get(namespaces.resource_key, "", namespace)
        if found is None:
            raise errors.not_found(namespaces, namespace)
        if found["metadata"].get("deletionTimestamp"):
            raise errors.ApiError(403, "Forbidden", f"unable to create new content in namespace {namespace} because "
                                  "it is being terminated", name=namespace, kind=namespaces.plural,
                                  causes=[errors.Cause("NamespaceTerminating", f"namespace {namespace} is being "
                                                       "terminated", "metadata.namespace")])

    def _matcher(self, resource, options):
        by_labels = selectors.parse_label_selector(options.label_selector)
        by_fields = selectors.parse_field_selector(options.field_selector, resource)
        return lambda obj: by_labels(obj["metadata"].get("labels")) and by_fields(obj)

    @staticmethod
    def _deleted_outcome(resource, gone):
        if resource.custom:
            return Outcome(gone)  # custom resources answer with the deleted object
        return Outcome({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                        "details": {"name": gone["metadata"]["name"], "group": resource.group,
                                    "kind": resource.plural, "uid": gone["metadata"].get("uid")}})


def _prepare_update(resource, obj, current, subresource):
    """The object to store: server-owned metadata from `current`; status or the rest from the request."""
    if subresource == "status":
        new = meta.deep_copy(current)
        if "status" in obj:
            new["status"] = obj["status"]
        else:
            new.pop("status", None)
        return new
    new = meta.deep_copy(obj)
    for key in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation",
                "resourceVersion", "managedFields", "namespace", "name"):
        if key in current["metadata"]:
            new["metadata"][key] = current["metadata"][key]
        else:
            new["metadata"].pop(key, None)
    if "status" in resource.subresources:
        if "status" in current:
            new["status"] = current["status"]
        else:
            new.pop("status", None)
    return new


def _namespace_finalizers(resource, obj):
    """A Namespace's `spec.finalizers`: it stays Terminating until its content is gone (see namespaces)."""
    if resource.group or resource.plural != "namespaces":
        return []
    return (obj.get("spec") or {}).get("finalizers") or []


def _spec_changed(resource, old, new):
    ignored = {"metadata", "status"} if "status" in resource.subresources else {"metadata"}
    return meta.canonical({k: v for k, v in old.items() if k not in ignored}) != \
        meta.canonical({k: v for k, v in new.items() if k not in ignored})


def _encode_continue(position):
    return base64.urlsafe_b64encode(json.dumps(list(position)).encode()).decode()


def _decode_continue(token):
    try:
        namespace, name = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError) as error:
        raise errors.bad_request(f"invalid continue token: {error}") from error
    return (namespace, name)


def _asked_revision(options):
    """The resourceVersion a list names (None: the latest, or any for "0"); 400 on a combination the API server refuses."""
    version, match = options.resource_version, options.resource_version_match
    if match not in ("", "NotOlderThan", "Exact"):
        raise errors.bad_request(f'resourceVersionMatch: Unsupported value: "{match}": supported values: "Exact", "NotOlderThan", ""')
    if match and not version:
        raise errors.bad_request("resourceVersionMatch is forbidden unless resourceVersion is provided")
    if match and options.continue_token:
        raise errors.bad_request("resourceVersionMatch is forbidden when continue is provided")
    if match == "Exact" and version == "0":
        raise errors.bad_request('resourceVersionMatch "exact" is forbidden for resourceVersion "0"')
    if version in ("", "0"):
        return None
    if not version.isdigit():
        raise errors.bad_request(f"invalid resourceVersion {version!r}")
    return int(version)


def _next_bookmark(deadline, every):
    """When the next bookmark is due: in `every` seconds, or 2 s before the watch ends if that is sooner; None when
    the watch ends before."""
    now = time.monotonic()
    due = min(now + every, now + deadline.left() - 2.0)
    return due if due >= now else None


class _Deadline:
    def __init__(self, seconds):
        self._end = time.monotonic() + seconds

    def passed(self):
        return time.monotonic() >= self._end

    def left(self):
        return max(0.0, self._end - time.monotonic())
