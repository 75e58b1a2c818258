"""Clio Manage API v4 client over one httpx connection pool.

Reads only (Ledgerbridge never writes to Clio), so every request is a GET and safe to repeat: 5xx
answers and dropped connections are retried with bounded exponential backoff and full jitter. The
client paces itself from ``X-RateLimit-Remaining`` / ``X-RateLimit-Reset`` so that it uses the whole
per-minute allowance but rarely meets a 429; when it does, it waits ``Retry-After``. A 401 forces one
token refresh and one retry. JSON is parsed with Decimal for every fraction.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from app.clio import spec as clio_spec
from app.clio import windows
from app.clio.errors import (
    ClioAuthError,
    ClioBadRequest,
    ClioError,
    ClioNotFound,
    ClioRateLimited,
    ClioServerError,
)
from app.clio.spec import CURSOR_ORDER, OFFSET_CAP
from app.money import loads_json
from app.retry import Backoff, retry_after_seconds
from app.tokens import TokenSource

log = logging.getLogger("ledgerbridge.clio")


# Retries of one request: transport failures and 5xx, and (separately) 429s.
MAX_FAILURES = 8
MAX_THROTTLES = 30
BACKOFF = Backoff(base=0.2, cap=8.0)
PACE_MARGIN = 0.005  # seconds past the learnt window end
EDGE_PRECISION = 0.03  # how closely the window end is learnt before probing stops


def _error_message(response: httpx.Response) -> str:
    """The server's own words from ``{"error": {"message"}}`` or ``{"error", "error_description"}``."""
    try:
        body = loads_json(response.content)
    except ValueError:
        return response.text[:200]
    if isinstance(body, Mapping):
        err = body.get("error")
        if isinstance(err, Mapping):
            return str(err.get("message") or err.get("type") or "")
        if err:
            desc = body.get("error_description")
            return f"{err}: {desc}" if desc else str(err)
        if body.get("message"):
            return str(body["message"])
    return ""


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its records, and ``meta.records`` (how many the whole query matches)."""

    records: list[dict[str, Any]]
    total: int | None


def _header_float(response: httpx.Response, name: str) -> float | None:
    try:
        return float(response.headers[name])
    except (KeyError, ValueError):
        return None


class ClioClient:
    """``ClioClient(base_url, tokens)``; ``iter_records("bills", fields.BILLS)`` yields raw dicts."""

    def __init__(
        self,
        base_url: str,
        tokens: TokenSource,
        *,
        api_version: str = "4.0.13",
        timeout: float = 30.0,
        max_retry_after: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        offset_cap: int = OFFSET_CAP,
    ) -> None:
        root = base_url.rstrip("/")
        self.api_url = root if root.endswith("/api/v4") else root + "/api/v4"
        self.tokens = tokens
        self.max_retry_after = max_retry_after
        self.spec = clio_spec.load()
        self.offset_cap = offset_cap  # records one offset-paged query reaches (Clio's is 10,000)
        self._sleep = sleep
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=10.0),
            limits=httpx.Limits(max_connections=8, max_keepalive_connections=8, keepalive_expiry=30.0),
            headers={
                "X-API-VERSION": api_version,
                "Accept": "application/json",
                "User-Agent": "Ledgerbridge",
            },
            transport=transport,
        )
        self._lock = threading.Lock()
        self._pace_lock = threading.Lock()
        self._remaining: int | None = None
        self._reset = 0.0
        self._edge_lo, self._edge_hi = 0.0, 1.0  # see _pace
        self._probing = False
        self._paced_token = ""
        self.requests_made = 0
        self.retries = 0
        self.throttled = 0
        self.paced_seconds = 0.0

    # -- public -------------------------------------------------------------------------------

    def iter_records(
        self,
        endpoint: str,
        fields: str,
        *,
        updated_since: str | None = None,
        params: Mapping[str, Any] | None = None,
        limit: int = 200,
    ) -> Iterator[dict[str, Any]]:
        """Every record of a list endpoint (``"bills"`` or ``"bills.json"``), page after page.

        ``updated_since`` is an ISO 8601 time; ``params`` are extra filters (``type=liability`` …). Where the
        endpoint offers a cursor (its ``order`` accepts ``id(asc)``) the pages follow it; elsewhere offset
        paging reaches only ``offset_cap`` records a query, so the records are read in creation windows
        (``app.clio.windows``). A record repeated across pages is yielded once.
        """
        ep = self.spec.endpoint(endpoint)
        if not ep.cursor:
            yield from windows.read(self, ep.name, fields, updated_since=updated_since, params=params,
                                    limit=min(limit, ep.max_limit))
            return
        query = self.list_query(ep.name, fields, updated_since=updated_since, params=params, limit=limit)
        seen: set[Any] = set()
        for page in self.pages(ep.name, query):
            for record in page.records:
                key = record.get("id")
                if key not in seen:
                    seen.add(key)
                    yield record

    def list_query(self, endpoint: str, fields: str, *, updated_since: str | None = None,
                   params: Mapping[str, Any] | None = None, limit: int = 200) -> dict[str, Any]:
        """The first page's query of a list: ``order=id(asc)`` only where Clio's description offers it."""
        ep = self.spec.endpoint(endpoint)
        query: dict[str, Any] = {"fields": fields, "limit": min(limit, ep.max_limit)}
        if ep.cursor:
            query["order"] = CURSOR_ORDER
        if updated_since:
            query["updated_since"] = updated_since
        query.update(params or {})
        return query

    def pages(self, endpoint: str, query: Mapping[str, Any]) -> Generator[Page, None, None]:
        """The pages of one list query, following ``meta.paging.next`` until Clio gives none."""
        url: str | None = f"{self.api_url}/{self.spec.endpoint(endpoint).name}.json"
        first = True
        while url:
            body = self._get(url, query if first else None)
            first = False
            meta = body.get("meta") or {}
            paging = meta.get("paging") or {}
            records = meta.get("records")
            yield Page(list(body.get("data") or []), int(records) if records is not None else None)
            url = paging.get("next") or None

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One GET, e.g. ``get("bank_transfers/12.json", {"fields": "id,amount"})``; the parsed body."""
        url = path if path.startswith("http") else f"{self.api_url}/{path.lstrip('/')}"
        return self._get(url, params)

    @property
    def rate_limit_reset(self) -> float:
        """When (epoch seconds) Clio's current rate-limit window ends, as last advertised; 0 if unknown."""
        with self._pace_lock:
            return self._reset

    @property
    def window_end(self) -> float:
        """The learnt true end of the current window (at or a little after it); 0 if unknown."""
        with self._pace_lock:
            return self._reset - self._edge_lo if self._reset else 0.0

    def begin_pull(self) -> None:
        """Each stream is read on its own: nothing is kept from one pull to the next."""

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ClioClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the request loop ---------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        return BACKOFF.delay(attempt)

    def _get(self, url: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
        failures = throttles = 0
        refreshed = False
        while True:
            token = self.tokens.access_token()
            self._note_token(token)
            sent_in = self._pace()
            sent_at = time.time()
            with self._lock:
                self.requests_made += 1
            try:
                response = self._http.get(url, params=params, headers={"Authorization": f"Bearer {token}"})
                content = response.content  # read fully here, so a cut body is a transport error
            except httpx.TransportError as exc:
                failures += 1
                if failures >= MAX_FAILURES:
                    raise ClioServerError(
                        f"Clio could not be reached ({type(exc).__name__}) after {failures} tries",
                        kept="Records already read are kept; nothing was changed in Clio.",
                        next_step="Check the internet connection; the next sync continues from here.",
                    ) from None
                self._count_retry()
                log.info("clio: %s on GET, retry %d", type(exc).__name__, failures)
                self._sleep(self._backoff(failures))
                continue
            self._note_limits(response, sent_at, sent_in)
            status = response.status_code
            if status == 200:
                try:
                    data = loads_json(content)
                except ValueError:
                    # A body that is not JSON on a 200 is a broken answer: treat it like a dropped one.
                    failures += 1
                    if failures >= MAX_FAILURES:
                        raise ClioServerError("Clio kept sending answers that cannot be read") from None
                    self._count_retry()
                    self._sleep(self._backoff(failures))
                    continue
                return data if isinstance(data, dict) else {"data": data}
            if status == 401 and not refreshed:
                refreshed = True
                self.tokens.refresh(token)
                continue
            if status == 429:
                throttles += 1
                with self._lock:
                    self.throttled += 1
                if throttles >= MAX_THROTTLES:
                    raise ClioRateLimited(
                        "Clio kept refusing requests as too many, after waiting each time",
                        kept="Records already read are kept.",
                        next_step="Wait a few minutes and run the sync again.",
                        status=429, server_message=_error_message(response),
                    )
                if sent_in and _header_float(response, "X-RateLimit-Reset") == sent_in > time.time():
                    continue  # refused inside a window we know the end of: _pace waits for it
                self._sleep(self._retry_after(response, throttles))
                continue
            if status >= 500:
                failures += 1
                if failures < MAX_FAILURES:
                    self._count_retry()
                    self._sleep(self._backoff(failures))
                    continue
            raise self._error(response)

    def _count_retry(self) -> None:
        with self._lock:
            self.retries += 1

    def _retry_after(self, response: httpx.Response, attempt: int) -> float:
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait is None:
            with self._pace_lock:
                reset = self._reset
            wait = reset - time.time() + PACE_MARGIN if reset > time.time() else self._backoff(attempt)
        return min(max(wait, 0.0), self.max_retry_after)

    def _error(self, response: httpx.Response) -> ClioError:
        status = response.status_code
        message = _error_message(response)
        said = f": {message}" if message else ""
        kw: dict[str, Any] = {"status": status, "server_message": message}
        if status in (401, 403):
            return ClioAuthError(
                "Clio connection expired — reconnect in Settings" if status == 401
                else f"Clio refused access{said}",
                kept="Records already read are kept; nothing was changed in Clio.",
                next_step="Open Settings and connect Clio again.", **kw)
        if status == 404:
            return ClioNotFound(f"Clio has no such record{said}",
                                next_step="It may have been deleted in Clio.", **kw)
        if status in (400, 410, 422):
            return ClioBadRequest(f"Clio refused the request ({status}){said}",
                                  next_step="This is a Ledgerbridge bug or a Clio API change: report it.", **kw)
        if status >= 500:
            return ClioServerError(f"Clio kept failing ({status}){said}",
                                   kept="Records already read are kept.",
                                   next_step="Try again later; the next sync continues from here.", **kw)
        return ClioError(f"Clio answered {status}{said}", **kw)

    # -- pacing -------------------------------------------------------------------------------
    #
    # Clio advertises the end of its rate-limit window in whole seconds, so the true end lies up to a
    # second before ``X-RateLimit-Reset``. Waiting for the advertised second wastes up to a second per
    # window; the offset is the same for every window (the windows are a fixed grid), so it is learnt:
    # ``_edge_lo <= reset - true_end < _edge_hi``. An answer from the next window says the end had passed
    # when it arrived; a 429 for the old window says it had not when the request left. While the bounds
    # are more than EDGE_PRECISION apart, the first request after a used-up window goes out at their
    # midpoint (at worst one 429, which Clio does not count); afterwards it goes out at the learnt edge.

    def _pace(self) -> float:
        """Wait while this window's allowance is used up; returns the window end the request is sent in."""
        with self._pace_lock:
            while True:
                now = time.time()
                reset = self._reset
                if self._remaining is None or now >= reset - self._edge_lo:
                    self._remaining = None  # a new window: its allowance is learnt from the next answer
                    return reset
                if self._remaining > 0:
                    self._remaining -= 1
                    return reset
                if self._edge_hi - self._edge_lo > EDGE_PRECISION and not self._probing:
                    at = reset - (self._edge_lo + self._edge_hi) / 2
                    if now >= at:
                        self._probing = True
                        return reset
                else:
                    at = reset - self._edge_lo + PACE_MARGIN
                wait = min(max(at - now, 0.001), self.max_retry_after)
                self.paced_seconds += wait
                self._sleep(wait)

    def _note_token(self, token: str) -> None:
        """Clio counts per access token: a new token starts its own windows, on its own grid."""
        with self._pace_lock:
            if token != self._paced_token:
                self._paced_token = token
                self._remaining, self._reset = None, 0.0
                self._edge_lo, self._edge_hi = 0.0, 1.0
                self._probing = False

    def _note_limits(self, response: httpx.Response, sent_at: float, sent_in: float) -> None:
        """Read the rate-limit headers of an answer to a request sent at ``sent_at`` in window ``sent_in``."""
        try:
            remaining = int(response.headers["X-RateLimit-Remaining"])
            reset_text = response.headers["X-RateLimit-Reset"]
            reset = float(reset_text)
        except (KeyError, ValueError):
            return
        received = time.time()
        with self._pace_lock:
            if response.status_code == 429:
                self._probing = False
            if reset != int(reset):
                self._edge_hi = 0.0  # the server gives the exact end: nothing to learn
            elif response.status_code != 429 and sent_in and reset > sent_in and sent_in - received > self._edge_lo:
                self._edge_lo = min(sent_in - received, 1.0)  # the old window had ended on arrival
            elif sent_in and reset == sent_in and response.status_code == 429 and sent_in - sent_at < self._edge_hi:
                self._edge_hi = max(sent_in - sent_at, 0.0)  # it had not ended when the request left
            if self._edge_lo >= self._edge_hi:  # contradictory (clock jump, another client): start over
                self._edge_lo, self._edge_hi = 0.0, 1.0
            if response.status_code == 200 and reset > sent_in:
                self._probing = False
            if self._remaining is not None and reset == self._reset:
                # Answers to concurrent requests arrive out of order: the smaller count is the truth.
                remaining = min(remaining, self._remaining)
            if reset >= self._reset:
                self._remaining, self._reset = remaining, reset
