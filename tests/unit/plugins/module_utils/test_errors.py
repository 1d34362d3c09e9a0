"""The typed errors: one-line messages and the details they carry."""

from ansible_collections.pacific.vsphere.plugins.module_utils.errors import (
    ApiError,
    AuthenticationError,
    NotFoundError,
    PacificError,
    SessionExpired,
    TaskFailed,
    TransientError,
    WaitTimeout,
)


def test_messages_are_one_line():
    error = PacificError("Failed to read\n   host 'H0':\tgone ")

    assert str(error) == "Failed to read host 'H0': gone"
    assert error.message == str(error)


def test_api_errors_carry_type_status_and_messages():
    error = NotFoundError("not found", kind="ClusterComputeResource", name="C9", known=("C1", "C2"), status=404, error_type="NOT_FOUND", messages=["m"])

    assert isinstance(error, ApiError)
    assert (error.kind, error.name, error.known, error.status, error.error_type, error.messages) == (
        "ClusterComputeResource",
        "C9",
        ["C1", "C2"],
        404,
        "NOT_FOUND",
        ["m"],
    )


def test_an_expired_session_is_an_authentication_error():
    assert issubclass(SessionExpired, AuthenticationError)


def test_a_transient_error_says_how_often_it_was_tried():
    error = TransientError("busy", retry_after=3.0)

    assert str(error) == "busy"
    error.attempts = 4
    assert str(error) == "busy (gave up after 4 attempts)"
    assert error.retry_after == 3.0


def test_task_and_wait_errors_carry_what_happened():
    failed = TaskFailed("failed", fault_type="InvalidState", fault_message="maintenance mode", task="task-1", entity="H0")
    timeout = WaitTimeout("timed out", reached={"state": "running"}, timeout=10)

    assert (failed.fault_type, failed.fault_message, failed.task, failed.entity) == ("InvalidState", "maintenance mode", "task-1", "H0")
    assert (timeout.reached, timeout.timeout) == ({"state": "running"}, 10)
