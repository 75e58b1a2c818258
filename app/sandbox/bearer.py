"""The bearer tokens and the request rate of an emulator that hands them out (Smokeball's, MyCase's): a mixin
for its state dataclass, which holds ``tokens``, ``lock``, ``token_seconds``, ``rate``, ``burst`` and
``_buckets``."""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

from app.retry import TokenBucket


class BearerDesk:
    tokens: dict[str, float]
    lock: threading.Lock
    token_seconds: float
    rate: float
    burst: int
    _buckets: dict[str, Any]

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = time.monotonic() + self.token_seconds
        return token

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = {t: 0.0 for t in self.tokens}

    def token_ok(self, token: str) -> bool:
        with self.lock:
            expiry = self.tokens.get(token)
        return expiry is not None and expiry >= time.monotonic()

    def allowed(self, key: str) -> bool:
        """Within the service's rate (per API key or token), else the caller answers 429."""
        with self.lock:
            bucket = self._buckets.setdefault(key, TokenBucket(self.rate, self.burst))
        return bool(bucket.try_take() == 0.0)
