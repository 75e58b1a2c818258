"""Client-side pacing for one QuickBooks realm: fill Intuit's quotas without tripping them.

QuickBooks allows, per realm (and app), 500 requests a minute (batches included), 10 requests a second,
40 batch requests a minute, and (an older rule still met in practice) 10 requests at once. :class:`QboLimiter`
holds a count for the concurrency cap and, per quota, a sliding log of request times. For the minute quotas a
request counts from the moment it is sent until ``window`` seconds after its answer arrived: QuickBooks saw
it somewhere in between, so spacing by the answer time can never put more than the quota into any window on
the server's clock, however QuickBooks aligns its windows.
The window length is a parameter so benchmarks and tests can scale a minute down to seconds (the second
scales with it: a window of 6 s makes the per-second quota one of 0.1 s).
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# The part of a second by which the network may delay one request more than another (50 ms at real scale; it
# scales with the window, as the second itself does, so a benchmark's scaled minute keeps the same ratios).
SEND_JITTER = 0.05
MIN_JITTER_SECONDS = 0.01  # but never less than this: a scaled-down second is no steadier than a real one


class _Window:
    """At most ``limit`` requests in flight or answered within the last ``window`` seconds; or, with
    ``by_send``, at most ``limit`` sent within the last ``window`` seconds."""

    def __init__(self, limit: int, window: float, *, by_send: bool = False) -> None:
        self.limit = limit
        self.window = window
        self.by_send = by_send
        self.in_flight = 0
        self.done: collections.deque[float] = collections.deque()

    def used(self, now: float) -> int:
        while self.done and self.done[0] + self.window <= now:
            self.done.popleft()
        return self.in_flight + len(self.done)

    def wait_seconds(self, now: float, limit: int | None = None) -> float:
        """0 when a request may start now (under ``limit``, default the quota), else how long to wait."""
        if self.limit <= 0:
            return 0.0
        if self.used(now) < (self.limit if limit is None else limit):
            return 0.0
        if not self.done:  # every slot is in flight: wait for an answer (woken by notify)
            return self.window
        return self.done[0] + self.window - now

    def start(self, now: float) -> None:
        if self.by_send:
            if self.limit > 0:
                self.done.append(now)
            return
        self.in_flight += 1

    def finish(self, now: float) -> None:
        if self.by_send:
            return
        self.in_flight -= 1
        if self.limit > 0:
            self.done.append(now)


class QboLimiter:
    """Thread-safe pacing: ``with limiter.slot(batch=True): send()``."""

    def __init__(
        self,
        *,
        per_minute: int = 500,
        batch_per_minute: int = 40,
        max_concurrent: int = 10,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        headroom: int = 1,
        per_second: int = 10,
    ) -> None:
        # QuickBooks counts a request as running until its answer has been sent, a moment after we have
        # read it; keeping ``headroom`` places free stops a new request from arriving in that moment.
        self.max_concurrent = max(1, max_concurrent - headroom) if max_concurrent > 0 else 0
        self._clock = clock
        self._cond = threading.Condition()
        self._all = _Window(per_minute, window_seconds)
        self._batch = _Window(batch_per_minute, window_seconds)
        # Per second, requests are spaced by the time they are sent (counting each until a second after its
        # answer, as the minute quotas do, would cap a slow batch's rate far below ten a second), over a
        # second plus SEND_JITTER of one, with ``headroom`` places kept free as for the concurrency cap: the
        # moment between taking a place and the request reaching QuickBooks varies (the GIL, the network).
        # Nine per 1.05 s is still above the 500-a-minute quota.
        second = window_seconds / 60.0
        self._second = _Window(max(1, per_second - headroom) if per_second > 0 else 0,
                               second + max(second * SEND_JITTER, MIN_JITTER_SECONDS), by_send=True)
        self._running = 0
        self._blocked_until = 0.0
        self._batch_demand = float("-inf")  # when a batch last asked for a slot
        self._batch_reserved = 0  # batch places claimed by try_reserve_batch and not yet given back
        self.waited_seconds = 0.0  # total time callers spent waiting for a slot (for benchmarks)

    def _wait_for(self, batch: bool) -> float:
        now = self._clock()
        if batch:
            self._batch_demand = now
            wait = max(self._all.wait_seconds(now), self._batch.wait_seconds(now))
        elif self._batch.limit > 0 and now - self._batch_demand < self._batch.window:
            # Batches are in use: single requests leave enough of the request budget for the batches
            # still allowed in this window, since a batch carries 30 writes and a single one.
            reserve = max(0, self._batch.limit - self._batch.used(now))
            wait = self._all.wait_seconds(now, self._all.limit - reserve)
        else:
            wait = self._all.wait_seconds(now)
        wait = max(wait, self._second.wait_seconds(now), self._blocked_until - now)
        if self.max_concurrent > 0 and self._running >= self.max_concurrent:
            wait = max(wait, 60.0)  # woken by notify when one finishes
        return wait

    def acquire(self, *, batch: bool = False) -> None:
        start = self._clock()
        with self._cond:
            while (wait := self._wait_for(batch)) > 0:
                self._cond.wait(wait)
            self._running += 1
            now = self._clock()
            self._all.start(now)
            self._second.start(now)
            if batch:
                self._batch.start(now)
        self.waited_seconds += self._clock() - start

    def release(self, *, batch: bool = False) -> None:
        with self._cond:
            now = self._clock()
            self._running -= 1
            self._all.finish(now)
            self._second.finish(now)
            if batch:
                self._batch.finish(now)
            self._cond.notify_all()

    def try_reserve_batch(self) -> bool:
        """Claim a place in the batch quota now, or say at once that there is none (never waits).

        A sender with several chunks ready asks this before each one: True means "send it as a batch" (and
        the place stays claimed until :meth:`release_batch_reservation`), False means "send it as single
        requests". Deciding and claiming under the limiter's own lock stops several threads from all
        seeing the last free place and then waiting a whole window for it while the single-request budget
        sits unused. Without a batch quota every chunk may go as a batch."""
        with self._cond:
            if self._batch.limit > 0:
                self._batch.used(self._clock())  # forget answers older than the window
                if len(self._batch.done) + self._batch_reserved >= self._batch.limit:
                    return False
            self._batch_reserved += 1
            return True

    def release_batch_reservation(self) -> None:
        """Give back a place claimed by :meth:`try_reserve_batch` once that batch has been answered."""
        with self._cond:
            if self._batch_reserved <= 0:
                raise RuntimeError("release_batch_reservation without a matching try_reserve_batch")
            self._batch_reserved -= 1

    @property
    def batches_reserved(self) -> int:
        """How many batch places are claimed right now (for tests and benchmarks)."""
        with self._cond:
            return self._batch_reserved

    def penalise(self, seconds: float) -> None:
        """After a 429, hold every new request back for ``seconds`` (QuickBooks' throttle is per realm)."""
        with self._cond:
            self._blocked_until = max(self._blocked_until, self._clock() + seconds)

    @contextmanager
    def slot(self, *, batch: bool = False) -> Iterator[None]:
        self.acquire(batch=batch)
        try:
            yield
        finally:
            self.release(batch=batch)
