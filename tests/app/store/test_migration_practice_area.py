"""Migration 5: matters cached before the pull asked for practice_area are read again on the next sync."""

from __future__ import annotations

import sqlite3

from app.store import cursors, migrations, open_store


def test_the_matters_bookmark_is_cleared_and_the_others_kept(tmp_path):
    path = tmp_path / "firm.sqlite3"
    conn = sqlite3.connect(path)
    migrations.migrate(conn, target=4)
    conn.close()
    old = open_store(path, migrate=False)
    for stream in ("contacts", "matters", "bills"):
        cursors.set_signpost(old, stream, "2026-11-01T00:00:00+00:00")
        cursors.advance(old, stream)
    assert cursors.updated_since(old, "matters") is not None
    old.close()

    store = open_store(path)
    try:
        assert store.schema_version >= 5
        assert cursors.updated_since(store, "matters") is None  # a full read of matters
        assert cursors.get(store, "contacts") == cursors.get(store, "bills") == "2026-11-01T00:00:00+00:00"
    finally:
        store.close()
