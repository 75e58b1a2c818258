"""QuickBooks Online v3 client on python-quickbooks, made safe for a long unattended sync.

python-quickbooks builds the requests (URL, ``minorversion``, ``requestid``, headers, Decimal parsing)
but has no retry, no backoff and no refresh on 401. This module keeps its request layer and wraps it:

- every request goes through :class:`~app.qbo.limits.QboLimiter` (500 a minute, 40 batches a minute,
  10 at once per realm, measured so they are filled, not tripped);
- 429 and 5xx are retried with backoff; a dropped connection is retried, and a write is retried with the
  *same* ``requestid`` so QuickBooks answers the first result instead of writing twice;
- a 401 refreshes the token once (sharing the refresh with any other thread that met the same 401);
- Faults become typed errors (``app.qbo.errors``); amounts come back as Decimal.

The QuickBooks object is used only as a request builder: it never holds tokens (the TokenSource does),
so it is safe to share between the sync's pushing threads.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import requests
import requests.adapters
from quickbooks import exceptions as qbexc
from quickbooks.client import QuickBooks

from app.money import dumps_json, loads_json
from app.qbo.errors import (
    QboError,
    QboServerError,
    QboThrottled,
    from_fault,
)
from app.qbo.limits import QboLimiter
from app.retry import Backoff, retry_after_seconds
from app.tokens import TokenSource

log = logging.getLogger("ledgerbridge.qbo")

MAX_FAILURES = 8  # transport failures and 5xx for one request
MAX_THROTTLES = 20
BACKOFF = Backoff(base=0.25, cap=10.0, floor=0.25)
MAX_BATCH = 30
MAX_REQUEST_ID, MAX_BATCH_REQUEST_ID = 50, 36
PAGE = 1000

# Keys whose numbers are money or quantities: an integer there (QuickBooks writes ``100`` for 100.00)
# is turned into a Decimal, so callers only ever see Decimal amounts.
_NUMERIC_SUFFIXES = ("Amt", "Amount", "Balance", "Price", "Qty", "Rate", "Total", "Percent")


@dataclass(frozen=True)
class BatchOp:
    """One item of a batch: ``operation`` is create, update, delete, void or query.

    ``body`` is the entity object (for query, ``{"Query": "select …"}`` or the SQL text).
    """

    bid: str
    operation: str
    entity: str
    body: Mapping[str, Any] | str


@dataclass(frozen=True)
class BatchResult:
    bid: str
    body: dict[str, Any] | None
    error: QboError | None


def _decimalize(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _decimalize(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimalize(v, key) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and key.endswith(_NUMERIC_SUFFIXES):
        return Decimal(value)
    return value


def _entity_of(answer: Mapping[str, Any], entity: str) -> dict[str, Any]:
    """``{"Customer": {...}, "time": …}`` → the Customer object."""
    for k, v in answer.items():
        if k.lower() == entity.lower() and isinstance(v, dict):
            return v
    for k, v in answer.items():
        if k != "time" and isinstance(v, dict):
            return v
    raise QboServerError(f"QuickBooks answered without the {entity} that was asked for")


class _Transport(QuickBooks):
    """python-quickbooks' request builder, sending through our session with our token."""

    provider: TokenSource
    timeout: float
    local: threading.local

    @staticmethod
    def handle_exceptions(results: Any) -> None:
        # python-quickbooks compares the fault's code with numbers and so raises TypeError (no code) or
        # KeyError (no Message); any fault is left to QboClient, which reads it from the response with
        # app.qbo.errors.from_fault.
        raise qbexc.QuickbooksException("QuickBooks answered with a fault", 0)

    def process_request(self, request_type: str, url: str, headers: Any = "", params: Any = "",
                        data: Any = "") -> requests.Response:
        token = self.provider.access_token()
        self.local.token = token
        self.local.response = None
        headers.update({"Authorization": "Bearer " + token})
        response = self.session.request(
            request_type, url, headers=headers, params=params, data=data, timeout=self.timeout)
        self.local.response = response
        return response


class QboClient:
    """One QuickBooks company (realm). Thread-safe; share one instance between pushing threads."""

    def __init__(
        self,
        base_url: str,
        realm_id: str,
        tokens: TokenSource,
        *,
        minorversion: int = 75,
        max_concurrent: int = 10,
        per_minute: int = 500,
        batch_per_minute: int = 40,
        window_seconds: float = 60.0,
        timeout: float = 60.0,
        max_retry_after: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.realm_id = str(realm_id)
        self.tokens = tokens
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self.limiter = QboLimiter(per_minute=per_minute, batch_per_minute=batch_per_minute,
                                  max_concurrent=max_concurrent, window_seconds=window_seconds)
        qb = _Transport(company_id=self.realm_id, minorversion=minorversion, use_decimal=True)
        qb.api_url_v3 = base_url.rstrip("/").removesuffix("/v3") + "/v3"
        qb.sandbox = False
        qb.provider = tokens
        qb.timeout = timeout
        qb.local = threading.local()
        session = requests.Session()
        pool = max(max_concurrent, 1)
        adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=pool, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        qb.session = session
        self._qb = qb
        self._count_lock = threading.Lock()
        self.requests_made = 0
        self.last_cdc_time = ""  # QuickBooks' "time" of the last CDC answer ("" before one)
        self.retries = 0
        self.throttled = 0

    @property
    def company_url(self) -> str:
        return f"{self._qb.api_url}/company/{self.realm_id}"

    # -- entities -----------------------------------------------------------------------------

    def create(self, entity: str, body: Mapping[str, Any], request_id: str) -> dict[str, Any]:
        return _entity_of(self._send("POST", entity.lower(), body=body, request_id=request_id), entity)

    def update(self, entity: str, body: Mapping[str, Any], request_id: str) -> dict[str, Any]:
        """A full update, or a sparse one when ``body`` has ``"sparse": true``. Needs Id and SyncToken."""
        return _entity_of(self._send("POST", entity.lower(), body=body, request_id=request_id), entity)

    def void(self, entity: str, id: str, sync_token: str, request_id: str) -> dict[str, Any]:
        body = {"Id": str(id), "SyncToken": str(sync_token)}
        if entity.lower() == "payment":  # a payment is voided by a sparse update with include=void
            params = {"operation": "update", "include": "void"}
            body["sparse"] = True  # type: ignore[assignment]
        else:
            params = {"operation": "void"}
        answer = self._send("POST", entity.lower(), body=body, params=params, request_id=request_id)
        return _entity_of(answer, entity)

    def delete(self, entity: str, id: str, sync_token: str, request_id: str) -> dict[str, Any]:
        body = {"Id": str(id), "SyncToken": str(sync_token)}
        answer = self._send("POST", entity.lower(), body=body, params={"operation": "delete"},
                            request_id=request_id)
        return _entity_of(answer, entity)

    def read(self, entity: str, id: str) -> dict[str, Any]:
        return _entity_of(self._send("GET", f"{entity.lower()}/{id}"), entity)

    def preferences(self) -> dict[str, Any]:
        return _entity_of(self._send("GET", "preferences"), "Preferences")

    # -- queries ------------------------------------------------------------------------------

    def query(self, sql: str) -> list[dict[str, Any]]:
        """The rows of one query (one page: mind MAXRESULTS); ``count(*)`` answers ``[{"totalCount": n}]``."""
        answer = self._send("POST", "query", body=sql, content_type="application/text")
        response = answer.get("QueryResponse") or {}
        for value in response.values():
            if isinstance(value, list):
                return value
        if "totalCount" in response:
            return [{"totalCount": response["totalCount"]}]
        return []

    def query_all(self, entity: str, where: str = "") -> list[dict[str, Any]]:
        """Every row of ``entity`` matching ``where`` (without the word WHERE), page after page."""
        rows: list[dict[str, Any]] = []
        for page in self.query_pages(entity, where):
            rows.extend(page)
        return rows

    def query_pages(self, entity: str, where: str = "") -> Iterator[list[dict[str, Any]]]:
        """The rows of :meth:`query_all` one page at a time, for readers that need not hold them all."""
        clause = f" WHERE {where}" if where else ""
        start = 1
        while True:
            page = self.query(f"SELECT * FROM {entity}{clause} ORDERBY Id STARTPOSITION {start} "
                              f"MAXRESULTS {PAGE}")
            yield page
            if len(page) < PAGE:
                return
            start += PAGE

    def cdc(self, entities: Iterable[str], since: dt.datetime | str) -> dict[str, list[dict[str, Any]]]:
        """Objects of ``entities`` changed since ``since`` (≤ 30 days; deleted ones have status Deleted)."""
        names = list(entities)
        when = since.isoformat(timespec="seconds") if isinstance(since, dt.datetime) else since
        answer = self._send("GET", "cdc", params={"entities": ",".join(names), "changedSince": when})
        # QuickBooks' own clock at the answer: the next changedSince can start here, without allowing for
        # the skew between this computer's clock and Intuit's.
        self.last_cdc_time = str(answer.get("time") or "")
        out: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
        for block in answer.get("CDCResponse") or []:
            for qr in block.get("QueryResponse") or []:
                for key, value in qr.items():
                    if isinstance(value, list):
                        out.setdefault(key, []).extend(value)
        return out

    # -- batch --------------------------------------------------------------------------------

    def batch(self, ops: list[BatchOp], request_id: str) -> list[BatchResult]:
        """Up to 30 operations in one request; one result per op, in the order given."""
        if not ops:
            return []
        if len(ops) > MAX_BATCH:
            raise ValueError(f"a QuickBooks batch holds at most {MAX_BATCH} operations, not {len(ops)}")
        if len({op.bid for op in ops}) != len(ops):
            raise ValueError("batch ids (bid) must be unique within a batch")
        items: list[dict[str, Any]] = []
        for op in ops:
            if op.operation == "query":
                sql = op.body if isinstance(op.body, str) else op.body.get("Query", "")
                items.append({"bId": op.bid, "Query": sql})
            elif op.operation == "void":
                items.append({"bId": op.bid, "operation": "update", "optionsData": "void",
                              op.entity: dict(op.body)})  # type: ignore[arg-type]
            else:
                items.append({"bId": op.bid, "operation": op.operation,
                              op.entity: dict(op.body)})  # type: ignore[arg-type]
        answer = self._send("POST", "batch", body={"BatchItemRequest": items}, request_id=request_id,
                            batch=True)
        by_bid: dict[str, dict[str, Any]] = {}
        for item in answer.get("BatchItemResponse") or []:
            by_bid[str(item.get("bId"))] = item
        results: list[BatchResult] = []
        for op in ops:
            item = by_bid.get(op.bid)
            if item is None:
                results.append(BatchResult(op.bid, None, QboServerError(
                    f"QuickBooks answered the batch without a result for item {op.bid}",
                    next_step="The item is sent again on the next try with the same request id.")))
            elif "Fault" in item:
                results.append(BatchResult(op.bid, None, from_fault(item["Fault"])))
            else:
                key = "QueryResponse" if op.operation == "query" else op.entity
                body = item.get(key)
                if body is None:
                    body = next((v for k, v in item.items() if k != "bId" and isinstance(v, dict)), None)
                results.append(BatchResult(op.bid, body, None))
        return results

    # -- the request loop ---------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        return BACKOFF.delay(attempt)

    def _count(self, name: str) -> None:
        with self._count_lock:
            setattr(self, name, getattr(self, name) + 1)

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | str | None = None,
        params: Mapping[str, Any] | None = None,
        request_id: str | None = None,
        content_type: str = "application/json",
        batch: bool = False,
    ) -> dict[str, Any]:
        limit = MAX_BATCH_REQUEST_ID if batch else MAX_REQUEST_ID
        if request_id is not None and len(request_id) > limit:
            # QuickBooks refuses it (2010); a caller deriving ids must keep them short.
            raise ValueError(f"a QuickBooks requestid is at most {limit} characters: {request_id!r}")
        url = f"{self.company_url}/{path}"
        data = body if isinstance(body, str) or body is None else dumps_json(body)
        # A write without a requestid is not safe to repeat after a lost answer; reads and queries are.
        repeatable = method == "GET" or path == "query" or bool(request_id)
        failures = throttles = 0
        refreshed = False
        local = self._qb.local
        while True:
            wait, stale = 0.0, None
            with self.limiter.slot(batch=batch):
                self._count("requests_made")
                try:
                    answer = self._qb.make_request(method, url, request_body=data, content_type=content_type,
                                                   params=dict(params or {}), request_id=request_id)
                    return _decimalize(answer)
                except requests.exceptions.RequestException as exc:
                    failures += 1
                    if not repeatable or failures >= MAX_FAILURES:
                        raise QboServerError(
                            f"QuickBooks could not be reached ({type(exc).__name__})",
                            kept="A write may or may not have been saved; the next sync checks by its "
                            "request id before sending again." if method != "GET" else "",
                            next_step="Check the internet connection and run the sync again.",
                        ) from None
                    log.info("qbo: %s on %s %s, retry %d", type(exc).__name__, method, path, failures)
                    wait = self._backoff(failures)
                    self._count("retries")
                except qbexc.QuickbooksException as exc:
                    response = getattr(local, "response", None)
                    status = response.status_code if response is not None else None
                    parsed = self._parse(response)
                    if status == 401 or (parsed is not None and "fault" in parsed):
                        if refreshed:
                            raise from_fault((parsed or {}).get("fault") or {}, status=401) from None
                        refreshed = True
                        stale = getattr(local, "token", None) or ""
                    elif status == 429 or exc.error_code == 3001:
                        throttles += 1
                        if throttles >= MAX_THROTTLES:
                            raise QboThrottled(
                                "QuickBooks kept refusing requests as too many, after waiting each time",
                                code="3001", status=429,
                                next_step="Wait a few minutes and run the sync again.") from None
                        wait = self._retry_after(response, throttles)
                        self._count("throttled")
                    elif status is not None and status >= 500 and repeatable and failures + 1 < MAX_FAILURES:
                        failures += 1
                        wait = self._backoff(failures)
                        self._count("retries")
                    elif parsed is not None and isinstance(parsed.get("Fault"), Mapping):
                        raise from_fault(parsed["Fault"], status=status) from None
                    else:
                        text = response.text[:200] if response is not None else str(exc)
                        raise QboServerError(f"QuickBooks answered {status}: {text}", status=status) from None
            # Outside the slot: a waiting or refreshing thread must not hold a concurrency place.
            if stale is not None:
                self.tokens.refresh(stale)
            elif wait:
                self._sleep(wait)

    @staticmethod
    def _parse(response: requests.Response | None) -> dict[str, Any] | None:
        if response is None:
            return None
        try:
            parsed = loads_json(response.content)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None

    def _retry_after(self, response: requests.Response | None, attempt: int) -> float:
        wait = retry_after_seconds(response.headers.get("Retry-After") if response is not None else None)
        return min(self._backoff(attempt) if wait is None else wait, self.max_retry_after)

    def close(self) -> None:
        if self._qb.session is not None:
            self._qb.session.close()
