"""API errors as Kubernetes reports them: an HTTP code and a `Status` body.

The messages follow the API server's wording, because clients (kubectl,
kubernetes.core, the collection's own client) show them to people and some
match on `reason`.
"""

from typing import NamedTuple, Optional


class Cause(NamedTuple):
    """One entry of `details.causes`: what is wrong with which field."""

    reason: str
    message: str
    field: Optional[str] = None

    def as_dict(self):
        cause = {"reason": self.reason, "message": self.message}
        if self.field is not None:
            cause["field"] = self.field
        return cause


class ApiError(Exception):
    def __init__(self, code, reason, message, *, name=None, group=None, kind=None, causes=(), retry_after=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.name = name
        self.group = group
        self.kind = kind
        self.causes = list(causes)
        self.retry_after = retry_after

    def status(self):
        """The `Status` object sent as the response body."""
        details = {}
        for key in ("name", "group", "kind"):
            value = getattr(self, key)
            if value is not None:
                details[key] = value
        if self.causes:
            details["causes"] = [cause.as_dict() for cause in self.causes]
        if self.retry_after is not None:
            details["retryAfterSeconds"] = self.retry_after
        body = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if details:
            body["details"] = details
        return body


def _qualified(resource):
    """`tanzukubernetesclusters.run.tanzu.vmware.com`, or `configmaps` for the core group."""
    return f"{resource.plural}.{resource.group}" if resource.group else resource.plural


def not_found(resource, name):
    return ApiError(404, "NotFound", f'{_qualified(resource)} "{name}" not found',
                    name=name, group=resource.group, kind=resource.plural)


def already_exists(resource, name):
    return ApiError(409, "AlreadyExists", f'{_qualified(resource)} "{name}" already exists',
                    name=name, group=resource.group, kind=resource.plural)


def conflict(resource, name, why="the object has been modified; please apply your changes to the latest version and try again"):
    return ApiError(409, "Conflict", f'Operation cannot be fulfilled on {_qualified(resource)} "{name}": {why}',
                    name=name, group=resource.group, kind=resource.plural)


def apply_conflict(conflicts):
    """409 for a server-side apply whose fields are owned by other managers.

    `conflicts`: list of `(manager, api_version, field path)`.
    """
    by_manager = {}
    for manager, api_version, field in conflicts:
        by_manager.setdefault((manager, api_version), []).append(field)
    count = len(conflicts)
    if count == 1:
        (manager, api_version), fields = next(iter(by_manager.items()))
        summary = f'Apply failed with 1 conflict: conflict with "{manager}" using {api_version}: {fields[0]}'
    else:
        lines = [f"Apply failed with {count} conflicts:"]
        for (manager, api_version), fields in by_manager.items():
            lines.append(f'conflicts with "{manager}" using {api_version}:')
            lines.extend(f"- {field}" for field in fields)
        summary = "\n".join(lines)
    causes = [Cause("FieldManagerConflict", f'conflict with "{manager}" using {api_version}', field)
              for manager, api_version, field in conflicts]
    return ApiError(409, "Conflict", summary, causes=causes)


def invalid(resource, name, causes):
    """422 for an object that fails validation; the message lists every cause, as the API server does."""
    rendered = [f"{c.field}: {c.message}" if c.field else c.message for c in causes]
    summary = rendered[0] if len(rendered) == 1 else "[" + ", ".join(rendered) + "]"
    qualified_kind = f"{resource.kind}.{resource.group}" if resource.group else resource.kind
    return ApiError(422, "Invalid", f'{qualified_kind} "{name}" is invalid: {summary}',
                    name=name, group=resource.group, kind=resource.kind, causes=causes)


def forbidden(resource, name, namespace, username, verb, why=None, subresource=None):
    """403 worded as RBAC words it (`User "sso:..." cannot create resource ...`)."""
    target = f'{_qualified(resource)} "{name}"' if name else _qualified(resource)
    plural = f"{resource.plural}/{subresource}" if subresource else resource.plural
    scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    reason = why or (f'User "{username}" cannot {verb} resource "{plural}" in API group '
                     f'"{resource.group}" {scope}')
    return ApiError(403, "Forbidden", f"{target} is forbidden: {reason}",
                    name=name, group=resource.group, kind=resource.plural)


def unauthorized(message="Unauthorized"):
    return ApiError(401, "Unauthorized", message)


def path_not_found():
    """404 for a path the server does not serve."""
    return ApiError(404, "NotFound", "the server could not find the requested resource")


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def method_not_allowed():
    return ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")


def unsupported_media_type(accepted):
    return ApiError(415, "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types include: "
                    + ", ".join(accepted))


def gone(message):
    return ApiError(410, "Expired", message)


def resource_version_too_large(message):
    """504 for a list at a resourceVersion the store has not reached (the API server waits 3 s, then answers this)."""
    return ApiError(504, "Timeout", message, causes=[Cause("ResourceVersionTooLarge", "Too large resource version")], retry_after=1)


def unprocessable_patch(message):
    """422 for a patch that cannot be applied to the object (a failed JSON patch `test`, a missing path)."""
    return ApiError(422, "Invalid", f"the server rejected our request due to an error in our request: {message}")


def service_unavailable(message, retry_after=1):
    return ApiError(503, "ServiceUnavailable", message, retry_after=retry_after)


def internal_error(message):
    return ApiError(500, "InternalError", f"Internal error occurred: {message}")
