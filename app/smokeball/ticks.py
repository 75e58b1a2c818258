"""Smokeball's two changed-since forms: ``UpdatedSince`` is a count of .NET ticks (100 ns since
0001-01-01 UTC), ``LastUpdated`` an ISO date-time. Which one an endpoint takes is in ``spec.json``."""

from __future__ import annotations

import datetime as dt

EPOCH = dt.datetime(1, 1, 1, tzinfo=dt.UTC)


def to_ticks(when: dt.datetime | str) -> int:
    """A moment (aware, or naive meaning UTC; or its ISO text) → .NET ticks."""
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    delta = when.astimezone(dt.UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def from_ticks(ticks: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=ticks // 10)


def iso(when: dt.datetime | str) -> str:
    """The ``LastUpdated`` form: UTC, seconds, with its offset."""
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).isoformat(timespec="seconds")
