"""Which records a Clio list request answers with, in what order and pages, by Clio's published rules.

Every query parameter is checked against Clio's description (``app/clio/spec.json``): one it does not list,
or a value outside a parameter's enum, type or range, is a 400 in Clio's error shape. A parameter the
description lists but this emulator does not filter by is a 501 that says so, never silently ignored.

Paging follows Clio's paging documentation. ``order=id(asc)``, on an endpoint whose ``order`` offers it,
pages by cursor with no end (``page_token`` names the last id served). Any other request (another order,
no ``order`` at all, or an endpoint without one, such as ``/line_items.json``) pages by offset in the order
asked for or the endpoint's default (allocations: ``date(asc)``; ids ascending where the description names
none), and reaches only the first 10,000 records: the page that would start past them answers 422
``ArgumentError``. ``meta.records`` always counts every match.
"""

from __future__ import annotations

import base64
import bisect
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.clio import spec as clio_spec
from app.clio.spec import CURSOR_ORDER

Record = dict[str, Any]
Filters = tuple[tuple[str, tuple[str, ...]], ...]


class ClioApiError(Exception):
    """An answer other than 200, raised inside a handler and written in Clio's error shape."""

    def __init__(self, status: int, type_: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.headers = headers or {}


def _ref_id(field: str) -> Callable[[Record], Any]:
    return lambda r: (r.get(field) or {}).get("id")


# The filters this emulator applies: parameter → the record's value(s) it is compared with, in the
# parameter's own words (Clio's `type=liability` for a trust account's transactions).
FILTERS: dict[str, dict[str, Callable[[Record], Any]]] = {
    "contacts": {"type": lambda r: r["type"], "client_only": lambda r: "true" if r["is_client"] else "false"},
    "matters": {"client_id": lambda r: r["client_id"], "status": lambda r: str(r["status"]).lower()},
    "bills": {
        "client_id": _ref_id("client"),
        "matter_id": lambda r: [m["id"] for m in r["matters"]],
        "state": lambda r: r["state"],
        "type": lambda r: "trust" if r["kind"] == "trust_kind" else "revenue",
    },
    "line_items": {"bill_id": _ref_id("bill"), "matter_id": _ref_id("matter"), "kind": lambda r: r["kind"]},
    "allocations": {
        "bill_id": _ref_id("bill"),
        "matter_id": _ref_id("matter"),
        "contact_id": _ref_id("contact"),
        "parent_id": _ref_id("parent"),
        "status": lambda r: "invalid" if r["voided_at"] else "valid",
    },
    "credit_memos": {"contact_id": _ref_id("contact")},
    "bank_accounts": {"type": lambda r: f"{r['type']}Account"},
    "bank_transactions": {
        "bank_account_id": lambda r: r["bank_account_id"],
        "client_id": _ref_id("client"),
        "matter_id": _ref_id("matter"),
        "type": lambda r: "liability" if r["bank_account"]["type"] == "Trust" else "asset",
    },
    "trust_line_items": {"bill_id": _ref_id("bill"), "matter_id": _ref_id("matter")},
}
# Understood on every list: what a record is picked or paged by, rather than a filter of its own.
COMMON = frozenset({"fields", "limit", "order", "page_token", "updated_since", "created_since", "ids[]"})
ARRAYS = frozenset({"ids[]"})


@dataclass(frozen=True, slots=True)
class ListRequest:
    kind: str
    filters: Filters
    order: str
    cursor: bool
    limit: int
    token: str | None


def parse(kind: str, items: Sequence[tuple[str, str]]) -> ListRequest:
    """A list request checked against Clio's description; raises ClioApiError (400, 501) when it is not."""
    endpoint = clio_spec.load().endpoint(kind)
    problems = endpoint.param_problems(items)
    if problems:
        raise ClioApiError(400, "BadRequest", " ".join(problems))
    values: dict[str, list[str]] = {}
    for name, value in items:
        values.setdefault(name, []).append(value)
    for name, given in values.items():
        if len(given) > 1 and name not in ARRAYS:
            raise ClioApiError(400, "BadRequest", f"{name} was given {len(given)} times; give it once.")
        if name not in COMMON and name not in FILTERS[kind]:
            raise ClioApiError(501, "NotImplemented",
                               f"The Clio sandbox does not emulate the {name} filter of /{kind}.json.")
    given_order = values.get("order", [None])[0]
    order = given_order or endpoint.default_order or CURSOR_ORDER
    filters = tuple(sorted((n, tuple(v)) for n, v in values.items() if n not in ("fields", "limit", "order",
                                                                                 "page_token")))
    return ListRequest(kind, filters, order, given_order == CURSOR_ORDER and endpoint.cursor,
                       int(values.get("limit", [endpoint.max_limit])[0]), values.get("page_token", [None])[0])


def predicate(kind: str, name: str, values: tuple[str, ...]) -> Callable[[Record], bool]:
    """The test one filter applies to a record."""
    if name in ("updated_since", "created_since"):
        return _since("updated_at" if name == "updated_since" else "created_at", clio_spec.parse_time(values[0]))
    if name == "ids[]":
        wanted_ids = set(values)
        return lambda r: str(r["id"]) in wanted_ids
    getter = FILTERS[kind][name]
    wanted = {part for v in values for part in v.split(",")}

    def test(record: Record) -> bool:
        value = getter(record)
        if isinstance(value, list):
            return any(str(v) in wanted for v in value)
        return value is not None and str(value) in wanted

    return test


def _since(field: str, since: dt.datetime) -> Callable[[Record], bool]:
    """``record[field] >= since``; the emulator's own stamps (whole seconds, UTC) compare as text."""
    utc = since.astimezone(dt.UTC)
    whole = utc.replace(microsecond=0) + (dt.timedelta(seconds=1) if utc.microsecond else dt.timedelta())
    key = whole.isoformat()

    def test(record: Record) -> bool:
        stamp = record[field]
        if len(stamp) == 25 and stamp.endswith("+00:00"):
            return bool(stamp >= key)
        return clio_spec.parse_time(stamp) >= since

    return test


def ordered(ids: list[int], records: dict[int, Record], order: str) -> list[int]:
    """``ids`` (ascending) in ``order``, e.g. ``date(asc)``; ties by id."""
    if order == CURSOR_ORDER:
        return ids
    field, _, direction = order.partition("(")
    path = field.split(".")
    sample = records[ids[0]] if ids else {}
    if ids and not _reachable(sample, path):
        raise ClioApiError(501, "NotImplemented", f"The Clio sandbox does not emulate order={order}.")

    def key(rid: int) -> tuple[bool, Any, int]:
        value: Any = records[rid]
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        return value is None, value if value is not None else 0, rid

    return sorted(ids, key=key, reverse=direction.startswith("desc"))


def _reachable(record: Record, path: list[str]) -> bool:
    value: Any = record
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    return True


def page(ids: list[int], request: ListRequest, cap: int) -> tuple[list[int], str | None]:
    """The ids of the page asked for and the ``page_token`` of the next page (None when there is none)."""
    if request.cursor:
        after = _decode(request.token, "id") if request.token else None
        start = 0 if after is None else bisect.bisect_right(ids, after)  # ids ascend here
        chosen = ids[start : start + request.limit]
        more = start + len(chosen) < len(ids)
        return chosen, _encode("id", chosen[-1]) if more and chosen else None
    offset = _decode(request.token, "offset") if request.token else 0
    if offset >= cap:
        raise ClioApiError(422, "ArgumentError",
                           f"Offset pagination is limited to {cap:,} records; order by id(asc) to page further.")
    chosen = ids[offset : min(offset + request.limit, cap)]
    following = offset + len(chosen)
    return chosen, _encode("offset", following) if following < len(ids) and chosen else None


def _encode(mode: str, value: int) -> str:
    return base64.urlsafe_b64encode(f"{mode}:{value}".encode()).decode().rstrip("=")


def _decode(token: str | None, mode: str) -> int:
    try:
        text = base64.urlsafe_b64decode((token or "") + "=" * (-len(token or "") % 4)).decode()
        prefix, _, value = text.partition(":")
        if prefix != mode:
            raise ValueError(text)
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise ClioApiError(400, "BadRequest", "The page_token is invalid.") from None
