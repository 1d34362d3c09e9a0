"""The topology's lock over a fake of vCenter's tagging API: atomic create, holder named, waits bounded, takeover of a dead holder, force-unlock."""

import json

import pytest
from ansible_collections.pacific.vsphere.plugins.module_utils.errors import AlreadyExistsError, ConnectionFailure, NotFoundError, PacificError
from ansible_collections.pacific.vsphere.plugins.module_utils.resources.platform_lock import LockHeld, LockInfo, PlatformLock
from ansible_collections.pacific.vsphere.tests.unit.plugins.module_utils.resources.fake_clock import Clock


class Tagging:
    """Tags by id, refused twice as vCenter refuses them; ``lose_answers`` drops the answer of that many creates after making the tag."""

    def __init__(self, lose_answers=0):
        self.tags, self.categories, self.calls = {}, set(), []
        self.lose_answers = lose_answers

    def post(self, path, *, params=None, json=None, what=None, idempotent=None):
        self.calls.append(("POST", path))
        if path.endswith("/category"):
            self.categories.add(json["category_id"])
            return json["category_id"]
        if json["category_id"] not in self.categories:
            raise NotFoundError("no such category")
        if json["tag_id"] in self.tags:
            raise AlreadyExistsError("Tag with id already exists.")
        self.tags[json["tag_id"]] = json
        if self.lose_answers:
            self.lose_answers -= 1
            raise AlreadyExistsError("(the resent create, after the first went through)")
        return json["tag_id"]

    def get(self, path, *, what=None):
        self.calls.append(("GET", path))
        tag = self.tags.get(path.rsplit("/", 1)[1])
        if tag is None:
            raise NotFoundError("no such tag")
        return tag

    def delete(self, path, *, what=None):
        self.calls.append(("DELETE", path))
        self.tags.pop(path.rsplit("/", 1)[1], None)


def lock(tagging, clock=None, alive=lambda pid: True):
    clock = clock or Clock()
    return PlatformLock(tagging, "prod", sleep=clock.sleep, clock=clock, alive=alive)


def info(**changes):
    mine = LockInfo.mine("apply", "prod")
    return LockInfo(**{**mine.__dict__, **changes})


def test_the_first_run_takes_the_lock_and_a_second_is_refused_naming_the_holder():
    tagging = Tagging()
    first = lock(tagging).acquire(info(Host="ci-7", Who="jenkins@ci-7"))

    with pytest.raises(LockHeld) as raised:
        lock(tagging).acquire(info())

    message = str(raised.value)
    assert f"ID: {first.ID}" in message and "Who: jenkins@ci-7" in message and f"Created: {first.Created}" in message
    assert f"pacific force-unlock {first.ID}" in message


def test_a_wait_polls_until_its_deadline_then_fails():
    tagging, clock = Tagging(), Clock()
    lock(tagging).acquire(info(Host="ci-7"))

    with pytest.raises(LockHeld, match="after waiting 10s"):
        lock(tagging, clock).acquire(info(), timeout=10)

    assert clock.now >= 10


def test_a_lock_released_while_waiting_is_taken():
    tagging, clock = Tagging(), Clock()
    holder = lock(tagging)
    held = holder.acquire(info(Host="ci-7"))
    waiting = lock(tagging, clock)
    original_sleep = clock.sleep

    def release_then_sleep(seconds):
        holder.release(held)
        original_sleep(seconds)

    waiting._sleep = release_then_sleep
    assert waiting.acquire(info(), timeout=60).Operation == "apply"


def test_a_holder_on_this_host_whose_process_ended_is_taken_over_and_said_so():
    tagging = Tagging()
    dead = info(PID=999999)
    lock(tagging).acquire(dead)
    taker = lock(tagging, alive=lambda pid: pid != 999999)

    mine = taker.acquire(info())

    assert json.loads(next(iter(tagging.tags.values()))["description"])["ID"] == mine.ID
    assert "process 999999" in taker.notices[0] and "has ended" in taker.notices[0]


def test_a_create_whose_answer_was_lost_is_known_as_ours_by_reading_it_back():
    tagging = Tagging(lose_answers=1)
    mine = info()

    assert lock(tagging).acquire(mine) == mine


def test_release_frees_only_its_own_lock():
    tagging = Tagging()
    one = lock(tagging)
    held = one.acquire(info())
    one.release(info())  # another run's info: not the holder
    assert tagging.tags
    one.release(held)
    assert not tagging.tags


def test_force_unlock_needs_the_holders_id():
    tagging = Tagging()
    held = lock(tagging).acquire(info(Host="ci-7"))

    with pytest.raises(PacificError, match=f"held under ID {held.ID}, not 1234"):
        lock(tagging).force_unlock("1234")
    assert lock(tagging).force_unlock(held.ID).ID == held.ID
    with pytest.raises(PacificError, match="is not held"):
        lock(tagging).force_unlock(held.ID)


def test_a_dropped_connection_is_not_taken_for_a_lock():
    class Dropping(Tagging):
        def post(self, path, **kwargs):
            raise ConnectionFailure("Failed to take the topology's lock: the connection was dropped")

    with pytest.raises(ConnectionFailure):
        lock(Dropping()).acquire(info())
