"""Local numbers for a source's own ids (Smokeball's GUIDs): the cache, the links, the holds and the audit
log key records by integer, as Clio's ids are. A number, once given, is never given to another id."""

from __future__ import annotations

from collections.abc import Iterable

from app.store.db import Store


def numbers(store: Store, source: str, kind: str, ids: Iterable[str]) -> dict[str, int]:
    """The local number of each id (given one now if it has none)."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    with store.transaction() as conn:
        conn.executemany("INSERT OR IGNORE INTO source_ids (source, kind, source_id) VALUES (?,?,?)",
                         [(source, kind, i) for i in wanted])
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in conn.execute(f"SELECT source_id, id FROM source_ids WHERE source = ? AND kind = ? "
                                    f"AND source_id IN ({marks})", (source, kind, *chunk)):
                found[row["source_id"]] = int(row["id"])
    return found


def source_id(store: Store, source: str, kind: str, number: int) -> str | None:
    """The source's own id behind a local number (what a person looks up in the source)."""
    rows = store.query("SELECT source_id FROM source_ids WHERE source = ? AND kind = ? AND id = ?",
                       (source, kind, number))
    return str(rows[0]["source_id"]) if rows else None


def known(store: Store, source: str, kind: str) -> list[str]:
    """Every id of ``kind`` the source has given a number so far (every matter ever read, say)."""
    return [str(r["source_id"]) for r in store.query(
        "SELECT source_id FROM source_ids WHERE source = ? AND kind = ? ORDER BY source_id", (source, kind))]
