"""A thread-safe fixed-window request limiter, shared by both emulators.

Clio and QuickBooks both count requests in fixed windows (Clio: per token per minute; QuickBooks: per
realm per minute) and say when the window resets, so a fixed window is what the clients will meet in
production. The window length is a parameter so tests and benchmarks run in seconds rather than minutes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Allow at most `limit` acquisitions per window of `window_seconds`.

    `limit <= 0` disables limiting (every call is allowed), which the benchmark uses.
    """

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if window_seconds <= 0:
            raise ValueError("window_seconds must be positive")
        self.limit = limit
        self.window_seconds = float(window_seconds)
        # The clock is wall-clock epoch seconds because the reset time goes into X-RateLimit-Reset,
        # which clients read as an epoch; tests may pass a fake clock.
        self._clock = clock
        self._lock = threading.Lock()
        self._window_start = clock()
        self._count = 0

    def _roll(self, now: float) -> None:
        if now >= self._window_start + self.window_seconds:
            # Align to the window grid so a long idle period does not stretch the next window.
            elapsed = now - self._window_start
            self._window_start += (elapsed // self.window_seconds) * self.window_seconds
            self._count = 0

    def try_acquire(self) -> tuple[bool, int, float, float]:
        """Try to take one request slot.

        Returns (allowed, remaining, reset_epoch, retry_after): `remaining` is the slots left in this
        window after this call, `reset_epoch` when the window ends, and `retry_after` the seconds to
        wait before a refused caller may try again (0.0 when allowed).
        """
        with self._lock:
            now = self._clock()
            self._roll(now)
            reset = self._window_start + self.window_seconds
            if self.limit <= 0:
                return True, 0, reset, 0.0
            if self._count < self.limit:
                self._count += 1
                return True, self.limit - self._count, reset, 0.0
            return False, 0, reset, max(0.0, reset - now)

    def reset(self) -> None:
        """Forget every request counted so far and start a fresh window now."""
        with self._lock:
            self._window_start = self._clock()
            self._count = 0


class KeyedRateLimiter:
    """One RateLimiter per key (a Clio access token, a QuickBooks realm), created on first use."""

    def __init__(self, limit: int, window_seconds: float, *, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._limiters: dict[str, RateLimiter] = {}

    def try_acquire(self, key: str) -> tuple[bool, int, float, float]:
        with self._lock:
            limiter = self._limiters.get(key)
            if limiter is None:
                limiter = RateLimiter(self.limit, self.window_seconds, clock=self._clock)
                self._limiters[key] = limiter
        return limiter.try_acquire()

    def reset(self) -> None:
        with self._lock:
            self._limiters.clear()
