"""Incremental bookmarks per stream, Singer style: one per Clio stream, and QuickBooks' change-data-capture
bookmark (``qbo:cdc``, kept by ``app.sync.twoway``).

A run fixes a *signpost* (the time it started) before it reads anything; when a stream's records are all
stored, its bookmark moves to that signpost, never past it. The next run asks for ``updated_since`` =
bookmark minus a safety overlap (clock skew), and the cache drops what it already has by etag.
"""

from __future__ import annotations

import datetime as dt

from app.store.db import Store, utcnow

OVERLAP = dt.timedelta(minutes=5)


def get(store: Store, stream: str) -> str:
    rows = store.query("SELECT bookmark FROM cursors WHERE stream = ?", (stream,))
    return rows[0]["bookmark"] if rows else ""


def updated_since(store: Store, stream: str, overlap: dt.timedelta = OVERLAP) -> str | None:
    """The ``updated_since`` to ask for, or None for a full pull."""
    bookmark = get(store, stream)
    if not bookmark:
        return None
    return (dt.datetime.fromisoformat(bookmark) - overlap).isoformat(timespec="seconds")


def put(store: Store, stream: str, bookmark: str) -> None:
    """Set a bookmark directly (a stream whose position is known when it is read, as QuickBooks' CDC time)."""
    _set(store, stream, "bookmark", bookmark)


def set_signpost(store: Store, stream: str, signpost: str) -> None:
    _set(store, stream, "signpost", signpost)


def _set(store: Store, stream: str, column: str, value: str) -> None:
    assert column in ("bookmark", "signpost")  # a column name, never data
    with store.transaction() as conn:
        conn.execute(
            f"INSERT INTO cursors (stream, {column}, updated_at) VALUES (?,?,?) "
            f"ON CONFLICT(stream) DO UPDATE SET {column} = excluded.{column}, updated_at = excluded.updated_at",
            (stream, value, utcnow()),
        )


def advance(store: Store, stream: str) -> str:
    """Move the bookmark up to the stream's signpost (call only after its records are stored)."""
    with store.transaction() as conn:
        row = conn.execute("SELECT signpost, bookmark FROM cursors WHERE stream = ?", (stream,)).fetchone()
        if row is None or not row["signpost"]:
            return row["bookmark"] if row else ""
        conn.execute(
            "UPDATE cursors SET bookmark = ?, updated_at = ? WHERE stream = ?", (row["signpost"], utcnow(), stream)
        )
        return row["signpost"]


def reset(store: Store, stream: str | None = None) -> None:
    """Forget Clio's bookmarks (a full pull next time), or one stream's. QuickBooks' (``qbo:``) stay unless
    named: its change reading is decided by its own age (``app.sync.twoway``)."""
    with store.transaction() as conn:
        if stream is None:
            conn.execute("DELETE FROM cursors WHERE stream NOT LIKE 'qbo:%'")
        else:
            conn.execute("DELETE FROM cursors WHERE stream = ?", (stream,))
