"""wait_until: polls on the clock it is given, every tenth of the time waited (1 s to 15 s), and reports where a timeout left off."""

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import WaitTimeout
from ansible_collections.pacific.vsphere.plugins.module_utils.waiter import wait_until


class Clock:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_returns_the_first_state_that_is_done_reading_at_once():
    clock = Clock()
    states = iter(["CONFIGURING", "CONFIGURING", "CONFIGURING", "RUNNING"])

    reached = wait_until(lambda: next(states), lambda state: state == "RUNNING", timeout=60, what="it", clock=clock, sleep=clock.sleep)

    assert reached == "RUNNING"
    assert clock.sleeps == [1.0, 1.0, 1.0]


def test_the_interval_is_a_tenth_of_the_time_waited_so_an_end_is_seen_at_most_that_late():
    clock = Clock()
    ends_at = clock.now + 95.0
    reached = wait_until(lambda: clock.now >= ends_at, bool, timeout=600, what="it", clock=clock, sleep=clock.sleep)

    assert reached is True
    assert clock.sleeps[:10] == [1.0] * 10  # the first ten seconds: every second
    waited = sum(clock.sleeps)
    assert 95.0 <= waited <= 95.0 * 1.1
    assert all(later >= earlier for earlier, later in zip(clock.sleeps, clock.sleeps[1:]))


def test_the_interval_stops_growing_at_fifteen_seconds():
    clock = Clock()

    with pytest.raises(WaitTimeout):
        wait_until(lambda: "CONFIGURING", lambda state: False, timeout=300, what="it", clock=clock, sleep=clock.sleep)

    assert max(clock.sleeps) == 15.0
    assert sum(clock.sleeps) == pytest.approx(300)


def test_a_timeout_carries_the_last_state_read():
    clock = Clock()
    reads = iter(range(100))

    with pytest.raises(WaitTimeout) as raised:
        wait_until(lambda: next(reads), lambda state: False, timeout=5, what="the Supervisor", describe=lambda n: f"read {n}", clock=clock, sleep=clock.sleep)

    assert raised.value.reached == 5  # read at 0, 1, 2, 3, 4 and 5 s
    assert raised.value.timeout == 5
    assert raised.value.message == "Timed out after 5s waiting for the Supervisor (last seen: read 5)"


def test_a_zero_timeout_reads_once():
    clock = Clock()

    with pytest.raises(WaitTimeout):
        wait_until(lambda: "CONFIGURING", lambda state: False, timeout=0, what="it", clock=clock, sleep=clock.sleep)

    assert clock.sleeps == []
