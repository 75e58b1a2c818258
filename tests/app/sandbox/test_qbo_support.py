"""Fixtures for the QuickBooks emulator tests: a live server per test, python-quickbooks pointed at it.

Kept in a ``test_qbo_*`` module so the QBO tests live beside the Clio ones without a shared conftest; it
holds no tests of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from intuitlib.client import AuthClient
from quickbooks.client import QuickBooks

from app.money import loads_json
from app.sandbox.faults import FaultSwitches
from app.sandbox.httpserver import ServerThread
from app.sandbox.qbo.emulator import QboState, create_qbo_app


@dataclass
class LiveQbo:
    state: QboState
    switches: FaultSwitches
    url: str

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid_configuration"

    @property
    def api(self) -> str:
        return f"{self.url}/v3/company/{self.state.realm_id}"

    def headers(self, token: str | None = None) -> dict[str, str]:
        token = token or self.state.issue_tokens()["access_token"]
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def post(self, path: str, body: Any, *, token: str | None = None, **params: Any) -> httpx.Response:
        return httpx.post(f"{self.api}/{path}", json=body, params=params, headers=self.headers(token))

    def query(self, sql: str, token: str | None = None) -> dict[str, Any]:
        r = httpx.get(f"{self.api}/query", params={"query": sql}, headers=self.headers(token))
        assert r.status_code == 200, r.text
        return loads_json(r.text)["QueryResponse"]


@pytest.fixture
def make_qbo(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A factory: ``make_qbo(**QboState kwargs)`` starts a server that stops after the test."""
    # python-quickbooks sends through requests-oauthlib, which refuses plain http unless told that the
    # transport is trusted: the emulator is on loopback.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    servers: list[ServerThread] = []

    def start(**kwargs: Any) -> LiveQbo:
        state = QboState(**kwargs)
        switches = FaultSwitches(seed=1)
        server = ServerThread(create_qbo_app(state, switches), name="qbo-test").start()
        servers.append(server)
        return LiveQbo(state, switches, server.url)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def qbo(make_qbo: Any) -> LiveQbo:
    # These tests send unpaced bursts (no QboLimiter in between); the ten-a-second rule has its own tests.
    return make_qbo(per_second=None)


def connect(live: LiveQbo, tokens: dict[str, Any] | None = None) -> QuickBooks:
    """python-quickbooks exactly as the app builds it, with the AuthClient reading our discovery document."""
    tokens = tokens or live.state.issue_tokens()
    auth = AuthClient(live.state.client_id, live.state.client_secret, "http://localhost:8765/callback",
                      live.discovery_url, access_token=tokens["access_token"],
                      refresh_token=tokens["refresh_token"], realm_id=live.state.realm_id)
    qb = QuickBooks(auth_client=auth, refresh_token=tokens["refresh_token"], company_id=live.state.realm_id,
                    minorversion=75, use_decimal=True)
    qb.api_url_v3 = f"{live.url}/v3"
    return qb


@pytest.fixture
def qb(qbo: LiveQbo) -> Iterator[QuickBooks]:
    client = connect(qbo)
    yield client
    client.session.close()
    client.auth_client.close()
