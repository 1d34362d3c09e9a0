"""call_with_retries: what is retried, how long it waits, when it stops."""

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import ConnectionFailure, TransientError
from ansible_collections.pacific.vsphere.plugins.module_utils.retries import RetryPolicy, backoff_delay, call_with_retries


class Flaky:
    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def test_returns_at_once_when_the_call_succeeds():
    sleeps = []

    assert call_with_retries(Flaky("ok"), RetryPolicy(), sleep=sleeps.append) == "ok"
    assert sleeps == []


def test_retries_transient_errors_with_exponential_full_jitter():
    sleeps = []
    func = Flaky(TransientError("busy"), TransientError("busy"), TransientError("busy"), "ok")
    policy = RetryPolicy(attempts=4, base_delay=1.0, max_delay=3.0)

    # rand() at its maximum shows the ceilings: 1, 2, then capped at 3.
    assert call_with_retries(func, policy, sleep=sleeps.append, rand=lambda: 1.0) == "ok"
    assert sleeps == [1.0, 2.0, 3.0]


def test_jitter_spreads_the_delay_below_the_ceiling():
    policy = RetryPolicy(base_delay=2.0, max_delay=30.0)

    assert backoff_delay(3, policy, rand=lambda: 0.25) == 2.0
    assert backoff_delay(3, policy, rand=lambda: 0.0) == 0.0


def test_gives_up_after_the_last_attempt_and_says_how_many():
    func = Flaky(*[TransientError("vCenter busy")] * 3)

    with pytest.raises(TransientError) as raised:
        call_with_retries(func, RetryPolicy(attempts=3), sleep=lambda _: None)

    assert func.calls == 3
    assert raised.value.attempts == 3
    assert str(raised.value) == "vCenter busy (gave up after 3 attempts)"


def test_gives_up_when_the_next_wait_would_pass_the_total_time():
    func = Flaky(*[TransientError("vCenter busy")] * 10)
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    with pytest.raises(TransientError) as raised:
        call_with_retries(func, RetryPolicy(attempts=10, base_delay=4.0, max_delay=4.0, max_total=10.0), sleep=sleep, rand=lambda: 1.0, clock=lambda: now[0])

    # Waits of 4 s: after 8 s, a third would end at 12 s, past the 10 s allowed.
    assert func.calls == 3
    assert now[0] == 8.0
    assert raised.value.attempts == 3


def test_errors_off_the_allow_list_are_raised_at_once():
    func = Flaky(ConnectionFailure("refused"), "ok")

    with pytest.raises(ConnectionFailure):
        call_with_retries(func, RetryPolicy(), sleep=pytest.fail)

    assert func.calls == 1


def test_the_allow_list_is_the_policys():
    func = Flaky(KeyError("x"), "ok")

    assert call_with_retries(func, RetryPolicy(retry_on=(KeyError,)), sleep=lambda _: None) == "ok"


def test_retry_after_raises_the_delay():
    sleeps = []
    func = Flaky(TransientError("slow down", retry_after=5.0), "ok")

    call_with_retries(func, RetryPolicy(base_delay=0.1), sleep=sleeps.append, rand=lambda: 1.0)

    assert sleeps == [5.0]


def test_retry_after_beyond_the_limit_stops_retrying():
    func = Flaky(TransientError("come back in an hour", retry_after=3600.0), "ok")

    with pytest.raises(TransientError):
        call_with_retries(func, RetryPolicy(max_retry_after=60.0), sleep=pytest.fail)

    assert func.calls == 1
