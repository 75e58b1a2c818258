"""Intuit's OAuth 2.0 as the emulator plays it: codes, 1-hour access tokens, rotating refresh tokens.

Rotation follows Intuit: every refresh answers a new refresh token; the one it replaced keeps working
only until any of its successors has been used, then it answers ``invalid_grant``. A client that loses
the new token before saving it can therefore still recover with the old one, but a client that keeps
using an old token after a newer one went through is cut off (as in production).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

REFRESH_TTL = 100 * 24 * 3600  # rolling 100 days
CODE_TTL = 600.0


class OAuthRefusal(Exception):
    """An OAuth error answer: ``{"error": code}`` with an HTTP status."""

    def __init__(self, error: str, status: int = 400, description: str = "") -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.description = description


@dataclass
class _Refresh:
    realm: str
    issued: float
    parent: str | None = None
    successors: list[str] = field(default_factory=list)
    used: bool = False
    revoked: bool = False


class TokenBook:
    """Every code and token the emulated Intuit has issued, behind one lock."""

    def __init__(self, client_id: str, client_secret: str, *, token_ttl: float = 3600.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = token_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, tuple[str, str | None, float]] = {}  # code -> realm, redirect_uri, expiry
        self._access: dict[str, tuple[str, float]] = {}  # token -> realm, expiry
        self._refresh: dict[str, _Refresh] = {}

    def check_client(self, client_id: str, client_secret: str) -> None:
        if not (secrets.compare_digest(client_id, self.client_id)
                and secrets.compare_digest(client_secret, self.client_secret)):
            raise OAuthRefusal("invalid_client", 401)

    def new_code(self, realm: str, redirect_uri: str | None) -> str:
        code = "AB11" + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = (realm, redirect_uri, self._clock() + CODE_TTL)
        return code

    def _answer(self, realm: str, parent: str | None) -> dict[str, Any]:
        access = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2" + secrets.token_urlsafe(48)
        refresh = "AB11" + secrets.token_urlsafe(36)
        now = self._clock()
        self._access[access] = (realm, now + self.token_ttl)
        self._refresh[refresh] = _Refresh(realm, now, parent)
        if parent is not None:
            self._refresh[parent].successors.append(refresh)
        return {"token_type": "bearer", "access_token": access, "expires_in": int(self.token_ttl),
                "refresh_token": refresh, "x_refresh_token_expires_in": REFRESH_TTL}

    def issue(self, realm: str) -> dict[str, Any]:
        with self._lock:
            return self._answer(realm, None)

    def exchange_code(self, code: str, redirect_uri: str | None) -> dict[str, Any]:
        with self._lock:
            entry = self._codes.pop(code, None)  # a code works once
            if entry is None or entry[2] < self._clock():
                raise OAuthRefusal("invalid_grant")
            realm, expected_uri, _ = entry
            if expected_uri is not None and redirect_uri != expected_uri:
                raise OAuthRefusal("invalid_grant", description="redirect_uri does not match")
            return self._answer(realm, None)

    def refresh(self, token: str) -> dict[str, Any]:
        with self._lock:
            entry = self._refresh.get(token)
            now = self._clock()
            if entry is None or entry.revoked or now > entry.issued + REFRESH_TTL:
                raise OAuthRefusal("invalid_grant")
            if any(self._refresh[s].used for s in entry.successors):
                raise OAuthRefusal("invalid_grant", description="a newer refresh token has been used")
            entry.used = True
            return self._answer(entry.realm, token)

    def revoke(self, token: str) -> None:
        """Revoking either token ends the whole grant (every token of that realm's connection)."""
        with self._lock:
            realm = None
            if token in self._refresh:
                realm = self._refresh[token].realm
            elif token in self._access:
                realm = self._access[token][0]
            if realm is None:
                return
            for entry in self._refresh.values():
                if entry.realm == realm:
                    entry.revoked = True
            for key in [k for k, v in self._access.items() if v[0] == realm]:
                del self._access[key]

    def realm_of(self, access_token: str) -> tuple[str | None, str]:
        """The realm an access token opens, or (None, why not)."""
        with self._lock:
            entry = self._access.get(access_token)
            if entry is None:
                return None, "Token invalid"
            if entry[1] <= self._clock():
                return None, "Token expired"
            return entry[0], ""

    def expire_all(self) -> None:
        """Every access token expires now (refresh tokens keep working): the 'token expiry now' switch."""
        with self._lock:
            now = self._clock()
            for key, (realm, _) in list(self._access.items()):
                self._access[key] = (realm, now)
