"""Pulling Clio into the cache: explicit fields, cursor paging, ``updated_since`` with an overlap.

Bill lines come as ONE stream of ``/line_items.json`` filtered by ``updated_since`` (never one request per
bill), read in step with the bills stream. That endpoint has no cursor (no ``order`` parameter), so the
client reads it in creation windows, each under Clio's 10,000-record offset ceiling (``app.clio.windows``);
the records still come in id order, so reading in step holds. Every stream's signpost is fixed before the
first request; its bookmark moves to that signpost only after all its records are stored (windows
included), so a run killed mid-stream reads that stream again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from app.clients import ClioSource
from app.clio.fields import FIELDS
from app.store import cache, cursors
from app.store.db import Store
from app.sync.clio_books import STREAMS

log = logging.getLogger("ledgerbridge.sync")
PAGE = 200


class Cancelled(Exception):
    pass


class Puller:
    """Pulls every stream in order; ``done[stream]`` is set when that stream is stored and bookmarked."""

    def __init__(self, store: Store, clio: ClioSource, *, signpost: str, cancel: threading.Event | None = None,
                 on_page: Callable[[str, int], None] | None = None, full: bool = False,
                 since: str | None = None, page_size: int = PAGE) -> None:
        self.store = store
        self.page_size = page_size
        self.clio = clio
        self.signpost = signpost
        self.cancel = cancel or threading.Event()
        self.on_page = on_page or (lambda stream, n: None)
        self.full = full
        self.since = since  # a person's --since: read from then on, whatever the bookmarks say
        self.done = {s: threading.Event() for s in STREAMS}
        self.finished = threading.Event()
        self.error: BaseException | None = None
        self.changed: dict[str, int] = {}  # per stream, once it is all read
        self.changing: dict[str, int] = {}  # per stream, new or changed records stored so far
        self.read: dict[str, int] = {}

    def run(self) -> None:
        try:
            self.clio.begin_pull()
            for stream in STREAMS:
                cursors.set_signpost(self.store, stream, self.signpost)
            for stream in STREAMS:
                if stream == "line_items":
                    continue  # read in step with the bills, below
                if stream == "bills":
                    self._pull_in_step("bills", "line_items")
                else:
                    for _ in self._pages(stream):
                        pass
                    self.done[stream].set()
        except BaseException as exc:  # handed to the engine's thread, which raises it
            self.error = exc
        finally:
            for event in self.done.values():
                event.set()
            self.finished.set()

    def _pull_in_step(self, parents: str, children: str) -> None:
        """Read bills and their lines in step: after each page of bills, the pages of lines up to the last bill
        read. A bill can be posted once its lines are in, so bills become postable all through the pull, not
        only after every bill and then every line has been read (both streams share Clio's rate limit)."""
        lines = self._pages(children)
        last_parent: int | None = -1
        for bills in self._pages(parents):
            last_bill = max(int(b.get("id") or 0) for b in bills)
            while last_parent is not None and last_parent <= last_bill:
                page = next(lines, None)
                last_parent = None if page is None else max(cache.parent_id(r) or 0 for r in page)
        self.done[parents].set()
        for _ in lines:
            pass
        self.done[children].set()

    def _pages(self, stream: str) -> Iterator[list[dict[str, Any]]]:
        """Read one stream into the cache, yielding each page once it is stored; once the whole stream is
        stored, move its bookmark."""
        since = None if self.full else (self.since or cursors.updated_since(self.store, stream))
        page: list[dict[str, Any]] = []
        read = changed = 0
        records = self.clio.iter_records(stream, FIELDS[stream], updated_since=since, limit=self.page_size)
        while True:
            record = next(records, None)
            if record is not None:
                page.append(record)
            if page and (len(page) >= self.page_size or record is None):
                stored = cache.put_clio(self.store, stream, page)
                changed += stored
                read += len(page)
                self.changing[stream] = self.changing.get(stream, 0) + stored
                self.on_page(stream, len(page))
                yield page
                page = []
                if self.cancel.is_set():
                    raise Cancelled()
            if record is None:
                break
        cursors.advance(self.store, stream)
        self.read[stream] = read
        self.changed[stream] = changed
        log.info("pulled %s: %d read, %d new or changed (since %s)", stream, read, changed, since)

    def wait(self, *streams: str) -> None:
        for s in streams:
            self.done[s].wait()
        if self.error is not None and not isinstance(self.error, Cancelled):
            raise self.error

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="clio-pull", daemon=True)
        thread.start()
        return thread
