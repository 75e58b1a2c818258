"""The Smokeball read client against the sandbox's strict emulator, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from app.auth.sandbox_tokens import SandboxTokens
from app.sandbox.httpserver import ServerThread
from app.sandbox.smokeball.emulator import DEFAULT_API_KEY, SmokeballState, create_smokeball_app, small_firm
from app.smokeball.client import SmokeballClient, SmokeballError, TokenBucket
from app.smokeball.regions import region
from app.smokeball.spec import SpecError, facts


@pytest.fixture
def served() -> Iterator[tuple[SmokeballState, str]]:
    state = small_firm(SmokeballState(), matters=1234, invoices_each=1)
    with ServerThread(create_smokeball_app(state), name="smokeball") as server:
        yield state, server.url


def client(url: str, **kw) -> SmokeballClient:  # noqa: ANN003
    return SmokeballClient(url, DEFAULT_API_KEY, SandboxTokens(url, "issue_token"), **kw)


def test_a_list_is_read_page_by_page_at_500_a_page(served):
    state, url = served
    c = client(url)
    ids = [m["id"] for m in c.records("/matters")]
    assert len(ids) == len(set(ids)) == 1234
    assert c.requests_made == 3  # 500 + 500 + 234
    c.close()


def test_what_smokeball_does_not_publish_is_refused_before_it_is_sent(served):
    _state, url = served
    c = client(url)
    with pytest.raises(SpecError, match="takes no parameter 'updated_since'"):
        c.get("/matters", {"updated_since": 5})
    with pytest.raises(SpecError, match="outside 1"):
        c.get("/matters", {"Limit": 501})
    with pytest.raises(SpecError, match="no read endpoint"):
        c.get("/payments")  # Smokeball has no payment resource
    assert c.requests_made == 0
    # ... and the emulator is as strict when asked directly
    token = SandboxTokens(url, "issue_token").access_token()
    raw = httpx.get(f"{url}/matters", params={"updated_since": 5},
                    headers={"x-api-key": DEFAULT_API_KEY, "Authorization": f"Bearer {token}"})
    assert raw.status_code == 400 and raw.json()["title"] == "Bad Request" and "updated_since" in raw.json()["detail"]
    c.close()


def test_a_wrong_api_key_is_a_clear_error_and_an_expired_token_is_renewed_once(served):
    state, url = served
    wrong = SmokeballClient(url, "not-the-key", SandboxTokens(url, "issue_token"))
    with pytest.raises(SmokeballError) as refused:
        wrong.get("/matters", {"Limit": 1})
    assert refused.value.status == 403 and "API key" in str(refused.value)
    c = client(url)
    c.get("/matters", {"Limit": 1})
    state.expire_tokens()
    assert c.get("/matters", {"Limit": 1})["size"] == 1234  # a 401, one refresh, then the answer
    wrong.close()
    c.close()


def test_the_client_keeps_to_five_a_second_and_a_burst_of_five(served):
    _state, url = served
    c = client(url)
    started = time.monotonic()
    for _ in range(15):
        c.get("/matters", {"Limit": 1})
    elapsed = time.monotonic() - started
    assert c.throttled == 0  # the emulator never had to say 429
    assert elapsed >= (15 - 5) / 5 * 0.9  # the first five at once, then five a second
    c.close()


def test_a_client_that_ignores_the_rate_meets_429_and_waits_retry_after(served):
    _state, url = served
    fast = client(url, bucket=TokenBucket(rate=1000, burst=1000))
    for _ in range(8):
        fast.get("/matters", {"Limit": 1})
    assert fast.throttled >= 1  # waited the emulator's Retry-After, then went on
    fast.close()


def test_the_two_open_questions_are_switches(served):
    state, url = served
    c = client(url)
    [matter] = c.get("/matters", {"Limit": 1})["value"]
    [invoice] = c.get(f"/matters/{matter['id']}/invoices")["value"]
    assert invoice["status"] == 1
    state.enums_as_int = False
    [invoice] = c.get(f"/matters/{matter['id']}/invoices")["value"]
    assert invoice["status"] == "Final"
    trust = next(iter(state.bank_accounts))
    assert len([t for page in c.pages(f"/bankaccounts/{trust}/transactions") for t in page]) == 1234
    state.transactions_paged = False  # the description declares one Transaction, not a page
    assert [len(page) for page in c.pages(f"/bankaccounts/{trust}/transactions")] == [1]
    c.close()


def test_the_published_facts_and_the_regions():
    f = facts()
    assert f["endpoints"]["/matters/{matterId}/invoices"]["query"]["Limit"]["maximum"] == 500
    assert "UpdatedSince" in f["endpoints"]["/contacts"]["query"]
    assert "Transfer" in f["enums"]["Transaction.type"]["described"]
    assert f["headers"] == {"api-key": "x-api-key", "token": "Authorization"}
    assert len(f["source"]["sha256"]) == 64
    au = region("au", staging=True)
    assert au.auth == "https://datastaging-auth.smokeball.com.au" and au.api == "https://stagingapi.smokeball.com.au"
