"""Where a firm's QuickBooks books start for Ledgerbridge: the cutover date and QuickBooks' closing date.

A firm that installs Ledgerbridge already has its books in QuickBooks. From the cutover date on Ledgerbridge
posts what Clio holds; before it, nothing is created: what QuickBooks already has is linked (see
``app.sync.existing``), each client's trust balance on the day is posted as one opening entry per matter,
and bills issued before the cutover that are still open are posted or left out, as the bookkeeper chose.
QuickBooks' own closing date is read on every run: nothing dated on or before it is ever sent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.errors import LedgerbridgeError
from app.store import settings
from app.store.db import Store

START_KEY = "sync.cutover_date"
OPEN_BILLS_KEY = "sync.cutover_open_bills"
CLOSE_KEY = "sync.qbo_close_date"
OPEN_BILLS = ("post", "leave")


@dataclass
class Cutover:
    start: dt.date | None = None  # nothing dated before it is created in QuickBooks
    open_bills: str = "post"  # bills issued before ``start`` still awaiting payment: "post" or "leave"
    closed_through: dt.date | None = None  # QuickBooks' closing date: nothing on or before it is sent
    # Reads QuickBooks' closing date the first time a write is checked against it (a run with nothing to
    # write never asks); then ``closed_through`` holds it.
    fetch_closing: Callable[[], dt.date | None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def before_start(self, day: dt.date | None) -> bool:
        return self.start is not None and day is not None and day < self.start

    def closing_date(self) -> dt.date | None:
        with self._lock:
            if self.fetch_closing is not None:
                self.closed_through, self.fetch_closing = self.fetch_closing(), None
            return self.closed_through

    def closed(self, day: dt.date | None) -> bool:
        if day is None:
            return False
        closed = self.closing_date()
        return closed is not None and day <= closed

    def closed_sentence(self, what: str, day: dt.date) -> str:
        closed = self.closing_date()
        return (f"{what} is dated {day.isoformat()}, on or before QuickBooks' closing date "
                f"({closed.isoformat() if closed else ''}), so it was not sent: QuickBooks "
                "refuses changes to a closed period. Either reopen the period in QuickBooks (Settings → Advanced "
                "→ Close the books) and retry, or change the date in Clio, or dismiss it with a note if the "
                "closed period already has it.")


def cutover_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` → a date, for the command line (an unreadable date is an argparse error)."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written as YYYY-MM-DD") from None


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def load(store: Store, preferences: Callable[[], dict[str, Any]] | None = None) -> Cutover:
    """The saved cutover, with the closing date last read; with ``preferences`` (QuickBooks' company
    preferences, read on demand) the closing date is read afresh the first time a write needs it."""
    fetch = (lambda: remember_closing_date(store, preferences())) if preferences is not None else None
    return Cutover(_date(settings.get(store, START_KEY)), str(settings.get(store, OPEN_BILLS_KEY) or "post"),
                   _date(settings.get(store, CLOSE_KEY)), fetch)


def save(store: Store, start: dt.date | None, open_bills: str | None = None) -> Cutover:
    """Save the firm's cutover (None: post the whole Clio history) and what to do with earlier open bills."""
    if open_bills is not None and open_bills not in OPEN_BILLS:
        raise LedgerbridgeError(f"Open bills before the cutover can be posted or left out, not {open_bills!r}.",
                                next_step="Choose 'post' or 'leave'.")
    settings.put(store, START_KEY, start.isoformat() if start else None)
    if open_bills is not None:
        settings.put(store, OPEN_BILLS_KEY, open_bills)
    return load(store)


def remember_closing_date(store: Store, preferences: dict[str, Any]) -> dt.date | None:
    """Keep QuickBooks' closing date (Preferences → AccountingInfoPrefs.BookCloseDate; absent when the books
    are not closed)."""
    closed = _date((preferences.get("AccountingInfoPrefs") or {}).get("BookCloseDate"))
    settings.put(store, CLOSE_KEY, closed.isoformat() if closed else None)
    return closed
