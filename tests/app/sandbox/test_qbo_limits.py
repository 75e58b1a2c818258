"""Intuit's per-realm limits (500 a minute, 10 a second, 40 batches a minute, 10 at once), each answered with
a 429."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from quickbooks import exceptions as qbexc
from quickbooks.objects.customer import Customer

from tests.app.sandbox import test_qbo_support as support
from tests.app.sandbox.test_qbo_support import LiveQbo, connect

make_qbo = support.make_qbo


def assert_throttled(r: httpx.Response) -> None:
    assert r.status_code == 429
    assert r.headers["content-type"].startswith("application/xml")
    assert '<Fault type="SERVICE"><Error code="3001">' in r.text and "ThrottleExceeded" in r.text


def get(live: LiveQbo, token: str) -> httpx.Response:
    return httpx.get(f"{live.api}/preferences", headers=live.headers(token))


def test_requests_per_minute(make_qbo: Any) -> None:
    live = make_qbo(limits_per_minute=5, window_seconds=1.5)
    token = live.state.issue_tokens()["access_token"]
    statuses = [get(live, token).status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert_throttled(get(live, token))
    # OAuth is not an API call and is not counted.
    assert httpx.get(live.discovery_url).status_code == 200
    assert live.state.throttled["minute"] == 1
    time.sleep(1.6)
    assert get(live, token).status_code == 200


def test_batches_per_minute_count_also_as_requests(make_qbo: Any) -> None:
    live = make_qbo(limits_per_minute=6, batch_per_minute=2, window_seconds=30, per_second=None)
    token = live.state.issue_tokens()["access_token"]

    def batch(n: int) -> httpx.Response:
        return live.post("batch", {"BatchItemRequest": [{"bId": f"b{n}", "Query": "select * from Account"}]},
                         token=token)

    assert batch(1).status_code == 200 and batch(2).status_code == 200
    assert_throttled(batch(3))
    # Single requests still have room: the refused batch counted as a request, as every call does.
    assert [get(live, token).status_code for _ in range(3)] == [200, 200, 200]
    assert_throttled(get(live, token))  # 3 batches + 3 gets: the minute's 6 are gone
    assert live.state.throttled == {"minute": 1, "second": 0, "batch": 1, "concurrent": 0}


def test_more_than_ten_requests_in_one_second_get_429(make_qbo: Any) -> None:
    live = make_qbo(limits_per_minute=None, batch_per_minute=None, max_concurrent=None, window_seconds=60)
    token = live.state.issue_tokens()["access_token"]
    live.state.second_limiter.reset()  # a fresh second: the twelve below take far less than one
    with httpx.Client(headers=live.headers(token)) as client:
        statuses = [client.get(f"{live.api}/preferences").status_code for _ in range(12)]
    assert statuses[:10] == [200] * 10 and 429 in statuses[10:]
    assert live.state.throttled["second"] >= 1
    time.sleep(1.05)
    assert get(live, token).status_code == 200  # the next second has room again


def test_the_client_keeps_under_ten_a_second_without_a_single_429(make_qbo: Any) -> None:
    from app.qbo.limits import QboLimiter

    live = make_qbo(limits_per_minute=None, batch_per_minute=None, max_concurrent=None, window_seconds=60)
    token = live.state.issue_tokens()["access_token"]
    limiter = QboLimiter(per_minute=0, batch_per_minute=0, max_concurrent=0)
    started = time.monotonic()
    with httpx.Client(headers=live.headers(token)) as client:
        for _ in range(25):
            with limiter.slot():
                assert client.get(f"{live.api}/preferences").status_code == 200
    assert live.state.throttled["second"] == 0
    assert time.monotonic() - started >= 2.0  # 25 requests at ten per (second + jitter margin)


def test_concurrent_requests_beyond_the_limit_get_429(make_qbo: Any) -> None:
    live = make_qbo(max_concurrent=3, limits_per_minute=None, batch_per_minute=None)
    token = live.state.issue_tokens()["access_token"]
    live.switches.set(latency=0.4)  # every request holds its slot for a while
    statuses: list[int] = []
    lock = threading.Lock()

    def call() -> None:
        status = get(live, token).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=call) for _ in range(7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 200, 200, 429, 429, 429, 429]
    assert live.state.peak_in_flight == 3
    deadline = time.monotonic() + 2
    while live.state.in_flight and time.monotonic() < deadline:  # the server releases just after answering
        time.sleep(0.01)
    assert live.state.in_flight == 0


def test_limits_can_be_switched_off(make_qbo: Any) -> None:
    live = make_qbo(limits_per_minute=None, batch_per_minute=None, max_concurrent=None, per_second=None,
                    window_seconds=60)
    token = live.state.issue_tokens()["access_token"]
    with httpx.Client(headers=live.headers(token)) as client:
        statuses = {client.get(f"{live.api}/preferences").status_code for _ in range(60)}
    assert statuses == {200}


def test_python_quickbooks_meets_the_xml_429_as_code_10000(make_qbo: Any) -> None:
    live = make_qbo(limits_per_minute=1, window_seconds=30)
    qb = connect(live)
    try:
        assert Customer.count(qb=qb) == 0
        with pytest.raises(qbexc.QuickbooksException) as err:
            Customer.count(qb=qb)
        assert err.value.error_code == 10000 and "ThrottleExceeded" in err.value.message
    finally:
        qb.session.close()
        qb.auth_client.close()


def test_retry_after_header_is_optional(make_qbo: Any) -> None:
    live = make_qbo(limits_per_minute=1, window_seconds=30, retry_after_header=True)
    token = live.state.issue_tokens()["access_token"]
    get(live, token)
    r = get(live, token)
    assert_throttled(r)
    assert 1 <= int(r.headers["retry-after"]) <= 30
