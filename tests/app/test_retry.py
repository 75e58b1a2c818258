"""The one backoff formula and Retry-After reading every client uses."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from app.retry import Backoff, retry_after_seconds


@given(st.integers(0, 200))
def test_a_delay_stays_between_its_floor_and_its_capped_ceiling(attempt):
    b = Backoff(base=0.25, cap=10.0, floor=0.25)
    assert 0.25 <= b.delay(attempt) <= min(10.0, 0.25 * 2 ** min(attempt, 32))


def test_delays_grow_then_stop_at_the_cap():
    b = Backoff(base=0.2, cap=8.0)
    assert max(b.delay(0) for _ in range(200)) <= 0.2
    assert max(b.delay(10) for _ in range(200)) > 4.0  # full jitter up to the cap, not stuck low
    assert all(b.delay(60) <= 8.0 for _ in range(200))


def test_retry_after_in_seconds_or_as_a_date():
    now = dt.datetime(2026, 12, 4, 12, 0, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("7") == 7.0 and retry_after_seconds("1.5") == 1.5
    assert retry_after_seconds("Fri, 04 Dec 2026 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Fri, 04 Dec 2026 11:00:00 GMT", now=now) == 0.0  # already past: go now
    assert retry_after_seconds("-3") == 0.0
    for unreadable in (None, "", "soon", "Fri, 99 Foo"):
        assert retry_after_seconds(unreadable) is None
