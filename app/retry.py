"""How every HTTP client here waits before trying again: one backoff formula and one reading of Retry-After.

The loops stay with their clients (each knows what may be retried: a 401 means refresh first, a QuickBooks
write is retried only with its request id); how long to wait is decided here.
"""

from __future__ import annotations

import datetime as dt
import random
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
