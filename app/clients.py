"""What the core needs from each service's client, as protocols: the sync, the reconciliation's QuickBooks leg
and the mapping take these, so the type checker holds every caller to the methods the real clients have
(``app.clio.client.ClioClient``, ``app.qbo.client.QboClient``) and a stand-in must offer the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Protocol

from app.qbo.client import BatchOp, BatchResult


class ClioSource(Protocol):
    """The source seam: a practice-management system's records as the sync's streams (Clio's client, or
    ``app.smokeball.source.SmokeballSource``)."""

    @property
    def requests_made(self) -> int: ...

    def iter_records(self, endpoint: str, fields: str, *, updated_since: str | None = None,
                     params: Mapping[str, Any] | None = None, limit: int = 200) -> Iterator[dict[str, Any]]: ...

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]: ...

    def begin_pull(self) -> None:
        """A sync's pull starts: forget what the last one read (a source that works out one stream from
        another's records keeps them for one pull only)."""

    def close(self) -> None: ...


class QboBooks(Protocol):
    requests_made: int
    realm_id: str
    last_cdc_time: str

    def create(self, entity: str, body: Mapping[str, Any], request_id: str) -> dict[str, Any]: ...

    def update(self, entity: str, body: Mapping[str, Any], request_id: str) -> dict[str, Any]: ...

    def void(self, entity: str, id: str, sync_token: str, request_id: str) -> dict[str, Any]: ...

    def delete(self, entity: str, id: str, sync_token: str, request_id: str) -> dict[str, Any]: ...

    def read(self, entity: str, id: str) -> dict[str, Any]: ...

    def preferences(self) -> dict[str, Any]: ...

    def query(self, sql: str) -> list[dict[str, Any]]: ...

    def query_all(self, entity: str, where: str = "") -> list[dict[str, Any]]: ...

    def query_pages(self, entity: str, where: str = "") -> Iterator[list[dict[str, Any]]]: ...

    def cdc(self, entities: Iterable[str], since: dt.datetime | str) -> dict[str, list[dict[str, Any]]]: ...

    def batch(self, ops: list[BatchOp], request_id: str) -> list[BatchResult]: ...

    def close(self) -> None: ...
