"""The Clio pull: bills and their lines are read in step, every stream is stored whole, bookmarks move last."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.auth.sandbox_tokens import clio_tokens
from app.clio.client import ClioClient
from app.sandbox.runner import Sandbox
from app.store import cache, cursors, open_store
from app.sync.clio_books import STREAMS
from app.sync.pull import Puller


def test_bills_and_their_lines_are_read_in_step(tmp_path: Path) -> None:
    with Sandbox("small", clio_rate_limit=0, qbo_limits=False) as sb:
        store = open_store(tmp_path / "firm.sqlite3")
        clio = ClioClient(sb.clio_url, clio_tokens(sb.clio_url))
        order: list[str] = []
        # At each page of bills: the bills stored, and how many lines each bill has stored.
        seen: list[tuple[set[int], dict[int, int]]] = []

        def on_page(stream: str, n: int) -> None:
            order.append(stream)
            if stream == "bills":
                rows = store.query("SELECT parent_id, count(*) AS n FROM clio_records WHERE kind = 'line_items' "
                                   "GROUP BY parent_id")
                seen.append(({int(b["id"]) for b in cache.iter_clio(store, "bills")},
                             {r["parent_id"]: r["n"] for r in rows}))

        signpost = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        puller = Puller(store, clio, signpost=signpost, on_page=on_page, page_size=20)
        try:
            puller.run()
        finally:
            clio.close()
        assert puller.error is None
        bill_pages = [n for n, s in enumerate(order) if s == "bills"]
        line_pages = [n for n, s in enumerate(order) if s == "line_items"]
        assert len(bill_pages) > 3 and len(line_pages) > 3
        # In step: lines start after the first bills page and before the second, and the streams alternate.
        assert bill_pages[0] < line_pages[0] < bill_pages[1]
        assert line_pages[-1] > bill_pages[-2]
        # Whole: every Clio record of each stream is stored, and every stream's bookmark moved.
        for stream in STREAMS:
            assert cache.count_clio(store, stream) == puller.read[stream]
            assert cursors.get(store, stream) == signpost, stream
        lines_of: dict[int, int] = {}
        for line in cache.iter_clio(store, "line_items"):
            lines_of[cache.parent_id(line)] = lines_of.get(cache.parent_id(line), 0) + 1
        # By the time a page of bills arrives, every bill of the pages before it has all its lines stored.
        for (earlier, _), (_, lines_then) in zip(seen, seen[1:], strict=False):
            assert all(lines_then.get(b, 0) == lines_of.get(b, 0) for b in earlier)
        store.close()
