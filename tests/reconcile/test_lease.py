"""The lease on the Hub: one apply at a time per project environment, without a state file."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfjobs_spec import labels as L
from hfjobs_spec.errors import LockHeldError, PlanError
from hfjobs_spec.hub.fake import FakeHub
from hfjobs_spec.hub.model import LiveSpec
from hfjobs_spec.hub.retry import RetryingBackend, RetryPolicy
from hfjobs_spec.reconcile.lease import Lease, LeaseSettings

from .helpers import Session, one_shot, scheduled, write_project

FAST = RetryPolicy(attempts=4, base_delay=0.0, max_delay=0.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub(user="alice", orgs=("acme",))


@pytest.fixture
def clock() -> Clock:
    return Clock()


def lease(hub: FakeHub, clock: Clock, holder: str, *, timeout: float = 10.0, sleep: object = None,
          notes: list[str] | None = None) -> Lease:
    def advance(seconds: float) -> None:
        clock.now += seconds

    return Lease(RetryingBackend(hub, FAST, sleep=lambda s: None), "acme", "demo", "default",
                 settings=LeaseSettings(timeout=timeout, ttl=300, poll=2), holder=holder, clock=clock,
                 sleep=sleep or advance, notify=notes.append if notes is not None else None)  # type: ignore[arg-type]


def test_a_lease_is_a_suspended_labelled_scheduled_job_removed_on_release(hub: FakeHub, clock: Clock) -> None:
    with lease(hub, clock, "laptop").held() as lock:
        (job,) = hub.scheduled.values()
        assert job.id == lock.id and job.suspend
        assert job.labels[L.LOCK] == "default" and job.labels[L.LOCK_HOLDER] == "laptop"
        assert job.labels[L.LOCK_EXPIRES] == str(int(clock.now + 300))
    assert not hub.scheduled


def test_the_oldest_live_lease_wins_and_a_loser_gives_up_naming_the_holder(hub: FakeHub, clock: Clock) -> None:
    holder = lease(hub, clock, "laptop").acquire()
    notes: list[str] = []
    with pytest.raises(LockHeldError, match=f"lock {holder.id} held by laptop") as raised:
        lease(hub, clock, "ci-run", timeout=5, notes=notes).acquire()
    assert f"force-unlock {holder.id}" in str(raised.value)
    assert list(hub.scheduled) == [holder.id]  # the loser removed its own lock
    assert notes and notes[0].startswith(f"waiting for lock {holder.id} held by laptop")


def test_a_loser_waits_for_the_holder_to_finish(hub: FakeHub, clock: Clock) -> None:
    first = lease(hub, clock, "laptop")
    held = first.acquire()

    def holder_finishes(seconds: float) -> None:
        clock.now += seconds
        first.release(held)

    mine = lease(hub, clock, "ci-run", sleep=holder_finishes).acquire()
    assert list(hub.scheduled) == [mine.id] and mine.holder == "ci-run"


@pytest.mark.parametrize("expires", ["expired", "inf", "nan", "99999999999999999999"])
def test_an_expired_or_unreadable_lease_is_taken_over(hub: FakeHub, clock: Clock, expires: str) -> None:
    dead = lease(hub, clock, "crashed").acquire()
    if expires == "expired":
        clock.now += 301
    else:
        labels = dict(hub.scheduled[dead.id].labels, **{L.LOCK_EXPIRES: expires})
        hub.set_scheduled_job_labels("acme", dead.id, labels)
    notes: list[str] = []
    mine = lease(hub, clock, "ci-run", notes=notes).acquire()
    assert list(hub.scheduled) == [mine.id]
    assert any("taking over the expired lock" in note for note in notes)


def test_force_unlock_removes_only_a_lock(hub: FakeHub, clock: Clock) -> None:
    held = lease(hub, clock, "crashed").acquire()
    job = hub.seed_scheduled("acme", LiveSpec(image="x", command=("y",), env={}, secret_names=(), flavor="cpu-basic",
                                              labels={L.MANAGED_BY: L.MANAGED_BY_VALUE, L.PROJECT: "demo"}),
                             "@daily")
    with pytest.raises(PlanError, match="is not a lock"):
        lease(hub, clock, "me").force_unlock(job.id)
    assert lease(hub, clock, "me").force_unlock(held.id).holder == "crashed"
    assert list(hub.scheduled) == [job.id]


def test_a_lease_of_another_environment_or_project_does_not_block(hub: FakeHub, clock: Clock) -> None:
    other = Lease(RetryingBackend(hub, FAST, sleep=lambda s: None), "acme", "demo", "prod", holder="prod-deploy")
    other.acquire()
    lease(hub, clock, "me", timeout=0).acquire()
    assert len(hub.scheduled) == 2


def test_plan_and_status_never_see_the_lease(tmp_path: Path, hub: FakeHub, clock: Clock) -> None:
    session = Session(tmp_path / "p", RetryingBackend(hub, FAST, sleep=lambda s: None))
    write_project(session.root, {"a": scheduled("nightly"), "b": one_shot("smoke")}, namespace="acme")
    assert session.apply().ok
    with lease(hub, clock, "other").held() as lock:
        plan = session.plan().plan
        assert not plan.has_changes and {c.name for c in plan.changes} == {"nightly", "smoke"}
        write_project(session.root, {}, namespace="acme")
        deleting = session.plan(allow_empty=True).plan
        assert {c.name for c in deleting.pending} == {"nightly", "smoke"}
        assert all(lock.id not in change.live_ids for change in deleting.changes)
        assert session.apply(allow_empty=True).ok
        assert list(hub.scheduled) == [lock.id]  # pruning everything left the lease alone
