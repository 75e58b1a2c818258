"""Per-token rate limits and every fault switch, against the Clio emulator over real HTTP."""

from __future__ import annotations

import time

import httpx
import pytest

from .conftest import ClioServer


def test_rate_limit_headers_count_down_then_429_with_retry_after(clio_limited: ClioServer) -> None:
    clio = clio_limited
    remaining = []
    for _ in range(5):
        response = clio.get("/api/v4/contacts.json")
        assert response.status_code == 200
        assert response.headers["x-ratelimit-limit"] == "5"
        remaining.append(int(response.headers["x-ratelimit-remaining"]))
        reset = int(response.headers["x-ratelimit-reset"])
        assert time.time() - 1 <= reset <= time.time() + 3
    assert remaining == [4, 3, 2, 1, 0]
    refused = clio.get("/api/v4/contacts.json")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 2
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.json()["error"]["type"] == "RateLimited"
    # Another token has its own budget.
    other = clio.state.issue_token()["access_token"]
    assert httpx.get(f"{clio.url}/api/v4/contacts.json",
                     headers={"Authorization": f"Bearer {other}"}).status_code == 200
    time.sleep(float(refused.headers["retry-after"]))
    assert clio.get("/api/v4/contacts.json").status_code == 200


def test_error_switch_answers_clio_shaped_5xx(clio: ClioServer) -> None:
    clio.switches.set(error_rate=1.0)
    answers = [clio.get("/api/v4/bills.json") for _ in range(2)]
    assert sorted(r.status_code for r in answers) == [500, 503]
    assert all(set(r.json()["error"]) == {"type", "message"} for r in answers)
    clio.switches.clear()
    assert clio.get("/api/v4/bills.json").status_code == 200
    assert clio.switches.injected["error"] == 2


def test_throttle_burst_then_recovery(clio: ClioServer) -> None:
    clio.http.post("/_sandbox/faults", json={"throttle_burst": 2})
    statuses = [clio.get("/api/v4/bills.json") for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["retry-after"] and statuses[0].headers["x-ratelimit-remaining"] == "0"


def test_dropped_connection(clio: ClioServer) -> None:
    clio.switches.set(drop_rate=1.0)
    with pytest.raises(httpx.TransportError):
        clio.get("/api/v4/bills.json")
    clio.switches.clear()
    assert clio.get("/api/v4/bills.json").status_code == 200


def test_drop_after_commit_runs_the_handler_but_loses_the_answer(clio: ClioServer) -> None:
    grants_before = len(clio.state._grants)
    clio.switches.set(drop_after_commit_rate=1.0)
    with pytest.raises(httpx.TransportError):
        httpx.post(f"{clio.url}/oauth/token", data={"grant_type": "refresh_token",
                   "refresh_token": clio.token["refresh_token"], "client_id": clio.state.client_id,
                   "client_secret": clio.state.client_secret})
    clio.switches.clear()
    # The token endpoint issued a new access token (committed), though the client never saw it.
    assert len(clio.state._access) == 2 and len(clio.state._grants) == grants_before


def test_latency_and_request_counts(clio: ClioServer) -> None:
    clio.switches.set(latency=0.3)
    started = time.monotonic()
    assert clio.get("/api/v4/matters.json").status_code == 200
    assert time.monotonic() - started >= 0.3
    clio.switches.clear()
    clio.get("/api/v4/matters.json")
    assert clio.switches.counts["/api/v4/matters.json"] == 2
    assert clio.switches.total_requests() == 2
    # The control endpoint is not counted as API traffic.
    assert clio.http.post("/_sandbox/faults", json={}).json()["counts"] == {"/api/v4/matters.json": 2}


def test_rate_limit_can_be_changed_over_the_control_endpoint(clio: ClioServer) -> None:
    answer = clio.http.post("/_sandbox/rate_limit", json={"limit": 1, "window_seconds": 30})
    assert answer.json() == {"limit": 1, "window_seconds": 30.0}
    assert clio.get("/api/v4/matters.json").status_code == 200
    assert clio.get("/api/v4/matters.json").status_code == 429
