"""QboLimiter.try_reserve_batch: claim a place in the batch quota at once, or hear there is none."""

from __future__ import annotations

import threading

import pytest

from app.qbo.limits import QboLimiter


class Clock:
    """A hand-moved clock: the limiter's windows are tested without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_reservations_stop_at_the_batch_quota_and_come_back_when_released() -> None:
    lim = QboLimiter(per_minute=500, batch_per_minute=3, max_concurrent=10, window_seconds=60.0, clock=Clock())
    assert [lim.try_reserve_batch() for _ in range(4)] == [True, True, True, False]
    assert lim.batches_reserved == 3
    lim.release_batch_reservation()
    assert lim.batches_reserved == 2
    assert lim.try_reserve_batch() is True
    assert lim.try_reserve_batch() is False


def test_answered_batches_count_until_their_window_has_passed() -> None:
    clock = Clock()
    lim = QboLimiter(per_minute=500, batch_per_minute=2, max_concurrent=10, window_seconds=60.0, clock=clock)
    for _ in range(2):  # two batches sent and answered: the quota is used for the next minute
        assert lim.try_reserve_batch()
        with lim.slot(batch=True):
            pass
        lim.release_batch_reservation()
    assert lim.batches_reserved == 0
    assert lim.try_reserve_batch() is False
    clock.now += 59.9
    assert lim.try_reserve_batch() is False
    clock.now += 0.2  # the first answers are now older than the window
    assert lim.try_reserve_batch() is True
    assert lim.try_reserve_batch() is True
    assert lim.try_reserve_batch() is False


def test_without_a_batch_quota_every_chunk_may_be_a_batch() -> None:
    lim = QboLimiter(per_minute=0, batch_per_minute=0, clock=Clock())
    assert all(lim.try_reserve_batch() for _ in range(100))
    for _ in range(100):
        lim.release_batch_reservation()
    assert lim.batches_reserved == 0


def test_a_release_without_a_reservation_is_a_bug() -> None:
    lim = QboLimiter(clock=Clock())
    with pytest.raises(RuntimeError):
        lim.release_batch_reservation()


def test_concurrent_claims_never_exceed_the_quota() -> None:
    """Many threads asking at once for the last places: exactly the quota is granted, never more."""
    lim = QboLimiter(per_minute=500, batch_per_minute=7, max_concurrent=10, window_seconds=60.0, clock=Clock())
    start = threading.Barrier(16)
    granted: list[bool] = []
    lock = threading.Lock()

    def claim() -> None:
        start.wait()
        for _ in range(5):
            ok = lim.try_reserve_batch()
            with lock:
                granted.append(ok)

    threads = [threading.Thread(target=claim) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert granted.count(True) == 7 and lim.batches_reserved == 7
