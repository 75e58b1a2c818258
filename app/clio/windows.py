"""Reading a Clio list that has no cursor past the 10,000-record offset ceiling, in creation windows.

Clio pages a list by cursor only with ``order=id(asc)``; a list whose ``order`` does not offer it
(``/line_items.json`` has no ``order`` parameter at all) is paged by offset, and one query reaches only its
first 10,000 records (a page past them answers 422). Such a list is read as a run of windows over
``created_since``. A window's first page says how many records it matches (``meta.records``): at or under
the ceiling it is read to its end; over it, its first 10,000 are read and the next window starts at the
newest creation time read, less an overlap, so that records sharing a timestamp at the edge are read again
rather than lost (a record read twice is yielded once). Each window costs no request beyond its pages.

That edge is safe only if the list comes in creation order (ids ascending, as Clio's lists do by default;
its description names no order for bill lines). Each window checks it, and checks that it moved forward:
a record older than the window's newest by more than the overlap, or 10,000 records inside the overlap
(a bulk import), means the edge is not safe. The rest is then read parent by parent (a bill's lines with
``bill_id``, for every bill changed since the window began: adding or changing a line changes its bill),
which is complete whatever the order, only slower. A window that shrinks while it is read (a record
deleted moves the later ones up a place, so one would be skipped) is read again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.clio.errors import ClioPagingError
from app.clio.spec import parse_fields, parse_time

if TYPE_CHECKING:
    from app.clio.client import ClioClient

log = logging.getLogger("ledgerbridge.clio")

OVERLAP = dt.timedelta(seconds=2)
MAX_REREADS = 3
# A list without a cursor → the list of its parent records and the filter naming one parent.
PARENTS: dict[str, tuple[str, str]] = {"line_items": ("bills", "bill_id")}


@dataclass
class _Window:
    lower: dt.datetime | None
    total: int | None = None
    newest: dt.datetime | None = None
    read: int = 0
    whole: bool = False  # every record the window matches was read
    in_order: bool = True
    shrunk: bool = False


def read(client: ClioClient, endpoint: str, fields: str, *, updated_since: str | None = None,
         params: Mapping[str, Any] | None = None, limit: int = 200) -> Iterator[dict[str, Any]]:
    """Every record of ``endpoint`` matching the filters, each once, in windows under the offset ceiling."""
    extra = dict(params or {})
    start = extra.pop("created_since", None)
    if all(name != "created_at" for name, _ in parse_fields(fields)):
        fields += ",created_at"
    seen: set[Any] = set()
    lower = parse_time(start) if start else None
    rereads = 0
    while True:
        window = _Window(lower)
        query = client.list_query(endpoint, fields, updated_since=updated_since, limit=limit,
                                  params={**extra, **({"created_since": _iso(lower)} if lower else {})})
        for record in _read_window(client, endpoint, query, window):
            if record.get("id") not in seen:
                seen.add(record.get("id"))
                yield record
        if window.shrunk:
            rereads += 1
            if rereads > MAX_REREADS:
                raise ClioPagingError(f"Clio's {endpoint} kept changing while they were read")
            continue
        if window.whole:
            return
        following = window.newest - OVERLAP if window.newest else None
        if not window.in_order or following is None or (lower is not None and following <= lower):
            log.info("clio: %s from %s read by parent (in order: %s)", endpoint, lower, window.in_order)
            by_parent = _by_parent(client, endpoint, fields, updated_since=updated_since, params=extra,
                                   limit=limit, since=lower)
            yield from (r for r in by_parent if r.get("id") not in seen)
            return
        log.debug("clio: %s window from %s read %d of %s", endpoint, lower, window.read, window.total)
        lower, rereads = following, 0


def _read_window(client: ClioClient, endpoint: str, query: Mapping[str, Any],
                 window: _Window) -> Iterator[dict[str, Any]]:
    """The records of one window, up to the offset ceiling; fills in what ``read`` decides from."""
    cap = client.offset_cap
    pages = client.pages(endpoint, query)
    try:
        for page in pages:
            if window.total is None:
                window.total = page.total
            elif page.total is not None and page.total < window.total:
                window.shrunk = True
                return
            for record in page.records:
                created = _created(record)
                if window.newest is not None and created is not None and created < window.newest - OVERLAP:
                    window.in_order = False
                if created is not None and (window.newest is None or created > window.newest):
                    window.newest = created
                yield record
            window.read += len(page.records)
            if window.read >= cap and (window.total is None or window.total > cap):
                return  # the next page would pass the ceiling
        window.whole = True
    finally:
        pages.close()


def _by_parent(client: ClioClient, endpoint: str, fields: str, *, updated_since: str | None,
               params: Mapping[str, Any], limit: int, since: dt.datetime | None) -> Iterator[dict[str, Any]]:
    """The records created at or after ``since``, read one parent record at a time."""
    if endpoint not in PARENTS:
        raise ClioPagingError(f"Clio's {endpoint} cannot be read past {client.offset_cap:,} records in order")
    parent, key = PARENTS[endpoint]
    changed = [parse_time(t) for t in (updated_since,) if t] + ([since] if since else [])
    parents_since = _iso(max(changed)) if changed else None
    for record in client.iter_records(parent, "id", updated_since=parents_since):
        query = client.list_query(endpoint, fields, updated_since=updated_since, limit=limit, params={
            **params, key: record["id"], **({"created_since": _iso(since)} if since else {})})
        for page in client.pages(endpoint, query):
            if page.total is not None and page.total > client.offset_cap:
                raise ClioPagingError(f"Clio's {parent} {record['id']} has more than {client.offset_cap:,} "
                                      f"{endpoint} changed at once")
            yield from page.records


def _created(record: Mapping[str, Any]) -> dt.datetime | None:
    text = record.get("created_at")
    return parse_time(text) if text else None


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")
