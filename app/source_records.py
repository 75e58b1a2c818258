"""What every non-Clio source shares: translated records' etags (``app.smokeball.translate``,
``app.mycase.translate``) and the source's plumbing (:class:`TranslatingSource`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from app.money import dumps_json
from app.store import source_ids
from app.store.db import Store


def with_etag(record: dict[str, Any]) -> dict[str, Any]:
    """The etag of a translated record is a digest of everything in it: a record changes when anything the sync
    reads from it changes (Smokeball's ``versionId`` is not on every kind, and never on a transaction)."""
    body = {k: v for k, v in record.items() if k not in ("etag", "updated_at")}
    record["etag"] = hashlib.sha256(dumps_json(body).encode()).hexdigest()[:20]
    return record


Ids = Callable[[str, str | None], int | None]  # (kind, the source's id) → local number
Reader = Callable[[str | None], Iterator[dict[str, Any]]]  # a stream's records since a bookmark


class TranslatingSource(ABC):
    """What a source that translates another system's records has in common: its client, its local numbers for the
    system's ids, a stamp and a per-pull memory reset by ``begin_pull``, and ``iter_records`` dispatching each stream
    to the reader ``readers()`` names (``app.clients.ClioSource``)."""

    name = ""
    label = ""

    def __init__(self, client: Any, store: Store) -> None:
        self.client = client
        self.store = store
        self.begin_pull()

    def new_run(self) -> Any:
        """What one pull remembers (a fresh one for each pull)."""
        return None

    @abstractmethod
    def readers(self) -> dict[str, Reader]:
        """Each stream the sync pulls → the reader of its records since a bookmark."""

    @property
    def requests_made(self) -> int:
        return int(self.client.requests_made)

    def begin_pull(self) -> None:
        self.stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.run = self.new_run()

    def close(self) -> None:
        self.client.close()

    def iter_records(self, endpoint: str, fields: str = "", *, updated_since: str | None = None,
                     params: Mapping[str, Any] | None = None, limit: int = 200) -> Iterator[dict[str, Any]]:
        readers = self.readers()
        if endpoint not in readers:
            raise KeyError(f"{self.label} has no stream {endpoint!r}")
        return readers[endpoint](updated_since)

    def ids(self, pairs: Iterable[tuple[str, str | None]]) -> Ids:
        """Local numbers for the ids about to be translated, looked up in one go per kind."""
        by_kind: dict[str, set[str]] = defaultdict(set)
        for kind, key in pairs:
            if key:
                by_kind[kind].add(key)
        found = {kind: source_ids.numbers(self.store, self.name, kind, keys) for kind, keys in by_kind.items()}
        return lambda kind, key: found.get(kind, {}).get(key) if key else None
