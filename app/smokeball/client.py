"""Smokeball's read API: ``x-api-key`` and a Bearer token on every call, offset paging of up to 500 records,
Smokeball's rate of 5 requests a second with a burst of 5 kept here (a token bucket) so a 429 is rare, and
every request checked against the published description before it is sent (``app.smokeball.spec``).

429s wait ``Retry-After`` (or back off); a 401 forces one token refresh; 5xx answers and dropped connections
are retried with backoff. Errors arrive as ProblemDetails ``{type, title, status, detail}`` and become
:class:`SmokeballError` with what was kept and what to do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from app.errors import LedgerbridgeError
from app.money import loads_json
from app.paced_http import PacedClient, PacedGetter
from app.retry import Backoff, TokenBucket
from app.smokeball.spec import check_query
from app.tokens import TokenSource

log = logging.getLogger("ledgerbridge.smokeball")

PAGE_LIMIT = 500
BACKOFF = Backoff(base=0.25, cap=8.0)


class SmokeballError(LedgerbridgeError):
    def __init__(self, what: str, *, status: int | None = None, kept: str = "Nothing was changed in Smokeball.",
                 next_step: str = "") -> None:
        super().__init__(what, kept=kept, next_step=next_step)
        self.status = status


class SmokeballAuthError(SmokeballError):
    """Smokeball's sign-in refused a code or a refresh for good: the firm must sign in again."""


SANDBOX_API_KEY = "sandbox-smokeball-key"  # the local emulator's made-up key; a real one is issued by Smokeball


class SmokeballClient(PacedClient):
    def __init__(self, base_url: str, api_key: str, tokens: TokenSource, *, bucket: TokenBucket | None = None,
                 timeout: float = 30.0, max_retry_after: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.tokens = tokens
        self.bucket = bucket or TokenBucket(4.5, 4)  # just under Smokeball's 5 a second, burst 5
        self._getter = PacedGetter(tokens, self.bucket, service="Smokeball", backoff=BACKOFF,
                                   headers={"x-api-key": api_key}, timeout=timeout, max_retry_after=max_retry_after,
                                   sleep=sleep, unreachable=lambda what: SmokeballError(
                                       what, next_step="Check the internet connection; the next sync tries again."))

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """One GET, checked against the published description first; the parsed body (Decimal amounts)."""
        params = dict(params or {})
        check_query(path, params)
        response = self._getter.get(self.base_url + path, params)
        if response.status_code >= 400:
            raise self._error(response)
        return loads_json(response.content)

    def pages(self, path: str, params: dict[str, Any] | None = None, *, limit: int = PAGE_LIMIT
              ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a paged list (``{offset, limit, size, value}``), in order. A single record where a list
        was expected (the transactions list is declared so) is one page of one."""
        offset = 0
        while True:
            body = self.get(path, {**(params or {}), "Offset": offset, "Limit": limit})
            if not isinstance(body, dict) or "value" not in body:
                if body:
                    yield [body]
                return
            value = body.get("value") or []
            if value:
                yield value
            offset += len(value)
            size = body.get("size")
            if not value or (isinstance(size, int) and offset >= size):
                return

    def records(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        for page in self.pages(path, params):
            yield from page

    def _error(self, response: httpx.Response) -> SmokeballError:
        try:
            problem = loads_json(response.content)
        except ValueError:
            problem = {}
        title = str(problem.get("title") or "") if isinstance(problem, dict) else ""
        detail = str(problem.get("detail") or "") if isinstance(problem, dict) else ""
        words = "; ".join(p for p in (title, detail) if p) or response.reason_phrase
        status = response.status_code
        if status in (401, 403):
            return SmokeballError(f"Smokeball refused the connection ({status}: {words})", status=status,
                                  next_step="Reconnect Smokeball in the setup wizard; check the app's API key.")
        return SmokeballError(f"Smokeball answered {status}: {words}", status=status,
                              next_step="If it stays, report it with this message; the next sync tries again.")
