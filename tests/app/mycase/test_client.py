"""The MyCase client against the emulator over HTTP: cursor paging through Link, Item-Count, the invoice
filter's default, strictness on parameters, errors[] bodies, 429s and a refresh on 401."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.auth.sandbox_tokens import SandboxTokens
from app.mycase.client import MyCaseClient, MyCaseError, next_token
from app.mycase.spec import SpecError, facts
from app.retry import TokenBucket
from app.sandbox.httpserver import ServerThread
from app.sandbox.mycase.emulator import MyCaseState, create_mycase_app


def _firm(state: MyCaseState, invoices: int = 60) -> None:
    for n in range(invoices):
        state.records["invoices"].append({
            "id": n + 1, "invoice_number": str(1000 + n), "invoice_date": "2026-10-01", "due_date": "2026-10-31",
            "total_amount": Decimal("100.50"), "paid_amount": Decimal("0"), "case": {"id": 7},
            "allow_online_payments": n % 3 == 0, "status": "sent",
            "updated_at": f"2026-10-{1 + n % 28:02d}T12:00:00Z"})


@pytest.fixture
def served():
    state = MyCaseState()
    _firm(state)
    with ServerThread(create_mycase_app(state), name="mycase") as server:
        yield state, server.url


_OPEN: list[MyCaseClient] = []


@pytest.fixture(autouse=True)
def _closed_afterwards():
    """Every client a test made is closed, whatever the test did (no socket left for a later test to trip on)."""
    yield
    while _OPEN:
        _OPEN.pop().close()


def _client(url: str, **kw) -> MyCaseClient:
    client = MyCaseClient(url + "/v1", SandboxTokens(url, "issue_token"), **kw)
    _OPEN.append(client)
    return client


def test_pages_follow_the_link_cursor_and_every_invoice_is_read(served):
    state, url = served
    c = _client(url)
    first = c.page("/invoices", {"page_size": 25})
    assert len(first.rows) == 25 and first.item_count == 60 and first.next_token
    rows = list(c.records("/invoices", page_size=25))
    assert [r["id"] for r in rows] == list(range(1, 61))  # all of them: the client never takes MyCase's default
    assert rows[0]["total_amount"] == Decimal("100.50")
    assert c.requests_made == 4
    since = list(c.records("/invoices", {"filter[updated_after]": "2026-10-28T12:00:00Z"}))
    assert {r["updated_at"][:10] for r in since} == {"2026-10-28"}  # inclusive
    c.close()


def test_the_emulator_hides_invoices_without_online_payments_by_default(served):
    import httpx

    state, url = served
    token = SandboxTokens(url, "issue_token").access_token()
    answer = httpx.get(url + "/v1/invoices", params={"page_size": 1000}, headers={"Authorization": f"Bearer {token}"})
    assert answer.headers["Item-Count"] == "20" and "Link" not in answer.headers
    assert isinstance(answer.json(), list)


def test_unpublished_parameters_are_refused_on_both_sides(served):
    import httpx

    state, url = served
    c = _client(url)
    with pytest.raises(SpecError, match="takes no parameter 'filter\\[case_id\\]'"):
        c.page("/invoices", {"filter[case_id]": 7})
    with pytest.raises(SpecError, match="outside 1–1000"):
        c.page("/invoices", {"page_size": 5000})
    token = SandboxTokens(url, "issue_token").access_token()
    answer = httpx.get(url + "/v1/invoices", params={"filter[case_id]": 7}, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 400 and answer.json()["errors"][0]["source"] == {"parameter": "filter[case_id]"}
    assert "/invoices" in facts()["endpoints"] and facts()["endpoints"]["/invoices"]["paged"]
    c.close()


def test_a_401_refreshes_once_and_errors_read_as_sentences(served):
    state, url = served
    c = _client(url)
    assert c.page("/clients").rows == []
    state.expire_tokens()
    assert c.page("/clients").rows == []  # refreshed and read
    import httpx

    httpx.post(url + "/_sandbox/faults", json={"error_rate": 1.0}, timeout=10)  # every call a 503 from now on
    sleeps: list[float] = []
    broken = _client(url, sleep=sleeps.append)
    with pytest.raises(MyCaseError, match="503: Injected by the sandbox"):
        broken.page("/clients")
    assert len(sleeps) == 5  # retried with backoff before saying so
    c.close()
    broken.close()


def test_429s_are_waited_out(served):
    state, url = served
    state.rate, state.burst = 2.0, 2
    waits: list[float] = []
    c = _client(url, bucket=TokenBucket(1000, 1000), sleep=lambda s: (waits.append(s), __import__("time").sleep(s)))
    rows = list(c.records("/invoices", page_size=10))
    assert len(rows) == 60 and c.throttled > 0 and waits
    c.close()


def test_next_token_reads_the_link_header():
    link = '<https://external-integrations.mycase.com/v1/cases?page_size=2&page_token=abc%3D>; rel="next"'
    assert next_token(link) == "abc="
    assert next_token(None) is None and next_token('<x?page_token=1>; rel="prev"') is None
