"""Pulling Clio into the cache: explicit fields, cursor paging, ``updated_since`` with an overlap.

Bill lines come as ONE paged stream of ``/line_items.json`` filtered by ``updated_since`` (never one
request per bill). Every stream's signpost is fixed before the first request; its bookmark moves to that
signpost only after all its records are stored, so a run killed mid-stream reads that stream again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from app.clio.fields import FIELDS
from app.store import cache, cursors
from app.store.db import Store
from app.sync.books import STREAMS

log = logging.getLogger("ledgerbridge.sync")
PAGE = 200


class Cancelled(Exception):
    pass


class Puller:
    """Pulls every stream in order; ``done[stream]`` is set when that stream is stored and bookmarked."""

    def __init__(self, store: Store, clio: Any, *, signpost: str, cancel: threading.Event | None = None,
                 on_page: Callable[[str, int], None] | None = None, full: bool = False,
                 since: str | None = None) -> None:
        self.store = store
        self.clio = clio
        self.signpost = signpost
        self.cancel = cancel or threading.Event()
        self.on_page = on_page or (lambda stream, n: None)
        self.full = full
        self.since = since  # a person's --since: read from then on, whatever the bookmarks say
        self.done = {s: threading.Event() for s in STREAMS}
        self.finished = threading.Event()
        self.error: BaseException | None = None
        self.changed: dict[str, int] = {}
        self.read: dict[str, int] = {}

    def run(self) -> None:
        try:
            for stream in STREAMS:
                cursors.set_signpost(self.store, stream, self.signpost)
            for stream in STREAMS:
                self._pull(stream)
                self.done[stream].set()
        except BaseException as exc:  # handed to the engine's thread, which raises it
            self.error = exc
        finally:
            for event in self.done.values():
                event.set()
            self.finished.set()

    def _pull(self, stream: str) -> None:
        since = None if self.full else (self.since or cursors.updated_since(self.store, stream))
        page: list[dict[str, Any]] = []
        read = changed = 0
        for record in self.clio.iter_records(stream, FIELDS[stream], updated_since=since, limit=PAGE):
            page.append(record)
            if len(page) >= PAGE:
                changed += cache.put_clio(self.store, stream, page)
                read += len(page)
                self.on_page(stream, len(page))
                page = []
                if self.cancel.is_set():
                    raise Cancelled()
        if page:
            changed += cache.put_clio(self.store, stream, page)
            read += len(page)
            self.on_page(stream, len(page))
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
