"""MyCase's read API: a Bearer token on every call, cursor paging through the ``Link`` header (``rel="next"``,
a ``page_token`` inside) with ``page_size`` up to 1,000, bare JSON arrays, ``Item-Count`` for the total, and
MyCase's rate of 25 requests a second kept here so a 429 is rare. Every request is checked against the
published reference first (``app.mycase.spec``).

``/invoices`` hides every invoice without online payments unless told otherwise, so the client always sends
``only_allowed_online_payments=false`` there. 429s wait ``Retry-After`` when given (MyCase documents none) or
back off; a 401 forces one token refresh; 5xx answers and dropped connections are retried with backoff. Errors
arrive as ``{"errors": [{"description", "source"}]}`` and become :class:`MyCaseError`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from app.errors import LedgerbridgeError
from app.money import loads_json
from app.mycase.spec import PAGE_TOKEN, check_query
from app.paced_http import PacedClient, PacedGetter
from app.retry import Backoff, TokenBucket
from app.tokens import TokenSource

BASE_URL = "https://external-integrations.mycase.com/v1"
PAGE_SIZE = 1000
BACKOFF = Backoff(base=0.25, cap=10.0)
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class MyCaseError(LedgerbridgeError):
    def __init__(self, what: str, *, status: int | None = None, kept: str = "Nothing was changed in MyCase.",
                 next_step: str = "") -> None:
        super().__init__(what, kept=kept, next_step=next_step)
        self.status = status


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    next_token: str | None  # the cursor of the next page, from the Link header
    item_count: int | None  # Item-Count: how many the whole list holds


def next_token(link: str | None) -> str | None:
    """The ``page_token`` of the ``rel="next"`` address in a Link header (None on the last page)."""
    found = _NEXT.search(link or "")
    if not found:
        return None
    return dict(parse_qsl(urlsplit(found.group(1)).query)).get(PAGE_TOKEN)


class MyCaseClient(PacedClient):
    def __init__(self, base_url: str, tokens: TokenSource, *, bucket: TokenBucket | None = None,
                 timeout: float = 30.0, max_retry_after: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.bucket = bucket or TokenBucket(22.0, 5)  # under MyCase's 25 a second
        self._getter = PacedGetter(tokens, self.bucket, service="MyCase", backoff=BACKOFF, timeout=timeout,
                                   max_retry_after=max_retry_after, sleep=sleep, unreachable=lambda what: MyCaseError(
                                       what, next_step="Check the internet connection; the next sync tries again."))

    def page(self, path: str, params: dict[str, Any] | None = None) -> Page:
        """One page of a list (``path`` as published, e.g. ``/invoices``)."""
        params = dict(params or {})
        if path == "/invoices":
            params["only_allowed_online_payments"] = "false"  # the default (true) hides most invoices
        check_query(path, params)
        response = self._get(path, params)
        try:
            body = loads_json(response.content)
        except ValueError:
            raise MyCaseError(f"MyCase sent a {path} page that is not JSON",
                              kept="Nothing from this list was stored; what was read before is kept.",
                              next_step="Run the sync again; if it repeats, report it with this message.") from None
        if not isinstance(body, list) or not all(isinstance(r, dict) for r in body):
            raise MyCaseError(f"MyCase sent a {path} page that is not a list of records",
                              kept="Nothing from this list was stored; what was read before is kept.",
                              next_step="Run the sync again; if it repeats, report it with this message.")
        count = response.headers.get("Item-Count")
        return Page(body, next_token(response.headers.get("Link")),
                    int(count) if count and count.isdigit() else None)

    def records(self, path: str, params: dict[str, Any] | None = None, *, page_size: int = PAGE_SIZE
                ) -> Iterator[dict[str, Any]]:
        """Every record of a list, following the ``Link`` cursor page by page."""
        query = {**(params or {}), "page_size": page_size}
        while True:
            page = self.page(path, query)
            yield from page.rows
            if not page.next_token:
                return
            query = {**(params or {}), "page_size": page_size, PAGE_TOKEN: page.next_token}

    def _get(self, path: str, params: dict[str, Any]) -> httpx.Response:
        response = self._getter.get(self.base_url + path, params)
        if response.status_code >= 400:
            raise self._error(response)
        return response

    def _error(self, response: httpx.Response) -> MyCaseError:
        try:
            body = loads_json(response.content)
        except ValueError:
            body = {}
        errors = body.get("errors") if isinstance(body, dict) else None
        words = "; ".join(str(e.get("description") or "") for e in errors or [] if isinstance(e, dict)) \
            or response.reason_phrase
        status = response.status_code
        if status in (401, 403):
            return MyCaseError(f"MyCase refused the connection ({status}: {words})", status=status,
                               next_step="Reconnect MyCase in the setup wizard; the user needs the permission "
                                         "to manage the firm's billing.")
        return MyCaseError(f"MyCase answered {status}: {words}", status=status,
                           next_step="If it stays, report it with this message; the next sync tries again.")
