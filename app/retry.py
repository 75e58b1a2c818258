"""How every HTTP client here waits before trying again: one backoff formula and one reading of Retry-After.

The loops stay with their clients (each knows what may be retried: a 401 means refresh first, a QuickBooks
write is retried only with its request id); how long to wait is decided here.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter: attempt ``n`` waits a random time between ``floor`` and
    ``min(cap, base * 2**n)`` seconds, so clients that failed together do not retry together."""

    base: float
    cap: float
    floor: float = 0.0

    def delay(self, attempt: int) -> float:
        ceiling = min(self.cap, self.base * 2 ** min(attempt, 32))
        return random.uniform(min(self.floor, ceiling), ceiling)


def retry_after_seconds(header: str | None, *, now: dt.datetime | None = None) -> float | None:
    """A Retry-After header in seconds (RFC 9110: a number of seconds, or an HTTP date), None when absent or
    unreadable. Never negative."""
    if header is None or not header.strip():
        return None
    try:
        return max(float(header), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max((when - (now or dt.datetime.now(dt.UTC))).total_seconds(), 0.0)


class TokenBucket:
    """``rate`` requests a second with bursts of ``burst``, shared by a client's threads: a client keeps just under
    its service's published rate, so network jitter never meets the limit (the emulators use it as the limit)."""

    def __init__(self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate, self.burst = rate, burst
        self.clock, self.sleep = clock, sleep
        self.tokens = float(burst)
        self.stamp = clock()
        self.lock = threading.Lock()

    def try_take(self) -> float:
        """Take a token if there is one (0.0); else how long until there is one, taking nothing."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            return (1 - self.tokens) / self.rate

    def take(self) -> None:
        while (wait := self.try_take()) > 0:
            self.sleep(wait)
