"""Fixtures for the Clio half of the sandbox: a fresh small firm served over real HTTP per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.money import loads_json
from app.sandbox.clio.emulator import ClioState, create_clio_app
from app.sandbox.demo_firm import DemoFirm, generate_firm
from app.sandbox.faults import FaultSwitches
from app.sandbox.httpserver import ServerThread


@dataclass
class ClioServer:
    url: str
    state: ClioState
    firm: DemoFirm
    switches: FaultSwitches
    token: dict[str, Any]
    http: httpx.Client

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params or None)

    def json(self, path: str, **params: Any) -> Any:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return loads_json(response.text)

    def list_all(self, endpoint: str, **params: Any) -> list[dict[str, Any]]:
        """Follow meta.paging.next to the end, as a client does."""
        answer = self.json(f"/api/v4/{endpoint}.json", **params)
        records = list(answer["data"])
        while "next" in answer["meta"]["paging"]:
            response = self.http.get(answer["meta"]["paging"]["next"])
            assert response.status_code == 200, response.text
            answer = loads_json(response.text)
            records += answer["data"]
        return records


def _serve(state: ClioState, firm: DemoFirm) -> Iterator[ClioServer]:
    switches = FaultSwitches(seed=1)
    with ServerThread(create_clio_app(state, switches)) as server:
        token = state.issue_token()
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token['access_token']}"},
                          timeout=10) as http:
            yield ClioServer(server.url, state, firm, switches, token, http)


@pytest.fixture
def clio() -> Iterator[ClioServer]:
    """A fresh small firm (the emulator changes it in place) with rate limiting off."""
    firm = generate_firm("small", 7)
    yield from _serve(ClioState(firm, rate_limit=0), firm)


@pytest.fixture
def clio_limited() -> Iterator[ClioServer]:
    """Clio's per-token limit, shrunk to 5 requests per 1.5-second window so the test runs in seconds."""
    firm = generate_firm("small", 7)
    yield from _serve(ClioState(firm, rate_limit=5, window_seconds=1.5), firm)
