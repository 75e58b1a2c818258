"""Tokens for the local sandbox, fetched from the emulators' control endpoints (demo mode and tests).

The sandbox issues a token without the browser step; this token source asks for one and asks again
when the emulator says the old one expired. It is never used against the real services.
"""

from __future__ import annotations

import threading

import httpx

from app.logs import register_secret
from app.money import loads_json


class SandboxTokens:
    def __init__(self, base_url: str, control: str) -> None:
        self.url = base_url.rstrip("/") + "/_sandbox/" + control
        self._lock = threading.Lock()
        self._token: str | None = None

    def _fetch(self) -> str:
        for _ in range(20):  # the sandbox's own fault switches may drop this request too
            try:
                answer = httpx.post(self.url, json={}, timeout=10)
                if answer.status_code == 200:
                    token = str(loads_json(answer.content)["access_token"])
                    register_secret(token)
                    return token
            except httpx.HTTPError:
                pass
        raise RuntimeError(f"the sandbox at {self.url} gave no token")

    def access_token(self) -> str:
        with self._lock:
            if self._token is None:
                self._token = self._fetch()
            return self._token

    def refresh(self, stale: str | None = None) -> str:
        with self._lock:
            if self._token is None or stale is None or stale == self._token:
                self._token = self._fetch()
            return self._token


def clio_tokens(clio_url: str) -> SandboxTokens:
    return SandboxTokens(clio_url, "issue_token")


def qbo_tokens(qbo_url: str) -> SandboxTokens:
    return SandboxTokens(qbo_url, "tokens")
