"""The shared fixed-window limiter: counts, refusals, reset time, window roll-over, threads."""

from __future__ import annotations

import threading

from app.sandbox.ratelimit import KeyedRateLimiter, RateLimiter


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_allows_limit_then_refuses_with_retry_after() -> None:
    clock = FakeClock()
    rl = RateLimiter(3, 10.0, clock=clock)
    assert rl.try_acquire() == (True, 2, 1010.0, 0.0)
    assert rl.try_acquire()[:2] == (True, 1)
    assert rl.try_acquire()[:2] == (True, 0)
    clock.now = 1004.0
    allowed, remaining, reset, retry_after = rl.try_acquire()
    assert (allowed, remaining, reset, retry_after) == (False, 0, 1010.0, 6.0)


def test_window_rolls_over_on_the_grid() -> None:
    clock = FakeClock()
    rl = RateLimiter(1, 10.0, clock=clock)
    assert rl.try_acquire()[0]
    assert not rl.try_acquire()[0]
    clock.now = 1035.0  # three windows later: the current one started at 1030
    assert rl.try_acquire() == (True, 0, 1040.0, 0.0)


def test_zero_limit_disables_limiting() -> None:
    rl = RateLimiter(0, 1.0)
    assert all(rl.try_acquire()[0] for _ in range(1000))


def test_thread_safe_exact_count() -> None:
    rl = RateLimiter(500, 60.0)
    allowed: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(200):
            ok = rl.try_acquire()[0]
            with lock:
                allowed.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 500
    assert allowed.count(False) == 300


def test_keyed_limiters_are_independent() -> None:
    clock = FakeClock()
    rl = KeyedRateLimiter(1, 5.0, clock=clock)
    assert rl.try_acquire("a")[0]
    assert not rl.try_acquire("a")[0]
    assert rl.try_acquire("b")[0]
