"""One paced, retried GET for the read-only source clients (Smokeball's, MyCase's): a token from the bucket before
every request, a Bearer token, ``Retry-After`` (or backoff) on 429, one refresh on 401, backoff on 5xx and on a
dropped connection. What an answer means (its body, its error) stays with each client."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from app.errors import LedgerbridgeError
from app.retry import Backoff, TokenBucket, retry_after_seconds
from app.tokens import TokenSource

MAX_FAILURES = 6
MAX_THROTTLES = 20


class PacedGetter:
    def __init__(self, tokens: TokenSource, bucket: TokenBucket, *, service: str, backoff: Backoff,
                 headers: Mapping[str, str] | None = None, timeout: float = 30.0, max_retry_after: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep,
                 unreachable: Callable[[str], LedgerbridgeError] | None = None) -> None:
        self.tokens = tokens
        self.bucket = bucket
        self.service = service
        self.backoff = backoff
        self.headers = dict(headers or {})
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.unreachable = unreachable or (lambda what: LedgerbridgeError(
            what, kept=f"Nothing was changed in {service}.",
            next_step="Check the internet connection; the next sync tries again."))
        self.http = httpx.Client(timeout=timeout)
        self.requests_made = 0
        self.throttled = 0

    def close(self) -> None:
        self.http.close()

    def get(self, url: str, params: Mapping[str, Any]) -> httpx.Response:
        """The answer once it is final: a success, or an error the caller turns into its own (4xx, or a 5xx that
        stayed)."""
        failures = throttles = 0
        refreshed = False
        while True:
            self.bucket.take()
            token = self.tokens.access_token()
            try:
                self.requests_made += 1
                response = self.http.get(url, params=dict(params), headers={
                    **self.headers, "Authorization": f"Bearer {token}", "Accept": "application/json"})
            except httpx.TransportError as exc:
                failures += 1
                if failures >= MAX_FAILURES:
                    raise self.unreachable(f"{self.service} could not be reached ({type(exc).__name__})") from None
                self.sleep(self.backoff.delay(failures))
                continue
            status = response.status_code
            if status == 429 and throttles < MAX_THROTTLES:
                throttles += 1
                self.throttled += 1
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                self.sleep(min(self.backoff.delay(throttles) if wait is None else wait, self.max_retry_after))
                continue
            if status == 401 and not refreshed:
                refreshed = True
                self.tokens.refresh(token)
                continue
            if status >= 500 and failures + 1 < MAX_FAILURES:
                failures += 1
                self.sleep(self.backoff.delay(failures))
                continue
            return response


class PacedClient:
    """A source client built on a :class:`PacedGetter` (its requests and throttles counted there)."""

    _getter: PacedGetter

    @property
    def requests_made(self) -> int:
        return self._getter.requests_made

    @property
    def throttled(self) -> int:
        return self._getter.throttled

    def close(self) -> None:
        self._getter.close()
