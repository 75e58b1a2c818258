"""A live QuickBooks emulator on 127.0.0.1 and a QboConnection connected to it through the browser flow."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from app.auth.oauth import QboConnection
from app.auth.tokens import ClientCredentials, TokenStore
from app.qbo.client import QboClient
from app.sandbox.faults import FaultSwitches
from app.sandbox.httpserver import ServerThread
from app.sandbox.qbo.emulator import QboState, create_qbo_app


def browser(url: str) -> None:
    """The person's browser: follow the provider's redirect to the loopback listener."""
    response = httpx.get(url, follow_redirects=True, timeout=10)
    response.raise_for_status()


@dataclass
class QboEnv:
    state: QboState
    faults: FaultSwitches
    url: str
    store: TokenStore
    conn: QboConnection

    def connection(self) -> QboConnection:
        """Another connection object for the same profile (as a second window or process would have)."""
        return QboConnection(self.store, discovery_url=self.conn.discovery_url,
                             credentials=ClientCredentials(self.state.client_id, self.state.client_secret),
                             open_browser=browser)

    def client(self, **kwargs: object) -> QboClient:
        kwargs.setdefault("sleep", lambda s: __import__("time").sleep(min(s, 0.05)))
        return QboClient(self.url, self.conn.realm_id, self.conn, **kwargs)  # type: ignore[arg-type]


def make_env(keychain_profile: str, **state_kwargs: object) -> Iterator[QboEnv]:
    state = QboState(**state_kwargs)  # type: ignore[arg-type]
    faults = FaultSwitches(seed=5)
    with ServerThread(create_qbo_app(state, faults), name="qbo-test") as server:
        store = TokenStore(keychain_profile)
        conn = QboConnection(store, discovery_url=f"{server.url}/.well-known/openid_configuration",
                             credentials=ClientCredentials(state.client_id, state.client_secret),
                             open_browser=browser)
        conn.connect(timeout=10)
        yield QboEnv(state, faults, server.url, store, conn)


@pytest.fixture
def qbo(keychain_profile: str) -> Iterator[QboEnv]:
    yield from make_env(keychain_profile)
