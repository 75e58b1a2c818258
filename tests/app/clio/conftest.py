"""A live sandbox (both emulators) and a Clio connection made through the browser flow."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from app.auth.oauth import ClioConnection
from app.auth.tokens import ClientCredentials, TokenStore
from app.clio.client import ClioClient
from app.sandbox.runner import Sandbox


def browser(url: str) -> None:
    """The person's browser: follow the provider's redirect to the loopback listener."""
    httpx.get(url, follow_redirects=True, timeout=10).raise_for_status()


def short_sleep(seconds: float) -> None:
    """Waits are real but capped, so retry paths run in test time (pacing still checks the clock)."""
    time.sleep(min(seconds, 0.05))


@dataclass
class ClioEnv:
    sb: Sandbox
    store: TokenStore
    conn: ClioConnection

    def client(self, **kwargs: object) -> ClioClient:
        return ClioClient(self.sb.clio_url, self.conn, **kwargs)  # type: ignore[arg-type]


def make_env(keychain_profile: str, firm: str = "small", **sandbox_kwargs: object) -> Iterator[ClioEnv]:
    with Sandbox(firm, 7, **sandbox_kwargs) as sb:  # type: ignore[arg-type]
        store = TokenStore(keychain_profile)
        conn = ClioConnection(store, base_url=sb.clio_url,
                              credentials=ClientCredentials(sb.clio_client_id, sb.clio_client_secret),
                              open_browser=browser)
        conn.connect(timeout=10)
        yield ClioEnv(sb, store, conn)


@pytest.fixture
def clio(keychain_profile: str) -> Iterator[ClioEnv]:
    yield from make_env(keychain_profile, clio_rate_limit=0)
