"""vCenter's REST error bodies: `{"error_type": ..., "messages": [{"id", "default_message", "args"}]}`.

The HTTP status of each vAPI standard error follows the vSphere Automation
API's REST mapping (docs: "Vapi Std Errors Error Type").
"""

import json

HTTP_STATUS = {
    "ALREADY_EXISTS": 400,
    "ALREADY_IN_DESIRED_STATE": 400,
    "INVALID_ARGUMENT": 400,
    "NOT_ALLOWED_IN_CURRENT_STATE": 400,
    "RESOURCE_IN_USE": 400,
    "UNSUPPORTED": 400,
    "UNABLE_TO_ALLOCATE_RESOURCE": 400,
    "UNAUTHENTICATED": 401,
    "UNAUTHORIZED": 403,
    "NOT_FOUND": 404,
    "ERROR": 500,
    "SERVICE_UNAVAILABLE": 503,
}


def message(message_id, default_message, *args):
    """A LocalizableMessage."""
    return {"id": message_id, "default_message": default_message, "args": [str(a) for a in args]}


class ApiError(Exception):
    """A vAPI standard error; `messages` is the stack, most specific first."""

    def __init__(self, error_type, messages):
        super().__init__(messages[0]["default_message"])
        self.error_type = error_type
        self.messages = messages

    @property
    def status(self):
        return HTTP_STATUS[self.error_type]

    def body(self):
        return json.dumps({"error_type": self.error_type, "messages": self.messages}).encode()


def invalid_argument(default_message, *args, message_id="vcenter.lab.invalid.argument"):
    return ApiError("INVALID_ARGUMENT", [message(message_id, default_message, *args)])


def invalid_fields(problems):
    """INVALID_ARGUMENT listing every (field path, reason) found, so one round trip shows them all."""
    return ApiError("INVALID_ARGUMENT", [
        message("vcenter.lab.invalid.field", f"Invalid value for '{field}': {reason}", field, reason)
        for field, reason in problems
    ])


def not_found(default_message, *args):
    return ApiError("NOT_FOUND", [message("vcenter.lab.not.found", default_message, *args)])


def already_exists(default_message, *args):
    return ApiError("ALREADY_EXISTS", [message("vcenter.lab.already.exists", default_message, *args)])


def not_allowed(default_message, *args):
    return ApiError("NOT_ALLOWED_IN_CURRENT_STATE",
                    [message("vcenter.lab.not.allowed.in.current.state", default_message, *args)])


def unsupported(default_message, *args):
    return ApiError("UNSUPPORTED", [message("vcenter.lab.unsupported", default_message, *args)])


def unauthenticated():
    return ApiError("UNAUTHENTICATED", [message(
        "vapi.method.authentication.required", "Authentication required.")])


def route_not_found():
    return ApiError("NOT_FOUND", [message("com.vmware.vapi.rest.httpNotFound", "Not found.")])


def service_unavailable():
    return ApiError("SERVICE_UNAVAILABLE", [message(
        "vcenter.lab.fault.injected", "Service unavailable (fault injected by the lab).")])
